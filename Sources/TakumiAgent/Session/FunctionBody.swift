import Foundation

/// The lines of a function that the model rewrites: after the header (and a Python
/// docstring), up to the end (for brace languages, before the closing brace's line).
public struct FunctionBody {
    /// 0-based line indices: the header's line, and the body's lines.
    public var header: Int
    public var lines: Range<Int>
    /// A Python docstring's lines (between the header and the body).
    public var docstring: Range<Int>?
    public var indent: Int
    public var family: CodeStructure.Family
    /// The line of a stub's only statement (`raise NotImplementedError`, `todo!()`); the
    /// comments above it stay (they often say how to write it).
    public var stubStatement: Int?
    public var isStub: Bool { stubStatement != nil }

    public init?(_ definition: CodeDefinition, structure: CodeStructure, lineCount: Int) {
        let source = structure.lines
        let end = min(definition.range.upperBound, source.count, lineCount)
        guard let family = structure.family, definition.headerLine < end else { return nil }
        var start: Int
        var stop = end
        switch family {
        case .python:
            guard let first = PythonBody.firstStatement(source, header: definition.headerLine, end: end) else { return nil }
            docstring = PythonBody.docstring(source, header: definition.headerLine, end: end)
            start = docstring?.upperBound ?? first
        case .braces:
            guard let open = (definition.headerLine..<end).first(where: { source[$0].contains("{") }) else { return nil }
            start = open + 1
            stop = end - 1   // the closing brace's line stays
        }
        while start < stop, CodeStructure.isBlank(source[start]) { start += 1 }
        guard start < stop else { return nil }
        header = definition.headerLine
        lines = start..<stop
        indent = CodeStructure.indentation(of: source[start])
        self.family = family
        let statements = (start..<stop).filter { i in
            let t = source[i].trimmingCharacters(in: .whitespaces)
            return !t.isEmpty && !t.hasPrefix("#") && !t.hasPrefix("//")
        }
        if statements.count == 1 {
            let t = source[statements[0]].trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("raise NotImplementedError") || t.contains("unimplemented!") || t.contains("todo!()") {
                stubStatement = statements[0]
            }
        }
    }

    /// A changed function (header and body) as whole lines, its body cut as `clean` cuts one.
    public func cleanFunction(_ text: String) -> String {
        let headLines = lines.lowerBound - header
        let all = text.components(separatedBy: "\n")
        guard all.count > headLines else { return text }
        let head = all[..<headLines].joined(separator: "\n") + "\n"
        return head + clean(all[headLines...].joined(separator: "\n"))
    }

    /// A written body as whole lines: for Python, cut where the code leaves the body's
    /// indentation (the model went on past the function); trailing blank lines dropped; one
    /// final newline.
    public func clean(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        if family == .python {
            if let out = lines.indices.first(where: { i in
                !CodeStructure.isBlank(lines[i]) && CodeStructure.indentation(of: lines[i]) < indent
            }) { lines = Array(lines[..<out]) }
        }
        while let last = lines.last, CodeStructure.isBlank(last) { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}

/// Which bytes of a function's text are code worth doubting: not a docstring, not a comment
/// line, not the words of a message string (a literal of three or more words: prose, where a
/// small model disagrees with every other word). Short literals stay code: a format
/// (`"{0:>%ds}"`) or a pattern (`r"_id$"`) can be the bug.
public struct CodeMask {
    private var prose: [Bool]
    /// Bytes inside a string literal of code lines (short or long).
    private var literal: [Bool]
    private let whitespace: [Bool]

    public init(_ text: String, function: FunctionBody) {
        let bytes = Array(text.utf8)
        prose = [Bool](repeating: false, count: bytes.count)
        literal = prose
        whitespace = bytes.map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        var lineStart = 0
        var lineIndex = function.header
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") || i == bytes.count - 1 {
            let end = byte == UInt8(ascii: "\n") ? i : i + 1
            let line = Array(bytes[lineStart..<end])
            let trimmed = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let isDocstring = function.docstring?.contains(lineIndex) == true
            if isDocstring || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") || trimmed.hasPrefix("/*") || trimmed.hasPrefix("*") {
                for k in lineStart...min(i, bytes.count - 1) { prose[k] = true }
            } else {
                for (range, words) in CodeMask.literals(line) {
                    for k in range {
                        literal[lineStart + k] = true
                        if words >= 3 { prose[lineStart + k] = true }
                    }
                }
            }
            lineStart = i + 1
            lineIndex += 1
        }
    }

    /// Whether the token at `offset` is code: judged by its first byte that is not white space.
    public func isCode(_ offset: Int, count: Int) -> Bool {
        let first = (offset..<min(offset + max(count, 1), prose.count)).first { !whitespace[$0] } ?? offset
        return first < prose.count && !prose[first]
    }

    /// Whether the token at `offset` starts inside a string literal (a pattern, a format, a
    /// key): its words are data, never names the code introduces.
    public func isInLiteral(_ offset: Int, count: Int) -> Bool {
        let first = (offset..<min(offset + max(count, 1), literal.count)).first { !whitespace[$0] } ?? offset
        return first < literal.count && literal[first]
    }

    /// Byte ranges (within `line`) of its string literals, quotes included, with how many
    /// words each holds.
    static func literals(_ line: [UInt8]) -> [(range: Range<Int>, words: Int)] {
        var result: [(range: Range<Int>, words: Int)] = []
        var i = 0
        while i < line.count {
            let c = line[i]
            guard c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") else {
                if c == UInt8(ascii: "#") { break }   // a trailing comment
                i += 1
                continue
            }
            var j = i + 1
            while j < line.count, line[j] != c {
                j += line[j] == UInt8(ascii: "\\") ? 2 : 1
            }
            let literal = i..<min(j + 1, line.count)
            let words = String(decoding: line[(i + 1)..<min(j, line.count)], as: UTF8.self)
                .split(whereSeparator: { $0 == " " }).count
            result.append((literal, words))
            i = j + 1
        }
        return result
    }
}
