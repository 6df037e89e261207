import Foundation

/// Doctest examples (`>>> call`, its continuation lines and its printed output) taken out of
/// the Python docstrings of a region shown for a fix. Shown the examples, a small model
/// "fixes" the example to match the bug instead of the code (take_nth's `[10, 30, 50]` became
/// `[20, 40]`), and copies them into every answer, which costs decode time. The prose stays: it
/// says what the function must do. The merge puts the file's own docstring back when the answer
/// repeats the shortened one (`DefinitionMerger.keepingDocstring`), so the file keeps its examples.
public enum DocstringExamples {
    /// Lines that only introduce the examples, dropped with them.
    static let headings: Set<String> = ["Examples::", "Example::", "Examples:", "Example:", "For example::", "For example:",
                                        "Usage::", "Usage:"]

    /// `lines` (Python source) with the doctest examples of every docstring removed. Only
    /// lines inside docstrings change (code and other string literals stay as they are).
    public static func removed(from lines: [String]) -> [String] {
        let structure = CodeStructure(lines: lines, family: .python)
        var drop = IndexSet()
        for definition in structure.definitions {
            guard let doc = PythonBody.docstring(lines, header: definition.headerLine, end: definition.range.upperBound),
                  doc.count > 2 else { continue }
            let inner = (doc.lowerBound + 1)..<(doc.upperBound - 1)
            let examples = exampleLines(lines, inside: inner)
            guard !examples.isEmpty else { continue }
            drop.formUnion(examples)
            // One blank line where an example and the blank lines around it were.
            var previousBlank = false
            for i in inner where !examples.contains(i) {
                let blank = CodeStructure.isBlank(lines[i])
                if blank && previousBlank { drop.insert(i) }
                previousBlank = blank
            }
            // Nor a gap before the closing quotes.
            var last = inner.upperBound - 1
            while last >= inner.lowerBound, drop.contains(last) || CodeStructure.isBlank(lines[last]) {
                drop.insert(last)
                last -= 1
            }
        }
        return lines.indices.filter { !drop.contains($0) }.map { lines[$0] }
    }

    /// The examples of one docstring's inner lines: from each `>>>` line to the next blank line,
    /// and a heading line whose next non-blank line is an example.
    static func exampleLines(_ lines: [String], inside range: Range<Int>) -> IndexSet {
        var drop = IndexSet()
        var i = range.lowerBound
        while i < range.upperBound {
            if lines[i].trimmingCharacters(in: .whitespaces).hasPrefix(">>>") {
                while i < range.upperBound, !CodeStructure.isBlank(lines[i]) { drop.insert(i); i += 1 }
            } else {
                i += 1
            }
        }
        for j in range where headings.contains(lines[j].trimmingCharacters(in: .whitespaces)) {
            var next = j + 1
            while next < range.upperBound, CodeStructure.isBlank(lines[next]) { next += 1 }
            if next >= range.upperBound || drop.contains(next) { drop.insert(j) }
        }
        return drop
    }
}
