import Foundation

/// Chooses the parts of a large file the model is shown and may change: whole definitions
/// (functions, methods; a class only when it is small) that the evidence points at, best
/// first, within a token allowance; plus an outline of everything else in the file.
///
/// Evidence, strongest first: a traceback line inside the definition; the definition is named
/// in the instruction as code; a failing test's name or body names it; the instruction uses
/// its name as a plain word; lines of it use the instruction's words. A definition longer than `maxDefinitionLines` is shown as a window
/// around its best line instead (and then cannot be answered as a whole definition).
public struct RegionChooser: Sendable {
    public var maxRegions = 3
    public var maxDefinitionLines = 160
    public var windowLines = 30

    public init() {}

    /// Evidence about one file, gathered by the planner.
    public struct Evidence: Sendable {
        /// 1-based lines a failing run pointed at (deepest frame last).
        public var tracebackLines: [Int] = []
        /// Identifiers the instruction writes as code (`take_nth`, `first()`, `mod.tail`).
        public var instructionNames: Set<String> = []
        /// Other words of the instruction that may name a definition ("the first element"):
        /// weak evidence, a little more than a lexical hit.
        public var instructionPlainNames: Set<String> = []
        /// Identifiers used by the failing tests (name → how often).
        public var testNames: [String: Int] = [:]
        /// Lower-cased words of the instruction (for lexical hits).
        public var instructionWords: Set<String> = []
        public init() {}
    }

    public struct Choice: Sendable {
        public var regions: [ShownRegion]
        public var outline: [String]
        /// True when every region is a whole definition (answerable as definitions).
        public var wholeDefinitions: Bool
    }

    public func choose(path: String, text: String, evidence: Evidence, allowance: Int, outlineAllowance: Int,
                       counter: TokenCounter) -> Choice {
        let structure = CodeStructure(text: text, path: path)
        let lines = structure.lines
        var scores: [Int: (score: Double, reason: String)] = [:]   // definition index → score
        func credit(_ index: Int, _ amount: Double, _ reason: String) {
            let old = scores[index]
            scores[index] = ((old?.score ?? 0) + amount, old.map { $0.score >= amount ? $0.reason : reason } ?? reason)
        }
        let defs = structure.definitions
        // Innermost definition at a line, preferring functions over the classes that hold them.
        func innermostIndex(_ line: Int) -> Int? {
            defs.indices.filter { defs[$0].range.contains(line) }.max { defs[$0].range.lowerBound < defs[$1].range.lowerBound }
        }
        for (order, line) in evidence.tracebackLines.enumerated() {
            if let i = innermostIndex(line - 1) { credit(i, 20 + Double(order), "the failing run points at line \(line)") }
        }
        for (i, d) in defs.enumerated() {
            if evidence.instructionNames.contains(d.name) || evidence.instructionNames.contains(d.qualifiedName) {
                credit(i, 12, "the instruction names \(d.name)")
            } else if evidence.instructionPlainNames.contains(d.name) {
                credit(i, 3, "the instruction uses the word \(d.name)")
            }
            if let uses = evidence.testNames[d.name] { credit(i, 4 + Double(min(uses, 4)), "the failing tests use \(d.name)") }
        }
        if !evidence.instructionWords.isEmpty {
            // Words only break ties: at most 2 points per definition, however long it is.
            var lexical: [Int: Double] = [:]
            for (number, line) in lines.enumerated() {
                let words = Terms.identifierWords(line).map { $0.lowercased() }
                let hits = words.filter { evidence.instructionWords.contains($0) }.count
                if hits > 0, let i = innermostIndex(number) { lexical[i, default: 0] += 0.25 * Double(hits) }
            }
            for (i, amount) in lexical { credit(i, min(amount, 2), "uses words of the instruction") }
        }
        // Classes hold their methods' evidence only when small; otherwise the methods are shown.
        let ranked = scores.keys.sorted { (scores[$0]?.score ?? 0, -$0) > (scores[$1]?.score ?? 0, -$1) }
        var regions: [ShownRegion] = []
        var used = 0
        var wholeDefinitions = true
        var coveredLines = IndexSet()
        // Weak evidence beside strong evidence is noise (a word of the instruction that every
        // function uses): only definitions within reach of the best one are shown.
        let best = ranked.first.flatMap { scores[$0]?.score } ?? 0
        for index in ranked where regions.count < maxRegions {
            let d = defs[index]
            guard let (score, reason) = scores[index], score >= best * 0.5 else { continue }
            let range = d.fullRange
            if coveredLines.contains(integersIn: range) { continue }
            var region: ShownRegion
            if range.count <= maxDefinitionLines {
                region = ShownRegion(startLine: range.lowerBound + 1, endLine: range.upperBound,
                                     text: lines[range].joined(separator: "\n"),
                                     definitions: [d.qualifiedName], reason: reason)
            } else {
                let center = evidence.tracebackLines.last { range.contains($0 - 1) }.map { $0 - 1 } ?? d.headerLine
                let start = max(range.lowerBound, center - windowLines / 2), end = min(range.upperBound, start + windowLines)
                region = ShownRegion(startLine: start + 1, endLine: end, text: lines[start..<end].joined(separator: "\n"),
                                     definitions: [], reason: reason + " (part of \(d.qualifiedName), \(range.count) lines)")
            }
            let cost = counter.countTokens(region.text) + 16
            if used + cost > allowance { continue }
            // A region inside one already chosen adds nothing; one holding a chosen one replaces it.
            let regionRange = (region.startLine - 1)..<region.endLine
            regions.removeAll { other in
                let otherRange = (other.startLine - 1)..<other.endLine
                if regionRange.contains(otherRange.lowerBound) && regionRange.upperBound >= otherRange.upperBound {
                    used -= counter.countTokens(other.text) + 16
                    return true
                }
                return false
            }
            if region.definitions.isEmpty { wholeDefinitions = false }
            regions.append(region)
            coveredLines.insert(integersIn: regionRange)
            used += cost
        }
        regions.sort { $0.startLine < $1.startLine }
        if regions.isEmpty { wholeDefinitions = false }
        return Choice(regions: regions, outline: outline(structure, shown: regions, allowance: outlineAllowance, counter: counter),
                      wholeDefinitions: wholeDefinitions)
    }

    /// One line per definition not inside a shown region: top-level ones, and the methods of
    /// classes that hold a shown region (so the model sees its neighbours), nearest first when
    /// the allowance is short; printed in file order.
    func outline(_ structure: CodeStructure, shown: [ShownRegion], allowance: Int, counter: TokenCounter) -> [String] {
        guard allowance > 0 else { return [] }
        let shownRanges = shown.map { ($0.startLine - 1)..<$0.endLine }
        let shownParents = Set(structure.definitions.indices.filter { i in
            shownRanges.contains { $0.overlaps(structure.definitions[i].range) } && structure.definitions[i].kind == .type
        })
        var candidates: [(definition: CodeDefinition, distance: Int)] = []
        for (i, d) in structure.definitions.enumerated() {
            if shownRanges.contains(where: { $0.contains(d.headerLine) }) { continue }
            let isTop = d.parent == nil
            let isNeighbour = d.parent.map { shownParents.contains($0) } ?? false
            guard isTop || isNeighbour || shownParents.contains(i) else { continue }
            let distance = shownRanges.map { abs($0.lowerBound - d.headerLine) }.min() ?? d.headerLine
            candidates.append((d, distance))
        }
        var chosen: [CodeDefinition] = []
        var used = 0
        for candidate in candidates.sorted(by: { $0.distance < $1.distance }) {
            let line = outlineLine(candidate.definition, structure)
            let cost = counter.countTokens(line) + 1
            if used + cost > allowance { continue }
            used += cost
            chosen.append(candidate.definition)
        }
        return chosen.sorted { $0.headerLine < $1.headerLine }.map { outlineLine($0, structure) }
    }

    private func outlineLine(_ d: CodeDefinition, _ structure: CodeStructure) -> String {
        let indent = String(repeating: "  ", count: d.parent == nil ? 0 : 1)
        return "L\(d.headerLine + 1) \(indent)\(structure.signature(of: d, limit: 90))"
    }
}
