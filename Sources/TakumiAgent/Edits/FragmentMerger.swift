import Foundation

/// Small models asked for a whole file often answer with only the function they changed.
/// Written as is, that would delete the rest of the file; this merges such a fragment instead:
/// each top-level definition in the fragment replaces the definition of the same name in the
/// file (decorators and doc comments directly above it go with it), and new definitions are
/// inserted after the last replaced one.
///
/// An answer counts as a fragment only when it is clearly one: it holds nothing but top-level
/// definitions, and either none of them exists in the file (they are appended: "add a
/// function"), or it is shorter than the file, redefines at least one of its names and leaves
/// out at least one of its definitions. Anything else is a real whole-file answer
/// and replaces the file. (Known limit: asked to delete a function from a file that holds only
/// definitions, a whole-file answer looks like a fragment; the test gate or the diff shows it.)
public enum FragmentMerger {
    /// A top-level definition: its name and line span (including attached comments/decorators).
    struct Definition: Equatable {
        var name: String
        var range: Range<Int>
    }

    /// Returns the merged lines, or nil when `answer` is not a fragment of `original`.
    public static func merge(answer: [String], into original: [String]) -> [String]? {
        let old = definitions(in: original)
        let new = definitions(in: answer)
        guard !new.isEmpty, !old.isEmpty else { return nil }
        let oldNames = Set(old.map(\.name))
        let newNames = Set(new.map(\.name))
        // Only definitions (and blank lines) in the fragment: loose statements mean a whole file.
        var covered = Set<Int>()
        for d in new { covered.formUnion(d.range) }
        for (i, line) in answer.enumerated() where !covered.contains(i) {
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        }
        if newNames.isDisjoint(with: oldNames) {
            // Only new definitions ("add a function clamp"): appended, nothing removed.
            var result = original
            while let last = result.last, last.trimmingCharacters(in: .whitespaces).isEmpty { result.removeLast() }
            for d in new { result += [""] + Array(answer[d.range]) }
            return result
        }
        guard answer.count < original.count, !oldNames.isSubset(of: newNames) else { return nil }

        var result = original
        var insertionPoint = old.last.map { $0.range.upperBound } ?? original.count
        var added: [[String]] = []
        // Replace from the bottom so earlier ranges stay valid.
        let replacements = new.compactMap { d -> (Definition, [String])? in
            guard let target = old.first(where: { $0.name == d.name }) else {
                added.append(Array(answer[d.range]))
                return nil
            }
            return (target, Array(answer[d.range]))
        }
        if let lastReplaced = replacements.map(\.0.range.upperBound).max() { insertionPoint = lastReplaced }
        var shift = 0
        for (target, lines) in replacements.sorted(by: { $0.0.range.lowerBound > $1.0.range.lowerBound }) {
            result.replaceSubrange(target.range, with: lines)
            if target.range.upperBound <= insertionPoint { shift += lines.count - target.range.count }
        }
        if !added.isEmpty {
            let at = min(result.count, insertionPoint + shift)
            var block: [String] = []
            for lines in added { block += [""] + lines }
            if at < result.count, !result[at].isEmpty { block.append("") }
            result.insert(contentsOf: block, at: at)
        }
        return result
    }

    private static let definitionPattern = try? NSRegularExpression(pattern:
        #"^(?:export\s+)?(?:default\s+)?(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?(?:static\s+)?(?:def|class|function|func|fn|struct|enum|impl|trait|interface|type|mod)\s+([A-Za-z_][A-Za-z0-9_]*)"#)
    private static let assignedFunctionPattern = try? NSRegularExpression(pattern:
        #"^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][A-Za-z0-9_$]*\s*=>)"#)
    /// C-like: `type name(args) {` or `type name(args)` at column 0, not a declaration (`;`).
    private static let cFunctionPattern = try? NSRegularExpression(pattern:
        #"^[A-Za-z_][A-Za-z0-9_\s\*]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\([^;]*\)\s*\{?\s*$"#)

    static func definitionName(_ line: String) -> String? {
        guard let first = line.first, !first.isWhitespace else { return nil }
        let range = NSRange(line.startIndex..., in: line)
        for pattern in [definitionPattern, assignedFunctionPattern, cFunctionPattern] {
            guard let pattern, let m = pattern.firstMatch(in: line, range: range),
                  let r = Range(m.range(at: 1), in: line) else { continue }
            let name = String(line[r])
            if ["if", "for", "while", "switch", "return", "else"].contains(name) { continue }
            return name
        }
        return nil
    }

    static func isAttachment(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return line.first.map { !$0.isWhitespace } == true
            && (t.hasPrefix("@") || t.hasPrefix("//") || t.hasPrefix("#[") || t.hasPrefix("/*") || t.hasPrefix("*") || t.hasPrefix("# "))
    }

    /// Top-level definitions and their spans: from attached comment/decorator lines above the
    /// definition line to the last line before the next column-0 line (a closing `}`, `)` or
    /// `]` at column 0 belongs to the body); trailing blank lines excluded.
    static func definitions(in lines: [String]) -> [Definition] {
        var result: [Definition] = []
        var i = 0
        while i < lines.count {
            guard let name = definitionName(lines[i]) else { i += 1; continue }
            var start = i
            while start > 0, isAttachment(lines[start - 1]) { start -= 1 }
            var end = i + 1
            while end < lines.count {
                let line = lines[end]
                if let c = line.first, !c.isWhitespace, !"})]".contains(c) { break }
                end += 1
            }
            // Closing braces on column 0 right after the body still belong to it; blank tail does not.
            while end > i + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
            // Comments above the next definition are attachments of that one, not of this body.
            while end > i + 1, isAttachment(lines[end - 1]) { end -= 1 }
            result.append(Definition(name: name, range: start..<end))
            i = max(end, i + 1)
        }
        return result
    }
}
