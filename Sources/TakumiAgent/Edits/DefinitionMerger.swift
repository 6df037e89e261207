import Foundation

/// Recovers the change a small model meant from an answer that holds more, or less, than the
/// change: merges at the definition level instead of taking the answer literally.
///
/// The cascade, in order (each step explicit and tested; nothing fuzzy):
/// 1. **Junk is dropped**: module-level statements of the answer that import the edited file
///    itself (`from solution import *`), or that come from the tests the prompt showed (a
///    copied `check(...)` call) and are not in the file.
/// 2. **Whole file**: in whole-file mode, an answer that is not a fragment (it has module-level
///    statements of its own, or keeps every definition) replaces the file.
/// 3. **Definitions replace definitions**: each definition of the answer replaces the file's
///    definition of the same name — re-indented to the target's indentation, decorators and doc
///    comments with it. A class that leaves out methods of the file's class is merged method by
///    method. A name defined several times in the file must be one of the shown regions
///    (`focus`), else the answer is refused as ambiguous.
/// 4. **New definitions** are inserted after the last replaced definition, at its level.
/// 5. **Module-level statements**: a new import goes after the file's imports; an assignment
///    to a name the file assigns at module level replaces that line; anything else is dropped
///    (and reported).
///
/// An answer from which nothing can be merged is refused with a reason the model can act on.
public struct DefinitionMerger: Sendable {
    /// Repository-relative path of the edited file (for the module name and the scanner).
    public var path: String
    /// Qualified names of the definitions the prompt showed as editable regions (empty: the
    /// whole file was shown).
    public var focus: Set<String>
    /// Trimmed lines of the tests shown for reference: copied into an answer, they are junk.
    public var referenceLines: Set<String>

    public init(path: String, focus: Set<String> = [], referenceLines: Set<String> = []) {
        self.path = path
        self.focus = focus
        self.referenceLines = referenceLines
    }

    public struct Result: Equatable, Sendable {
        public var lines: [String]
        /// Names of the definitions replaced and added, for reports.
        public var replaced: [String]
        public var added: [String]
        /// Answer lines that were dropped (junk, loose statements), trimmed.
        public var dropped: [String]
    }

    public enum Mode: Sendable { case wholeFile, definitions }

    /// Merges `answer` (the code of one block) into `original`.
    public func merge(answer rawAnswer: [String], into original: [String], mode: Mode) throws -> Result {
        let family = CodeStructure.family(forPath: path)
        var dropped: [String] = []
        let answer = dropJunk(rawAnswer, original: original, family: family, dropped: &dropped)
        let file = CodeStructure(lines: original, family: family)
        let code = CodeStructure(lines: answer, family: family)

        if mode == .wholeFile, isWholeFile(answer: code, file: file) {
            return Result(lines: answer, replaced: [], added: [], dropped: dropped)
        }
        guard family != nil else {
            if mode == .wholeFile { return Result(lines: answer, replaced: [], added: [], dropped: dropped) }
            throw AgentError.mergeFailed(path: path, reason: "definitions cannot be merged in this kind of file; answer with SEARCH/REPLACE blocks")
        }
        var state = MergeState(lines: original)
        let top = code.definitions.indices.filter { code.definitions[$0].parent == nil }
        if top.isEmpty {
            throw AgentError.mergeFailed(path: path, reason: "the answer holds no definition (def/class/function) to put into \(path)")
        }
        for index in top {
            try mergeDefinition(index, of: code, answer: answer, into: &state, scope: nil)
        }
        mergeLooseStatements(answer: answer, code: code, into: &state, dropped: &dropped)
        if state.replaced.isEmpty && state.added.isEmpty && state.statementsChanged == 0 {
            // The model wrote out a shown definition without changing it: tell it so (the
            // feedback repeats the task) rather than that nothing matched.
            if state.matchedUnchanged > 0 { throw AgentError.answerChangesNothing }
            throw AgentError.mergeFailed(path: path, reason: "nothing in the answer matches a definition of \(path)")
        }
        return Result(lines: state.lines, replaced: state.replaced, added: state.added, dropped: dropped)
    }

    // MARK: - Step 1: junk

    /// The module names under which the file can be imported ("solution", "pkg.mod", "mod").
    var moduleNames: Set<String> {
        let noExtension = (path as NSString).deletingPathExtension
        var names: Set<String> = [(noExtension as NSString).lastPathComponent]
        var components = noExtension.split(separator: "/").map(String.init)
        if components.last == "__init__" { components.removeLast() }
        while !components.isEmpty {
            names.insert(components.joined(separator: "."))
            components.removeFirst()
        }
        return names.filter { !$0.isEmpty }
    }

    func isSelfImport(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        let words = t.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        guard let first = words.first, first == "from" || first == "import", words.count >= 2 else { return false }
        let module = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return moduleNames.contains(module) || (first == "from" && words[1] == ".")
            && words.count >= 4 && moduleNames.contains(words[3])
    }

    private func dropJunk(_ answer: [String], original: [String], family: CodeStructure.Family?,
                          dropped: inout [String]) -> [String] {
        let originalLines = Set(original.map { $0.trimmingCharacters(in: .whitespaces) })
        let structure = CodeStructure(lines: answer, family: family)
        var inDefinition = [Bool](repeating: false, count: answer.count)
        for d in structure.definitions where d.parent == nil { for i in d.fullRange { inDefinition[i] = true } }
        var kept: [String] = []
        for (i, line) in answer.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            let topLevel = !inDefinition[i] && CodeStructure.indentation(of: line) == 0
            if topLevel, !t.isEmpty, !originalLines.contains(t),
               isSelfImport(line) || (t.count >= 6 && referenceLines.contains(t)) {
                dropped.append(t)
                continue
            }
            kept.append(line)
        }
        // A `if __name__ == "__main__":` block copied from a test harness goes with its body.
        if family == .python, let main = kept.firstIndex(where: { $0.hasPrefix("if __name__") }),
           !original.contains(where: { $0.hasPrefix("if __name__") }) {
            var end = main + 1
            while end < kept.count, CodeStructure.isBlank(kept[end]) || CodeStructure.indentation(of: kept[end]) > 0 { end += 1 }
            dropped += kept[main..<end].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            kept.removeSubrange(main..<end)
        }
        while let last = kept.last, CodeStructure.isBlank(last) { kept.removeLast() }
        if !dropped.isEmpty { kept = Array(kept.drop(while: CodeStructure.isBlank)) }
        return kept
    }

    // MARK: - Step 2: a whole file or a fragment?

    /// A whole-file answer replaces the file unless it is clearly a fragment: nothing but
    /// definitions, and either only new names, or shorter than the file while redefining one
    /// of its names and leaving out another.
    private func isWholeFile(answer: CodeStructure, file: CodeStructure) -> Bool {
        let top = answer.topLevel
        guard !top.isEmpty, !file.topLevel.isEmpty else { return true }
        var covered = [Bool](repeating: false, count: answer.lines.count)
        for d in top { for i in d.fullRange { covered[i] = true } }
        for (i, line) in answer.lines.enumerated() where !covered[i] && !CodeStructure.isBlank(line) {
            let t = line.trimmingCharacters(in: .whitespaces)
            // Imports and comments do not make a whole file; other statements do.
            if t.hasPrefix("#") || t.hasPrefix("//") || isImport(t) { continue }
            return true
        }
        let fileNames = Set(file.topLevel.map(\.name))
        let answerNames = Set(top.map(\.name))
        if answerNames.isDisjoint(with: fileNames) { return false }
        return !(answer.lines.count < file.lines.count && !fileNames.isSubset(of: answerNames))
    }

    func isImport(_ trimmed: String) -> Bool {
        trimmed.hasPrefix("import ") || trimmed.hasPrefix("from ") && trimmed.contains(" import ")
            || trimmed.hasPrefix("#include") || trimmed.hasPrefix("use ") && trimmed.hasSuffix(";")
    }

    // MARK: - Steps 3 and 4: definitions

    struct MergeState {
        var lines: [String]
        var replaced: [String] = []
        var added: [String] = []
        var statementsChanged = 0
        /// Definitions of the answer that are the file's, unchanged.
        var matchedUnchanged = 0
        /// Where the next new definition goes (line index in `lines`) and its indentation prefix.
        var insertionPoint: Int?
        var insertionIndent = ""
    }

    private func mergeDefinition(_ index: Int, of code: CodeStructure, answer: [String],
                                 into state: inout MergeState, scope: String?) throws {
        let definition = code.definitions[index]
        let file = CodeStructure(lines: state.lines, family: code.family)
        let candidates = file.definitions.filter { target in
            target.name == definition.name && scope.map { target.qualifiedName.hasPrefix($0 + ".") } ?? true
        }
        let target: CodeDefinition?
        if candidates.count <= 1 {
            target = candidates.first
        } else {
            let inFocus = candidates.filter { focus.contains($0.qualifiedName) }
            let sameQualified = candidates.filter { $0.qualifiedName.hasSuffix(definition.qualifiedName) && $0.parent == nil }
            if inFocus.count == 1 { target = inFocus[0] }
            else if sameQualified.count == 1 && focus.isEmpty { target = sameQualified[0] }
            else {
                let lines = candidates.map { String($0.headerLine + 1) }.joined(separator: ", ")
                throw AgentError.mergeFailed(path: path, reason: "\(path) defines \(definition.name) more than once (lines \(lines)); say which one by answering with SEARCH/REPLACE blocks")
            }
        }
        guard let target else {
            insertNew(definition, code: code, answer: answer, into: &state)
            return
        }
        // A class that leaves out some of the file's methods is a partial class: merge members.
        if definition.kind == .type, target.kind == .type {
            let targetIndex = file.definitions.firstIndex(of: target)
            let fileMembers = targetIndex.map { file.children(of: $0).map(\.name) } ?? []
            let answerMembers = code.children(of: index)
            if !fileMembers.isEmpty, !answerMembers.isEmpty,
               !Set(fileMembers).isSubset(of: Set(answerMembers.map(\.name))) {
                for member in code.definitions.indices where code.definitions[member].parent == index {
                    try mergeDefinition(member, of: code, answer: answer, into: &state, scope: target.qualifiedName)
                }
                return
            }
        }
        let useComments = !definition.leadingComments.isEmpty
        var source = Array(answer[useComments ? definition.fullRange : definition.range])
        if code.family == .python {
            source = keepingDocstring(of: target, in: state.lines, answer: source,
                                      answerHeader: definition.headerLine - (useComments ? definition.fullRange : definition.range).lowerBound)
        }
        let replacing = useComments ? target.fullRange : target.range
        let targetIndent = leadingWhitespace(state.lines[target.headerLine])
        let newLines = reindent(source, from: leadingWhitespace(answer[definition.headerLine]), to: targetIndent)
        if Array(state.lines[replacing]) != newLines {
            state.lines.replaceSubrange(replacing, with: newLines)
            state.replaced.append(target.qualifiedName)
        } else {
            state.matchedUnchanged += 1
        }
        state.insertionPoint = replacing.lowerBound + newLines.count
        state.insertionIndent = targetIndent
    }

    private func insertNew(_ definition: CodeDefinition, code: CodeStructure, answer: [String], into state: inout MergeState) {
        let source = Array(answer[definition.fullRange])
        var at = state.insertionPoint
        var indent = state.insertionIndent
        if at == nil {
            // After the last shown region, else at the end of the file.
            let file = CodeStructure(lines: state.lines, family: code.family)
            if let last = file.definitions.filter({ focus.contains($0.qualifiedName) }).max(by: { $0.range.upperBound < $1.range.upperBound }) {
                at = last.range.upperBound
                indent = leadingWhitespace(state.lines[last.headerLine])
            } else {
                var end = state.lines.count
                while end > 0, CodeStructure.isBlank(state.lines[end - 1]) { end -= 1 }
                at = end
                indent = ""
            }
        }
        guard let position = at else { return }
        let blankRun = [String](repeating: "", count: indent.isEmpty ? topLevelSpacing(state.lines, family: code.family) : 1)
        let block = blankRun + reindent(source, from: leadingWhitespace(answer[definition.headerLine]), to: indent)
        state.lines.insert(contentsOf: block, at: min(position, state.lines.count))
        state.insertionPoint = min(position, state.lines.count) + block.count
        state.insertionIndent = indent
        state.added.append(definition.qualifiedName)
    }

    /// Blank lines the file puts between top-level definitions (those before its last one),
    /// else PEP 8's two for Python and one elsewhere.
    private func topLevelSpacing(_ lines: [String], family: CodeStructure.Family?) -> Int {
        let structure = CodeStructure(lines: lines, family: family)
        if let last = structure.topLevel.last, structure.topLevel.count > 1 {
            var blanks = 0
            var i = last.fullRange.lowerBound - 1
            while i >= 0, CodeStructure.isBlank(lines[i]) { blanks += 1; i -= 1 }
            if (1...3).contains(blanks) { return blanks }
        }
        return family == .python ? 2 : 1
    }

    /// A Python definition answered without the docstring the file has keeps the file's
    /// docstring (small models are told to leave docstrings out: shorter answers); so does one
    /// that repeats it, whitespace aside, or repeats it as shown, without its examples
    /// (`DocstringExamples`): the file's docstring is never changed by a copy of it.
    func keepingDocstring(of target: CodeDefinition, in lines: [String], answer: [String], answerHeader: Int) -> [String] {
        guard let fileDoc = PythonBody.docstring(lines, header: target.headerLine, end: target.range.upperBound),
              let answerBody = PythonBody.firstStatement(answer, header: answerHeader, end: answer.count) else { return answer }
        var rest = answerBody
        if let answerDoc = PythonBody.docstring(answer, header: answerHeader, end: answer.count) {
            func words(_ docLines: ArraySlice<String>) -> [String] {
                docLines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let shown = DocstringExamples.removed(from: Array(lines[target.range]))
            let shownDoc = PythonBody.docstring(shown, header: target.headerLine - target.range.lowerBound, end: shown.count)
            // An answer with a docstring of its own keeps it; one that repeats the file's or
            // the shown one (whitespace aside) gets the file's bytes back.
            let repeated = words(answer[answerDoc])
            guard repeated == words(lines[fileDoc]) || shownDoc.map({ words(shown[$0]) == repeated }) == true else {
                return answer
            }
            rest = answerDoc.upperBound
        }
        let docLines = Array(lines[fileDoc])
        let fileIndent = leadingWhitespace(lines[fileDoc.lowerBound])
        let answerIndent = leadingWhitespace(answer[answerBody])
        return Array(answer[..<answerBody]) + reindent(docLines, from: fileIndent, to: answerIndent) + Array(answer[rest...])
    }

    // MARK: - Step 5: module-level statements

    private func mergeLooseStatements(answer: [String], code: CodeStructure, into state: inout MergeState, dropped: inout [String]) {
        var covered = [Bool](repeating: false, count: answer.count)
        for d in code.definitions where d.parent == nil { for i in d.fullRange { covered[i] = true } }
        let existing = Set(state.lines.map { $0.trimmingCharacters(in: .whitespaces) })
        var newImports: [String] = []
        for (i, line) in answer.enumerated() where !covered[i] && !CodeStructure.isBlank(line) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if existing.contains(t) || t.hasPrefix("#") && !t.hasPrefix("#include") || t.hasPrefix("//") { continue }
            if CodeStructure.indentation(of: line) > 0 { dropped.append(t); continue }
            if isImport(t) {
                if isSelfImport(t) { dropped.append(t) } else { newImports.append(line) }
                continue
            }
            if let name = assignedName(t), let at = state.lines.firstIndex(where: { assignedName($0) == name && CodeStructure.indentation(of: $0) == 0 }),
               isSingleLineStatement(t), isSingleLineStatement(state.lines[at]) {
                state.lines[at] = line
                state.statementsChanged += 1
                continue
            }
            dropped.append(t)
        }
        guard !newImports.isEmpty else { return }
        let lastImport = state.lines.indices.last { i in
            CodeStructure.indentation(of: state.lines[i]) == 0 && isImport(state.lines[i].trimmingCharacters(in: .whitespaces))
        }
        let at = lastImport.map { $0 + 1 } ?? firstCodeLine(state.lines)
        state.lines.insert(contentsOf: newImports, at: at)
        state.statementsChanged += newImports.count
    }

    /// `NAME = …` or `NAME: T = …` at the start of a line (not `==`).
    func assignedName(_ line: String) -> String? {
        let name = line.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard !name.isEmpty, name.first?.isNumber == false else { return nil }
        var rest = line.dropFirst(name.count).drop { $0 == " " }
        if rest.hasPrefix(":") { rest = rest.dropFirst().drop { $0 != "=" } }
        guard rest.hasPrefix("="), !rest.hasPrefix("==") else { return nil }
        return String(name)
    }

    private func isSingleLineStatement(_ line: String) -> Bool {
        let opens = line.filter { "([{".contains($0) }.count
        let closes = line.filter { ")]}".contains($0) }.count
        return opens == closes && !line.hasSuffix("\\") && !line.contains("\"\"\"") && !line.contains("'''")
    }

    /// The first line after a module docstring / leading comments (where imports would go).
    private func firstCodeLine(_ lines: [String]) -> Int {
        var i = 0
        while i < lines.count, CodeStructure.isBlank(lines[i]) || lines[i].hasPrefix("#") || lines[i].hasPrefix("//") { i += 1 }
        if i < lines.count, lines[i].hasPrefix("\"\"\"") || lines[i].hasPrefix("'''") {
            let quote = String(lines[i].prefix(3))
            if lines[i].count > 3 && lines[i].dropFirst(3).contains(quote) { return i + 1 }
            var j = i + 1
            while j < lines.count, !lines[j].contains(quote) { j += 1 }
            return min(lines.count, j + 1)
        }
        return i
    }

    // MARK: - Indentation

    func leadingWhitespace(_ line: String) -> String { String(line.prefix { $0 == " " || $0 == "\t" }) }

    /// Moves `lines` from indentation `from` (the answer's header) to `to` (the target's),
    /// keeping each line's indentation relative to the header.
    func reindent(_ lines: [String], from: String, to: String) -> [String] {
        guard from != to else { return lines }
        return lines.map { line in
            if CodeStructure.isBlank(line) { return "" }
            if line.hasPrefix(from) { return to + line.dropFirst(from.count) }
            // Less indented than the header (a docstring's continuation): strip what it has.
            return to + line.drop { $0 == " " || $0 == "\t" }
        }
    }
}

/// Where a Python definition's body starts and its docstring, if any.
enum PythonBody {
    /// The first statement after the header's signature (which may span lines), inside `..<end`.
    static func firstStatement(_ lines: [String], header: Int, end: Int) -> Int? {
        let stop = min(end, lines.count)
        guard header >= 0, header < stop else { return nil }
        // Scanned from the header (itself a statement start) to `end` only: a scan of the
        // whole file per definition made counting a 5,000-line file's stubs take seconds.
        let starts = PythonStructureScanner(lines: Array(lines[header..<stop])).statementStarts()
        let headerIndent = CodeStructure.indentation(of: lines[header])
        var i = header + 1
        while i < stop {
            let t = lines[i].trimmingCharacters(in: .whitespaces)
            if starts[i - header], !t.isEmpty, !t.hasPrefix("#"), CodeStructure.indentation(of: lines[i]) > headerIndent { return i }
            i += 1
        }
        return nil
    }

    /// The docstring's lines: the body's first statement when it is a string literal.
    static func docstring(_ lines: [String], header: Int, end: Int) -> Range<Int>? {
        guard let first = firstStatement(lines, header: header, end: end) else { return nil }
        var t = Substring(lines[first].trimmingCharacters(in: .whitespaces))
        if let prefix = t.first, "rRuUbB".contains(prefix), let next = t.dropFirst().first, next == "\"" || next == "'" {
            t = t.dropFirst()
        }
        for quote in ["\"\"\"", "'''"] where t.hasPrefix(quote) {
            if t.dropFirst(3).contains(quote) { return first..<(first + 1) }
            var j = first + 1
            while j < min(end, lines.count), !lines[j].contains(quote) { j += 1 }
            return j < min(end, lines.count) ? first..<(j + 1) : nil
        }
        if t.hasPrefix("\"") || t.hasPrefix("'") { return first..<(first + 1) }
        return nil
    }
}
