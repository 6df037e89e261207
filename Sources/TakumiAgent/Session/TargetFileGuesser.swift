import Foundation

/// Picks the files to edit when `takumi edit` gets no paths, and the tests to show beside
/// them. Deliberately simple and explainable (a full context selection with token budgets is
/// `ContextSelection`'s job); the rules, in order:
/// 1. files whose path or file name the instruction mentions;
/// 2. source files that define or use an identifier the instruction mentions
///    (`is_prime`, `parseDate`, `Stack.pop`), definitions first;
/// 3. in a small repository (at most `smallRepositoryFiles` source files), all of them.
/// Test files are never picked as targets by rules 2–3 (the model should fix the code, not the
/// test); the tests that go with a target are returned as read-only context.
public struct TargetFileGuesser: Sendable {
    public var maxTargets = 3
    public var maxFileBytes = 64_000
    public var smallRepositoryFiles = 3

    public init() {}

    public struct Guess: Equatable, Sendable {
        public var targets: [String]
        public var relatedTests: [String]
        public var reason: String
    }

    static let sourceExtensions: Set<String> = ["py", "js", "mjs", "cjs", "ts", "go", "rs", "swift", "c", "h", "cc",
                                                "cpp", "hpp", "java", "kt", "rb", "php", "sh", "lua", "cs"]

    public static func isTestFile(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        let components = path.lowercased().split(separator: "/")
        return name.hasPrefix("test_") || name.hasPrefix("test.") || name.contains("_test.") || name.contains(".test.")
            || name.contains(".spec.") || name.hasSuffix("tests.swift") || name.hasSuffix("test.swift")
            || components.dropLast().contains { $0 == "tests" || $0 == "test" || $0 == "__tests__" || $0 == "spec" }
    }

    /// `files`: tracked (or otherwise known) repository-relative paths; `read` returns a file's text.
    public func guess(instruction: String, files: [String], read: (String) -> String?) -> Guess {
        let sources = files.filter { TargetFileGuesser.sourceExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        let lowered = instruction.lowercased()

        // 1. Mentioned paths or file names.
        var mentioned = files.filter { lowered.contains($0.lowercased()) }
        if mentioned.isEmpty {
            mentioned = files.filter { path in
                let name = (path as NSString).lastPathComponent.lowercased()
                return name.count > 2 && name.contains(".") && containsWord(lowered, name)
            }
        }
        if !mentioned.isEmpty {
            let targets = Array(mentioned.prefix(maxTargets))
            return Guess(targets: targets, relatedTests: relatedTests(for: targets, in: files), reason: "named in the instruction")
        }

        // 2. Identifiers from the instruction found in source files.
        let identifiers = TargetFileGuesser.identifiers(in: instruction)
        var scored: [(path: String, score: Int)] = []
        for path in sources where !TargetFileGuesser.isTestFile(path) {
            guard let text = read(path), text.utf8.count <= maxFileBytes else { continue }
            var score = 0
            for identifier in identifiers where text.contains(identifier) {
                score += definesIdentifier(identifier, in: text) ? 10 : 1
            }
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension.lowercased()
            if stem.count > 2 && containsWord(lowered, stem) { score += 5 }
            if score > 0 { scored.append((path, score)) }
        }
        if !scored.isEmpty {
            let best = scored.map(\.score).max() ?? 0
            let targets = scored.filter { $0.score * 2 >= best }.sorted { $0.score > $1.score || ($0.score == $1.score && $0.path < $1.path) }
                .prefix(maxTargets).map(\.path)
            return Guess(targets: targets, relatedTests: relatedTests(for: targets, in: files), reason: "defines or uses what the instruction names")
        }

        // 3. A small repository: all its source files.
        let nonTests = sources.filter { !TargetFileGuesser.isTestFile($0) }
        if !nonTests.isEmpty && nonTests.count <= smallRepositoryFiles {
            return Guess(targets: nonTests, relatedTests: relatedTests(for: nonTests, in: files), reason: "the repository's only source files")
        }
        return Guess(targets: [], relatedTests: [], reason: "no file matched; name the files to edit")
    }

    /// Test files whose name contains a target's stem (`calc.py` → `tests/test_calc.py`);
    /// when none does but the repository has only one or two test files, those.
    public func relatedTests(for targets: [String], in files: [String]) -> [String] {
        let stems = targets.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension.lowercased() }
        let tests = files.filter { TargetFileGuesser.isTestFile($0) && !targets.contains($0)
            && TargetFileGuesser.sourceExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        let named = tests.filter { path in
            stems.contains { stem in (path as NSString).lastPathComponent.lowercased().contains(stem) }
        }
        if !named.isEmpty { return Array(named.prefix(2)) }
        return tests.count <= 2 && !targets.isEmpty ? tests : []
    }

    /// Code-like words: snake_case, camelCase, dotted names, or words followed by "()".
    static func identifiers(in text: String) -> [String] {
        var result: [String] = []
        let separators = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_.")).inverted
        for raw in text.components(separatedBy: separators) {
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: "."))
            guard word.count >= 3, word.first.map({ $0.isLetter || $0 == "_" }) == true else { continue }
            let hasUnderscore = word.contains("_")
            let hasInnerUpper = word.dropFirst().contains { $0.isUppercase } && word.contains { $0.isLowercase }
            let dotted = word.contains(".")
            if hasUnderscore || hasInnerUpper || dotted || text.contains(word + "(") || text.contains("`\(word)`") {
                for part in word.split(separator: ".") where part.count >= 3 { result.append(String(part)) }
            }
        }
        return Array(Set(result)).sorted()
    }

    private func definesIdentifier(_ id: String, in text: String) -> Bool {
        ["def \(id)", "function \(id)", "func \(id)", "fn \(id)", "class \(id)", "struct \(id)", "\(id) = function",
         "const \(id) =", "let \(id) =", "type \(id) "].contains { text.contains($0) }
            || text.range(of: "[a-z_A-Z0-9\\*]+ \\*?\(NSRegularExpression.escapedPattern(for: id))\\(", options: .regularExpression) != nil
    }

    private func containsWord(_ haystack: String, _ word: String) -> Bool {
        haystack.range(of: "(^|[^a-z0-9_])\(NSRegularExpression.escapedPattern(for: word))([^a-z0-9_]|$)", options: .regularExpression) != nil
    }
}
