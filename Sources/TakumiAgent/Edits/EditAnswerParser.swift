import Foundation

/// Parses a model's answer into `EditOperation`s.
///
/// Grammar (line based; `*` repeats, `?` optional; anything else is prose and ignored):
///
///     answer        := ( prose | block | file | delete )*
///     block         := path-line? fence? SEARCH  search-line*  DIVIDER  replace-line*  REPLACE  fence?
///     file          := path-line  FENCE-OPEN  content-line*  FENCE-CLOSE
///     delete        := "DELETE" ( " " | ": " ) path
///     SEARCH        := "<<<<<<<" ( " SEARCH" )?        (5 to 9 '<', surrounding spaces allowed)
///     DIVIDER       := "======="                      (5 to 9 '=')
///     REPLACE       := ">>>>>>>" ( " REPLACE" )?       (5 to 9 '>')
///     FENCE-OPEN    := "```" info?                    (3 or more backticks)
///     FENCE-CLOSE   := the same number of backticks (or more), alone on the line
///     path-line     := the nearest non-blank, non-fence line before the block or fence, after
///                      removing decoration: leading '#', '*', '-', "File:", "Path:", backticks,
///                      quotes, a trailing ':'. It must look like a path (no spaces; a '/' or '.')
///                      or name a file the prompt showed.
///
/// A block without its own path line uses the previous block's path, else the only file the
/// prompt showed (`defaultPath`). A SEARCH without DIVIDER/REPLACE, a stray marker, an unclosed
/// fence or a block without any usable path is an error for the whole answer — an answer is
/// applied completely or not at all.
///
/// In `.regions` format each code block holds new versions of definitions (`definitions`
/// operations, merged by `DefinitionMerger`); blocks without a path line belong to the only
/// file shown, and an answer of bare code without any fence is read as one block.
///
/// In `.wholeFile` format an answer that contains SEARCH/REPLACE blocks is read as blocks (the
/// markers are unambiguous). In `.searchReplace` format fenced code is never taken as a whole
/// file: a snippet would silently replace the file.
public struct EditAnswerParser: Sendable {
    public var format: EditFormat
    /// Files the prompt showed (repository-relative); used to recognize path lines.
    public var knownPaths: Set<String>
    /// Used when a block or fence has no path line and exactly one file was shown.
    public var defaultPath: String?
    /// Recognizes path lines naming existing files without '.' or '/' (`Makefile`, `LICENSE`).
    public var isExistingFile: @Sendable (String) -> Bool

    public init(format: EditFormat, knownPaths: Set<String> = [], defaultPath: String? = nil,
                isExistingFile: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.format = format
        self.knownPaths = knownPaths
        self.defaultPath = defaultPath
        self.isExistingFile = isExistingFile
    }

    public func parse(_ answer: String) throws -> [EditOperation] {
        let lines = TextFile.split(answer).0
        let hasMarkers = lines.contains { Marker.classify($0) == .search }
        let ops: [EditOperation]
        if format == .searchReplace || hasMarkers {
            ops = try parseBlocks(lines)
        } else {
            ops = try parseWholeFiles(lines)
        }
        guard !ops.isEmpty else { throw AgentError.noEditsInAnswer }
        return ops
    }

    // MARK: SEARCH/REPLACE blocks

    private func parseBlocks(_ lines: [String]) throws -> [EditOperation] {
        var ops: [EditOperation] = []
        var previousPath: String?
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if let path = deletePath(line) {
                ops.append(.delete(path: path, answerLine: i + 1))
                i += 1
                continue
            }
            switch Marker.classify(line) {
            case .divider, .replace:
                throw AgentError.malformedAnswer(line: i + 1, reason: "'\(line.trimmingCharacters(in: .whitespaces))' without a <<<<<<< SEARCH line before it")
            case .search:
                let start = i
                guard let path = pathBefore(lines, index: i) ?? previousPath ?? defaultPath else {
                    throw AgentError.malformedAnswer(line: start + 1, reason: "no file path on the line before <<<<<<< SEARCH")
                }
                var search: [String] = []
                i += 1
                while i < lines.count, Marker.classify(lines[i]) != .divider {
                    if Marker.classify(lines[i]) != nil {
                        throw AgentError.malformedAnswer(line: i + 1, reason: "the SEARCH block opened at line \(start + 1) has no ======= line before '\(lines[i].trimmingCharacters(in: .whitespaces))'")
                    }
                    search.append(lines[i]); i += 1
                }
                guard i < lines.count else {
                    throw AgentError.malformedAnswer(line: start + 1, reason: "the SEARCH block opened here has no ======= line")
                }
                var replace: [String] = []
                i += 1
                while i < lines.count, Marker.classify(lines[i]) != .replace {
                    if Marker.classify(lines[i]) != nil {
                        throw AgentError.malformedAnswer(line: i + 1, reason: "the block opened at line \(start + 1) has no >>>>>>> REPLACE line before '\(lines[i].trimmingCharacters(in: .whitespaces))'")
                    }
                    replace.append(lines[i]); i += 1
                }
                guard i < lines.count else {
                    throw AgentError.malformedAnswer(line: start + 1, reason: "the SEARCH block opened here has no >>>>>>> REPLACE line (answer cut off?)")
                }
                ops.append(.searchReplace(path: path, search: search, replace: replace, answerLine: start + 1))
                previousPath = path
                i += 1
            case nil:
                i += 1
            }
        }
        return ops
    }

    // MARK: whole files in fences

    private func parseWholeFiles(_ lines: [String]) throws -> [EditOperation] {
        var ops: [EditOperation] = []
        var i = 0
        var pathless: [Int] = []
        var fences: [(path: String?, info: String, lines: [String], answerLine: Int)] = []
        while i < lines.count {
            if let path = deletePath(lines[i]) {
                ops.append(.delete(path: path, answerLine: i + 1))
                i += 1
                continue
            }
            guard let open = Fence.open(lines[i]) else { i += 1; continue }
            let start = i
            var path = pathBefore(lines, index: i)
            if path == nil, let info = open.info.split(separator: " ").last.map(String.init), looksLikePath(info) {
                path = cleanPath(info)
            }
            var content: [String] = []
            i += 1
            while i < lines.count, !Fence.closes(lines[i], ticks: open.ticks) {
                content.append(lines[i]); i += 1
            }
            guard i < lines.count else {
                throw AgentError.malformedAnswer(line: start + 1, reason: "the code block opened here is not closed (answer cut off?)")
            }
            i += 1
            if path == nil { pathless.append(start + 1) }
            fences.append((path, open.info.split(separator: " ").first.map(String.init)?.lowercased() ?? "", content, start + 1))
        }
        if fences.isEmpty, format == .regions, let defaultPath,
           lines.contains(where: { PythonStructureScanner.header($0) != nil || $0.contains("function ") || $0.contains("fn ") || $0.contains("func ") }) {
            // An unfenced answer of bare code (small models sometimes drop the fence).
            return ops + [.definitions(path: defaultPath, lines: lines, answerLine: 1)]
        }
        for fence in fences {
            // A patch is not a file (models echo the diff format they saw in feedback).
            let firstLine = fence.lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            if fence.info == "diff" || fence.info == "patch" || firstLine.hasPrefix("diff --git ") || firstLine.hasPrefix("--- a/") {
                throw AgentError.malformedAnswer(line: fence.answerLine, reason: "this code block is a diff; answer with the complete new file instead")
            }
            // Region answers may hold one code block per changed definition, all for the one file.
            let regions = format == .regions
            func operation(_ path: String) -> EditOperation {
                regions ? .definitions(path: path, lines: fence.lines, answerLine: fence.answerLine)
                    : .wholeFile(path: path, lines: fence.lines, answerLine: fence.answerLine)
            }
            if let path = fence.path {
                ops.append(operation(path))
            } else if fences.count == 1 || regions, let defaultPath {
                ops.append(operation(defaultPath))
            } else {
                throw AgentError.malformedAnswer(line: fence.answerLine, reason: "no file path on the line before this code block")
            }
        }
        return ops
    }

    // MARK: paths

    /// The path named on the nearest non-blank, non-fence line above `index`, if it is one.
    private func pathBefore(_ lines: [String], index: Int) -> String? {
        var j = index - 1
        while j >= 0 {
            let t = lines[j].trimmingCharacters(in: .whitespaces)
            if t.isEmpty || (Fence.open(t) != nil && !looksLikePath(String(t.drop(while: { $0 == "`" })))) {
                j -= 1; continue
            }
            if Marker.classify(t) != nil { return nil }
            let candidate = cleanPath(t)
            return (knownPaths.contains(candidate) || looksLikePath(candidate)) ? candidate : nil
        }
        return nil
    }

    private func deletePath(_ line: String) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        for prefix in ["DELETE: ", "DELETE "] where t.hasPrefix(prefix) {
            let p = cleanPath(String(t.dropFirst(prefix.count)))
            return p.isEmpty ? nil : p
        }
        return nil
    }

    func cleanPath(_ raw: String) -> String {
        var s = raw.trimmingCharacters(in: .whitespaces)
        while let f = s.first, "#*-".contains(f) { s.removeFirst(); s = s.trimmingCharacters(in: .whitespaces) }
        for prefix in ["File:", "file:", "FILE:", "Path:", "path:", "Filename:", "filename:"] where s.hasPrefix(prefix) {
            s = String(s.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "`*\"' "))
        if s.hasSuffix(":") { s.removeLast() }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "`*\"' "))
        if s.hasPrefix("./") { s.removeFirst(2) }
        return s
    }

    private func looksLikePath(_ s: String) -> Bool {
        let c = cleanPath(s)
        guard !c.isEmpty, c.count <= 255, !c.contains(where: { $0 == " " || $0 == "\t" }) else { return false }
        if knownPaths.contains(c) || isExistingFile(c) { return true }
        // "file.ext" or "dir/file"; not a sentence end like "done." nor a bare language tag.
        guard c.contains("/") || c.contains(".") else { return false }
        guard let last = c.last, last != "." else { return false }
        return c.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) }
    }
}

/// The three block markers.
enum Marker: Equatable {
    case search, divider, replace

    static func classify(_ line: String) -> Marker? {
        let t = line.trimmingCharacters(in: .whitespaces)
        if let rest = run(t, of: "<") {
            return rest.isEmpty || rest == "SEARCH" ? .search : nil
        }
        if let rest = run(t, of: "=") { return rest.isEmpty ? .divider : nil }
        if let rest = run(t, of: ">") {
            return rest.isEmpty || rest == "REPLACE" ? .replace : nil
        }
        return nil
    }

    /// If `t` starts with 5 to 9 copies of `c`, the rest (trimmed); else nil.
    private static func run(_ t: String, of c: Character) -> String? {
        let count = t.prefix(while: { $0 == c }).count
        guard (5...9).contains(count) else { return nil }
        return t.dropFirst(count).trimmingCharacters(in: .whitespaces)
    }
}

/// Markdown code fences.
enum Fence {
    static func open(_ line: String) -> (ticks: Int, info: String)? {
        let t = line.trimmingCharacters(in: .whitespaces)
        let ticks = t.prefix(while: { $0 == "`" }).count
        guard ticks >= 3 else { return nil }
        let info = t.dropFirst(ticks).trimmingCharacters(in: .whitespaces)
        guard !info.contains("`") else { return nil }
        return (ticks, info)
    }

    static func closes(_ line: String, ticks: Int) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.count >= ticks && t.allSatisfy { $0 == "`" }
    }
}
