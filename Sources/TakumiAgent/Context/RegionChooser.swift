import Foundation

/// Chooses the parts of a file too large to show whole, within a token allowance: the one
/// region chooser of `edit` (the parts the model may change) and of `context`, `complete` and
/// the hooks (the parts of reference files shown).
///
/// First whole definitions (functions, methods; a class only when it is small) that the
/// evidence points at, best first. Evidence, strongest first: a traceback line inside the
/// definition; the definition is named in the request as code; a failing test's name or body
/// names it; the request uses its name as a plain word; lines of it use the request's words.
/// A definition longer than `maxDefinitionLines` is shown as a window around its best line
/// instead (and then cannot be answered as a whole definition). When no definition has
/// evidence (a file the structure scanner has no definitions for, or words only outside
/// definitions), windows of lines around the lines that use the request's words. Plus an
/// outline of the definitions not shown.
public struct RegionChooser: Sendable {
    public var maxRegions = 3
    public var maxDefinitionLines = 160
    public var windowLines = 30
    /// Lines shown on each side of a word hit, when regions are line windows.
    public var hitContextLines = 8
    /// Neighbouring hit windows merge only up to this many lines, so one dense area does not
    /// swallow the allowance.
    public var maxHitWindowLines = 48
    /// With no evidence at all, show the top of the file (imports, the first declarations)
    /// rather than nothing: right for reference context, wrong for the parts of a file to edit.
    public var topOfFileWhenNothingMatches = false

    public init() {}

    /// Evidence about one file, gathered by the caller.
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
        /// Lower-cased words of the instruction (for lexical hits: a whole identifier counts
        /// 1, a part of one such as `max` in `max_width` 0.5).
        public var instructionWords: Set<String> = []
        public init() {}
    }

    public struct Choice: Sendable {
        public var regions: [ShownRegion]
        public var outline: [String]
        /// True when every region is a whole definition (answerable as definitions).
        public var wholeDefinitions: Bool
    }

    private static let regionOverheadTokens = 16

    public func choose(path: String, text: String, evidence: Evidence, allowance: Int, outlineAllowance: Int,
                       counter: TokenCounter) -> Choice {
        let structure = CodeStructure(text: text, path: path)
        let lines = structure.lines
        let lineHits = Self.lexicalHits(lines: lines, words: evidence.instructionWords)
        var regions = definitionRegions(structure, evidence: evidence, lineHits: lineHits, allowance: allowance, counter: counter)
        var wholeDefinitions = !regions.isEmpty && regions.allSatisfy { !$0.definitions.isEmpty }
        if regions.isEmpty {
            regions = hitWindows(lines: lines, hits: lineHits, allowance: allowance, counter: counter)
            wholeDefinitions = false
        }
        return Choice(regions: regions, outline: outline(structure, shown: regions, allowance: outlineAllowance, counter: counter),
                      wholeDefinitions: wholeDefinitions)
    }

    /// Line index → how strongly the line uses the words (whole identifiers 1, parts 0.5).
    static func lexicalHits(lines: [String], words: Set<String>) -> [Int: Double] {
        guard !words.isEmpty else { return [:] }
        var hits: [Int: Double] = [:]
        for (number, line) in lines.enumerated() {
            var score = 0.0
            for word in Terms.identifierWords(String(line)) {
                if words.contains(word.lowercased()) { score += 1 }
                else if Terms.parts(of: word).contains(where: { words.contains($0.lowercased()) }) { score += 0.5 }
            }
            if score > 0 { hits[number] = score }
        }
        return hits
    }

    private func definitionRegions(_ structure: CodeStructure, evidence: Evidence, lineHits: [Int: Double],
                                   allowance: Int, counter: TokenCounter) -> [ShownRegion] {
        let lines = structure.lines
        let defs = structure.definitions
        var scores: [Int: (score: Double, reason: String)] = [:]   // definition index → score
        var namedOrTraced = Set<Int>()   // definitions with more than lexical evidence
        func credit(_ index: Int, _ amount: Double, _ reason: String) {
            let old = scores[index]
            scores[index] = ((old?.score ?? 0) + amount, old.map { $0.score >= amount ? $0.reason : reason } ?? reason)
        }
        // Innermost definition at a line, preferring functions over the classes that hold them.
        func innermostIndex(_ line: Int) -> Int? {
            defs.indices.filter { defs[$0].range.contains(line) }.max { defs[$0].range.lowerBound < defs[$1].range.lowerBound }
        }
        for (order, line) in evidence.tracebackLines.enumerated() {
            if let i = innermostIndex(line - 1) {
                credit(i, 20 + Double(order), "the failing run points at line \(line)")
                namedOrTraced.insert(i)
            }
        }
        for (i, d) in defs.enumerated() {
            if evidence.instructionNames.contains(d.name) || evidence.instructionNames.contains(d.qualifiedName) {
                credit(i, 12, "the instruction names \(d.name)")
                namedOrTraced.insert(i)
            } else if evidence.instructionPlainNames.contains(d.name) {
                credit(i, 3, "the instruction uses the word \(d.name)")
                namedOrTraced.insert(i)
            }
            if let uses = evidence.testNames[d.name] {
                credit(i, 4 + Double(min(uses, 4)), "the failing tests use \(d.name)")
                namedOrTraced.insert(i)
            }
        }
        // Words only break ties: at most 2 points per definition, however long it is.
        var lexical: [Int: Double] = [:]
        var bestHitLine: [Int: (line: Int, score: Double)] = [:]
        for (number, score) in lineHits {
            guard let i = innermostIndex(number) else { continue }
            lexical[i, default: 0] += 0.25 * score
            if let best = bestHitLine[i], (best.score, -best.line) >= (score, -number) { continue }
            bestHitLine[i] = (number, score)
        }
        for (i, amount) in lexical { credit(i, min(amount, 2), "uses words of the instruction") }

        // Classes hold their methods' evidence only when small; otherwise the methods are shown.
        let ranked = scores.keys.sorted { (scores[$0]?.score ?? 0, -$0) > (scores[$1]?.score ?? 0, -$1) }
        var regions: [ShownRegion] = []
        var used = 0
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
                // The window's centre: the failing line, else the header of a definition asked
                // for by name, else its line that uses the request's words most.
                let traced = evidence.tracebackLines.last { range.contains($0 - 1) }.map { $0 - 1 }
                let center = traced ?? (namedOrTraced.contains(index) ? nil : bestHitLine[index]?.line) ?? d.headerLine
                let start = max(range.lowerBound, center - windowLines / 2), end = min(range.upperBound, start + windowLines)
                region = ShownRegion(startLine: start + 1, endLine: end, text: lines[start..<end].joined(separator: "\n"),
                                     definitions: [], reason: reason + " (part of \(d.qualifiedName), \(range.count) lines)")
            }
            let cost = counter.countTokens(region.text) + Self.regionOverheadTokens
            if used + cost > allowance { continue }
            // A region inside one already chosen adds nothing; one holding a chosen one replaces it.
            let regionRange = (region.startLine - 1)..<region.endLine
            regions.removeAll { other in
                let otherRange = (other.startLine - 1)..<other.endLine
                if regionRange.contains(otherRange.lowerBound) && regionRange.upperBound >= otherRange.upperBound {
                    used -= counter.countTokens(other.text) + Self.regionOverheadTokens
                    return true
                }
                return false
            }
            regions.append(region)
            coveredLines.insert(integersIn: regionRange)
            used += cost
        }
        return regions.sorted { $0.startLine < $1.startLine }
    }

    /// Windows of lines around the hit lines, best windows first while the allowance lasts,
    /// in file order; a window that does not fit shrinks around its best line.
    private func hitWindows(lines: [String], hits: [Int: Double], allowance: Int, counter: TokenCounter) -> [ShownRegion] {
        guard !lines.isEmpty, allowance > 0 else { return [] }
        struct Window { var start: Int, end: Int, score: Double, best: Int, bestScore: Double }
        var windows: [Window] = []
        for line in hits.keys.sorted() where line < lines.count {
            let start = max(0, line - hitContextLines), end = min(lines.count - 1, line + hitContextLines)
            let score = hits[line] ?? 0
            if var last = windows.last, start <= last.end + 1, end - last.start < maxHitWindowLines {
                last.end = max(last.end, end)
                last.score += score
                if score > last.bestScore { last.best = line; last.bestScore = score }
                windows[windows.count - 1] = last
            } else {
                windows.append(Window(start: start, end: end, score: score, best: line, bestScore: score))
            }
        }
        var reason = "uses words of the instruction"
        if windows.isEmpty {
            guard topOfFileWhenNothingMatches else { return [] }
            windows = [Window(start: 0, end: min(lines.count - 1, 3 * hitContextLines), score: 0, best: 0, bestScore: 0)]
            reason = "the top of the file (nothing in it matches)"
        }
        var chosen: [ShownRegion] = []
        var used = 0
        for window in windows.sorted(by: { $0.score > $1.score }) {
            var start = window.start, end = window.end
            var text = lines[start...end].joined(separator: "\n")
            var tokens = counter.countTokens(text) + Self.regionOverheadTokens
            var reach = max(window.best - start, end - window.best)
            while used + tokens > allowance && reach > 0 {
                reach /= 2
                start = max(window.start, window.best - reach)
                end = min(window.end, window.best + reach)
                text = lines[start...end].joined(separator: "\n")
                tokens = counter.countTokens(text) + Self.regionOverheadTokens
            }
            if used + tokens > allowance { continue }
            // Skip windows that overlap one already chosen (possible after merging limits).
            if chosen.contains(where: { $0.startLine - 1 <= end && start <= $0.endLine - 1 }) { continue }
            used += tokens
            chosen.append(ShownRegion(startLine: start + 1, endLine: end + 1, text: text, reason: reason))
        }
        return chosen.sorted { $0.startLine < $1.startLine }
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
