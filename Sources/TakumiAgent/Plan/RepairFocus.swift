import Foundation

/// Which functions of a target file the fill-in-the-middle repairs try (`PlannedTarget.focus`
/// and `.helpers`). The regions shown to the model are chosen for a prompt of limited size;
/// repairs cost no prompt room, only scoring time, so they also look where the shown regions
/// could not:
///
/// * functions of the file that the failing tests call, even when a larger definition took
///   the room (a test of `_align_column` in a file whose instruction names `tabulate`);
/// * when the failing run has no line inside the file (the tests got a wrong result, nothing
///   crashed here), the functions those call, two calls deep: the bug of a wrong result is as
///   often in a helper (`_padleft`, `_afterpoint`) as in the function the test calls.
public struct RepairFocus: Sendable {
    /// Longest function tried (lines): a longer one costs too much scoring for one fix.
    public var maxFunctionLines = 160
    /// Longest helper tried, and how many at most.
    public var maxHelperLines = 60
    public var maxHelpers = 10
    /// How many calls deep helpers are looked for.
    public var depth = 2

    public init() {}

    /// `shown`: the definitions the shown regions hold (tried first, as they are);
    /// `testNames`: identifiers the failing tests use; `tracedInFile`: whether the failing run
    /// points at a line of this file. Returns the focus (shown, then the tested functions)
    /// and the helpers (qualified names, in the order calls reach them).
    public func choose(structure: CodeStructure, shown: [String], testNames: [String: Int],
                       tracedInFile: Bool) -> (focus: [String], helpers: [String]) {
        let functions = structure.definitions.filter { $0.kind == .function }
        var focus = shown
        var taken = Set(shown)
        for definition in functions where testNames[definition.name] != nil
            && definition.range.count <= maxFunctionLines && !taken.contains(definition.qualifiedName) {
            taken.insert(definition.qualifiedName)
            focus.append(definition.qualifiedName)
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

    /// Functions of the file named in `definition`'s body (called or passed on, as in
    /// `padfn = _padleft`), short enough to try, in order of first use.
    private func calls(of definition: CodeDefinition, structure: CodeStructure, functions: [CodeDefinition]) -> [CodeDefinition] {
        let byName = Dictionary(grouping: functions, by: \.name)
        var result: [CodeDefinition] = []
        var seen = Set<String>()
        for line in structure.lines[definition.range].dropFirst() {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("#") || code.hasPrefix("//") { continue }   // a comment names no call
            for word in Terms.identifierWords(line) where word != definition.name && seen.insert(word).inserted {
                for callee in byName[word] ?? [] where callee.range.count <= maxHelperLines {
                    result.append(callee)
                }
            }
        }
        return result
    }
}
