import Foundation

/// Which functions of a target file the fill-in-the-middle repairs try (`PlannedTarget.focus`
/// and `.helpers`). The regions shown to the model are chosen for a prompt of limited size;
/// repairs cost no prompt room, only scoring time, so they also look where the shown regions
/// could not:
///
/// * when no function the evidence points at could be shown, the functions of the file that
///   the failing tests use most (a test of `_align_column` in a file whose instruction names
///   the 649-line `tabulate`, shown only as a window);
/// * when the failing run has no line inside the file (the tests got a wrong result, nothing
///   crashed here), the functions those call, two calls deep: the bug of a wrong result is as
///   often in a helper (`_padleft`, `_afterpoint`) as in the function the test calls.
public struct RepairFocus: Sendable {
    /// Longest function tried (lines): a longer one costs too much scoring for one fix.
    public var maxFunctionLines = 160
    /// How many functions the failing tests use are tried when none was shown.
    public var maxTestedFunctions = 3
    /// Longest helper tried, and how many at most.
    public var maxHelperLines = 60
    public var maxHelpers = 10
    /// How many calls deep helpers are looked for.
    public var depth = 2

    public init() {}

    /// `shown`: the definitions the shown regions hold (tried first, as they are);
    /// `testNames`: identifiers the failing tests use (name → uses); `tracedInFile`: whether
    /// the failing run points at a line of this file. Returns the focus (shown, else the
    /// tested functions) and the helpers (qualified names, in the order calls reach them).
    public func choose(structure: CodeStructure, shown: [String], testNames: [String: Int],
                       tracedInFile: Bool) -> (focus: [String], helpers: [String]) {
        let functions = structure.definitions.filter { $0.kind == .function }
        var focus = shown
        var taken = Set(shown)
        // Only when nothing the evidence pointed at could be shown: a test that checks a
        // dozen functions (one `check()` for a whole module) would otherwise put all of them
        // before the one the instruction names.
        if shown.isEmpty {
            let tested = functions.filter { testNames[$0.name] != nil && $0.range.count <= maxFunctionLines }
                .sorted { (testNames[$0.name] ?? 0) > (testNames[$1.name] ?? 0) }
            for definition in tested.prefix(maxTestedFunctions) where taken.insert(definition.qualifiedName).inserted {
                focus.append(definition.qualifiedName)
            }
        }
        guard !tracedInFile else { return (focus, []) }
        var helpers: [String] = []
        var level = focus
        for _ in 0..<depth {
            var next: [String] = []
            for name in level {
                for definition in structure.definitions(named: name) where definition.kind == .function {
                    for callee in calls(of: definition, structure: structure, functions: functions)
                        where helpers.count < maxHelpers && taken.insert(callee.qualifiedName).inserted {
                        helpers.append(callee.qualifiedName)
                        next.append(callee.qualifiedName)
                    }
                }
            }
            level = next
        }
        return (focus, helpers)
    }

    /// Functions of the file named in the code of `definition`'s body (called or passed on, as
    /// in `padfn = _padleft`), short enough to try, in order of first use: top-level functions
    /// by their name, methods of the same class through `self.`/`cls.`/`this.`. Not the
    /// docstring, comments or string literals (English words such as `first` or `count` are
    /// no calls), not another object's attribute, not a function nested in another.
    private func calls(of definition: CodeDefinition, structure: CodeStructure, functions: [CodeDefinition]) -> [CodeDefinition] {
        guard let body = FunctionBody(definition, structure: structure, lineCount: structure.lines.count) else { return [] }
        let ownClass = definition.parent.flatMap { structure.definitions[$0].kind == .type ? $0 : nil }
        var result: [CodeDefinition] = []
        var seen = Set<String>()
        for line in structure.lines[body.lines] {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("#") || code.hasPrefix("//") { continue }
            for (word, owner) in Self.names(in: line) where seen.insert((owner ?? "") + "." + word).inserted {
                let candidates = functions.filter { callee in
                    guard callee.name == word, callee.headerLine != definition.headerLine,
                          callee.range.count <= maxHelperLines else { return false }
                    switch owner {
                    case nil: return callee.parent == nil
                    case "self", "cls", "this": return ownClass != nil && callee.parent == ownClass
                    default: return false
                    }
                }
                result += candidates
            }
        }
        return result
    }

    /// The identifiers of a line of code outside its string literals and trailing comment,
    /// each with the name before its dot (`self` for `self.pad`), nil when there is none.
    static func names(in line: String) -> [(word: String, owner: String?)] {
        var bytes = Array(line.utf8)
        for (range, _) in CodeMask.literals(bytes) { for k in range { bytes[k] = 0x20 } }
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes = Array(bytes[..<hash]) }
        func isWord(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b >= 48 && b <= 57) || ((b | 0x20) >= 97 && (b | 0x20) <= 122) }
        var result: [(String, String?)] = []
        var previous: String?   // the last word, when only a dot followed it
        var i = 0
        while i < bytes.count {
            guard isWord(bytes[i]) else {
                if bytes[i] != UInt8(ascii: ".") { previous = nil }
                i += 1
                continue
            }
            var j = i
            while j < bytes.count, isWord(bytes[j]) { j += 1 }
            let word = String(decoding: bytes[i..<j], as: UTF8.self)
            let dotted = i > 0 && bytes[i - 1] == UInt8(ascii: ".")
            if !(bytes[i] >= 48 && bytes[i] <= 57) { result.append((word, dotted ? (previous ?? "?") : nil)) }
            previous = word
            i = j
        }
        return result
    }
}
