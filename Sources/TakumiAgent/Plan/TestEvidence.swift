import Foundation

/// What a failing test run says about where the problem is, and what of it the model sees:
/// the failing test functions (as read-only excerpts), the identifiers they use, and the
/// first failure of the output.
public struct TestEvidence: Sendable {
    /// Repository locations the output points at, in output order.
    public var locations: [FailureLocation]
    /// Failing test functions found in the repository's test files.
    public var testFunctions: [ReferenceExcerpt]
    /// Identifiers the failing tests use (name → count), to find the code under test.
    public var usedNames: [String: Int]
    /// The first failure of the output, trimmed for the prompt.
    public var failureExcerpt: String?

    public static let empty = TestEvidence(locations: [], testFunctions: [], usedNames: [:], failureExcerpt: nil)

    /// Reads `report` (a baseline run) against the repository's files.
    /// `read` returns a file's text (repository-relative path).
    public static func from(_ report: TestReport, files: [String], read: (String) -> String?,
                            counter: TokenCounter, excerptTokens: Int = 900, failureTokens: Int = 700) -> TestEvidence {
        guard !report.passed else { return .empty }
        let output = report.output.isEmpty ? report.outputTail : report.output
        let locator = FailureLocator(files: files)
        let locations = locator.locations(in: output)

        // Failing test functions: named by the runner ("tests/test_x.py::Class::test_y"), or
        // frames in test files.
        var wanted: [(path: String, name: String?, line: Int?)] = []
        for id in report.failingTests ?? [] {
            let parts = id.components(separatedBy: "::")
            guard parts.count >= 2 else { continue }
            let path = locator.repositoryPath(parts[0]) ?? parts[0]
            // "Class::test_x[param]" → "Class.test_x" (matched as a qualified name first).
            let name = parts.dropFirst().map { String($0.prefix { $0 != "[" }) }.joined(separator: ".")
            wanted.append((path, name, nil))
        }
        for location in locations where TestFiles.isTestFile(location.path) {
            wanted.append((location.path, nil, location.line))
        }
        var excerpts: [ReferenceExcerpt] = []
        var usedNames: [String: Int] = [:]
        var used = 0
        var seen = Set<String>()
        for item in wanted {
            guard let text = read(item.path) else { continue }
            let structure = CodeStructure(text: text, path: item.path)
            let definition: CodeDefinition?
            if let line = item.line {
                definition = structure.innermost(containing: line - 1)
            } else if let name = item.name {
                let short = name.split(separator: ".").last.map(String.init) ?? name
                definition = structure.definitions.first { $0.qualifiedName == name } ?? structure.definitions(named: short).first
            } else { definition = nil }
            guard let definition, seen.insert("\(item.path):\(definition.headerLine)").inserted else { continue }
            let body = Array(structure.lines[definition.fullRange])
            for line in body.dropFirst() {
                for word in Terms.identifierWords(line) where word.count >= 3 && !Terms.stopwords.contains(word.lowercased()) {
                    usedNames[word, default: 0] += 1
                }
            }
            let excerpt = ReferenceExcerpt(path: item.path, startLine: definition.fullRange.lowerBound + 1,
                                           endLine: definition.fullRange.upperBound, text: body.joined(separator: "\n"),
                                           reason: "failing test \(definition.qualifiedName)")
            let cost = counter.countTokens(excerpt.text) + 16
            if used + cost > excerptTokens { continue }
            used += cost
            excerpts.append(excerpt)
        }
        return TestEvidence(locations: locations, testFunctions: excerpts, usedNames: usedNames,
                            failureExcerpt: firstFailure(output, tokens: failureTokens, counter: counter))
    }

    /// The first failure block of a pytest-style report (between `____ name ____` rulers), else
    /// the last lines of the output; at most `tokens` tokens, cut from the front.
    static func firstFailure(_ output: String, tokens: Int, counter: TokenCounter) -> String? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func isRuler(_ line: String) -> Bool { line.hasPrefix("___") && line.hasSuffix("___") && line.count > 10 }
        var block: [String]
        if let start = lines.firstIndex(where: isRuler) {
            var end = start + 1
            while end < lines.count, !isRuler(lines[end]), !lines[end].hasPrefix("====") { end += 1 }
            block = Array(lines[start..<end])
            // pytest's summary line names the failure briefly.
            block += lines.filter { $0.hasPrefix("FAILED ") || $0.hasPrefix("ERROR ") }.prefix(5)
        } else {
            block = Array(lines.suffix(40))
        }
        while let last = block.last, last.trimmingCharacters(in: .whitespaces).isEmpty { block.removeLast() }
        guard !block.isEmpty else { return nil }
        var text = block.joined(separator: "\n")
        while counter.countTokens(text) > tokens, block.count > 4 {
            block.removeFirst(max(1, block.count / 8))
            text = block.joined(separator: "\n")
        }
        return text
    }
}

/// Which files are tests (never edit targets unless named; shown as read-only excerpts).
public enum TestFiles {
    public static func isTestFile(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        let components = path.lowercased().split(separator: "/")
        return name.hasPrefix("test_") || name.hasPrefix("test.") || name.contains("_test.") || name.contains(".test.")
            || name.contains(".spec.") || name.hasSuffix("tests.swift") || name.hasSuffix("test.swift")
            || name == "conftest.py" || name.hasPrefix("tests.")
            || components.dropLast().contains { $0 == "tests" || $0 == "test" || $0 == "__tests__" || $0 == "spec" || $0 == "testing" }
    }
}
