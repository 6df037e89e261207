import Foundation

/// A parsed git unified diff (`git diff` output), enough to show a change to a model within
/// a token budget and to check the file and line a review suggestion names.
public struct ParsedDiff: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        public enum Kind: Equatable, Sendable { case context, added, removed }
        public var kind: Kind
        public var text: String
        /// Line number in the new file (nil for removed lines).
        public var newLineNumber: Int?
    }

    public struct Hunk: Equatable, Sendable {
        public var header: String
        public var lines: [Line]
    }

    public struct FileChange: Equatable, Sendable {
        /// Path in the new tree (the old path for a deleted file).
        public var path: String
        public var oldPath: String?
        public var isBinary: Bool
        public var isDeleted: Bool
        public var isNew: Bool
        public var hunks: [Hunk]
        public var addedCount: Int { hunks.reduce(0) { $0 + $1.lines.filter { $0.kind == .added }.count } }
        public var removedCount: Int { hunks.reduce(0) { $0 + $1.lines.filter { $0.kind == .removed }.count } }
        /// New-file line numbers of added lines.
        public var addedLineNumbers: Set<Int> {
            Set(hunks.flatMap { $0.lines.compactMap { $0.kind == .added ? $0.newLineNumber : nil } })
        }
    }

    public var files: [FileChange]

    public var isEmpty: Bool { files.isEmpty }

    public static func parse(_ text: String) -> ParsedDiff {
        var files: [FileChange] = []
        var current: FileChange?
        var hunk: Hunk?
        var newLine = 0

        func flushHunk() {
            if let finished = hunk { current?.hunks.append(finished) }
            hunk = nil
        }
        func flushFile() {
            flushHunk()
            if let finished = current { files.append(finished) }
            current = nil
        }

        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("diff --git ") {
                flushFile()
                let path = pathFromDiffGitLine(line)
                current = FileChange(path: path, oldPath: nil, isBinary: false, isDeleted: false, isNew: false, hunks: [])
                continue
            }
            guard current != nil else { continue }
            if hunk == nil || line.hasPrefix("@@") {
                if line.hasPrefix("@@") {
                    flushHunk()
                    newLine = newStart(ofHunkHeader: line) ?? 1
                    hunk = Hunk(header: line, lines: [])
                } else if line.hasPrefix("--- ") {
                    let old = String(line.dropFirst(4))
                    if old != "/dev/null" { current?.oldPath = stripPrefix(old) } else { current?.isNew = true }
                } else if line.hasPrefix("+++ ") {
                    let new = String(line.dropFirst(4))
                    if new == "/dev/null" {
                        current?.isDeleted = true
                        if let old = current?.oldPath { current?.path = old }
                    } else {
                        current?.path = stripPrefix(new)
                    }
                } else if line.hasPrefix("Binary files ") || line.hasPrefix("GIT binary patch") {
                    current?.isBinary = true
                } else if line.hasPrefix("new file mode") {
                    current?.isNew = true
                } else if line.hasPrefix("deleted file mode") {
                    current?.isDeleted = true
                } else if line.hasPrefix("rename from ") {
                    current?.oldPath = String(line.dropFirst("rename from ".count))
                } else if line.hasPrefix("rename to ") {
                    current?.path = String(line.dropFirst("rename to ".count))
                }
                continue
            }
            switch line.first {
            case "+":
                hunk?.lines.append(Line(kind: .added, text: String(line.dropFirst()), newLineNumber: newLine))
                newLine += 1
            case "-":
                hunk?.lines.append(Line(kind: .removed, text: String(line.dropFirst()), newLineNumber: nil))
            case " ":
                hunk?.lines.append(Line(kind: .context, text: String(line.dropFirst()), newLineNumber: newLine))
                newLine += 1
            case "\\":
                continue  // "\ No newline at end of file"
            default:
                // An empty line ends the patch text (the trailing newline of git's output).
                continue
            }
        }
        flushFile()
        return ParsedDiff(files: files)
    }

    /// "diff --git a/x b/x" → "x" (the b side). Quoted or odd names fall back to the whole tail.
    static func pathFromDiffGitLine(_ line: String) -> String {
        let tail = line.dropFirst("diff --git ".count)
        if let range = tail.range(of: " b/", options: .backwards) {
            return String(tail[range.upperBound...])
        }
        return String(tail)
    }

    static func stripPrefix(_ path: String) -> String {
        var path = path
        if let tab = path.firstIndex(of: "\t") { path = String(path[..<tab]) }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { return String(path.dropFirst(2)) }
        return path
    }

    /// "@@ -3,7 +4,8 @@ func" → 4.
    static func newStart(ofHunkHeader header: String) -> Int? {
        guard let plus = header.firstIndex(of: "+") else { return nil }
        let digits = header[header.index(after: plus)...].prefix { $0.isNumber }
        return Int(digits)
    }

    // MARK: - Rendering for prompts

    /// One line per file: "M path (+3 -1)".
    public var summary: String {
        files.map { file in
            let mark = file.isNew ? "A" : file.isDeleted ? "D" : (file.oldPath != nil && file.oldPath != file.path) ? "R" : "M"
            let rename = (mark == "R" ? "\(file.oldPath ?? "") -> " : "")
            return "\(mark) \(rename)\(file.path)" + (file.isBinary ? " (binary)" : " (+\(file.addedCount) -\(file.removedCount))")
        }.joined(separator: "\n")
    }

    /// The change as a model should read it, showing at most `maxLinesPerFile` lines per
    /// file. With `lineNumbers`, added and context lines carry their new-file line number,
    /// so a review can name the line.
    public func render(maxLinesPerFile: Int = .max, lineNumbers: Bool = false) -> String {
        var out: [String] = []
        for file in files {
            out.append("--- \(file.path)" + (file.isNew ? " (new file)" : file.isDeleted ? " (deleted)" : ""))
            if file.isBinary { out.append("(binary file)"); continue }
            var shown = 0
            var hidden = 0
            for hunk in file.hunks {
                if shown < maxLinesPerFile { out.append(hunk.header) }
                for line in hunk.lines {
                    guard shown < maxLinesPerFile else { hidden += 1; continue }
                    shown += 1
                    let sign: String
                    switch line.kind {
                    case .added: sign = "+"
                    case .removed: sign = "-"
                    case .context: sign = " "
                    }
                    if lineNumbers {
                        let number = line.newLineNumber.map { String($0) } ?? ""
                        out.append(String(repeating: " ", count: max(0, 5 - number.count)) + number + " " + sign + line.text)
                    } else {
                        out.append(sign + line.text)
                    }
                }
            }
            if hidden > 0 { out.append("... (\(hidden) more lines in \(file.path))") }
        }
        return out.joined(separator: "\n")
    }

    /// The largest rendering that fits in `maxTokens` (as counted by `countTokens`),
    /// cutting long files first.
    public func render(fittingTokens maxTokens: Int, lineNumbers: Bool = false,
                       countTokens: (String) -> Int) -> String {
        var text = render(lineNumbers: lineNumbers)
        if countTokens(text) <= maxTokens { return text }
        for cap in [400, 200, 120, 80, 50, 30, 20, 10, 5, 0] {
            text = render(maxLinesPerFile: cap, lineNumbers: lineNumbers)
            if countTokens(text) <= maxTokens { return text }
        }
        // Even the file list is too long: cut it by characters (about 3 per token).
        return String(text.prefix(max(0, maxTokens * 3)))
    }
}
