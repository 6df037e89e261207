import Foundation
import Testing
import TakumiAgent

@Suite struct TargetFileGuesserTests {
    func guess(_ instruction: String, _ files: [String: String]) -> TargetFileGuesser.Guess {
        TargetFileGuesser().guess(instruction: instruction, files: files.keys.sorted()) { files[$0] }
    }

    @Test func namedFileWins() {
        let g = guess("Fix the add function in calc.py", ["calc.py": "def add", "util.py": "def add", "test_calc.py": ""])
        #expect(g.targets == ["calc.py"])
        #expect(g.relatedTests == ["test_calc.py"])
    }

    @Test func identifierDefinitionBeatsUse() {
        let g = guess("maxOf returns 0 for negative numbers", [
            "lib/stats.js": "function maxOf(values) {}\nmodule.exports = { maxOf }\n",
            "lib/report.js": "const { maxOf } = require('./stats'); maxOf([1])\n",
            "lib/stats.test.js": "maxOf([-1])\n",
        ])
        #expect(g.targets == ["lib/stats.js"])
        #expect(g.relatedTests == ["lib/stats.test.js"])
    }

    @Test func cFunctionDefinitionsAndSmallRepositories() {
        let c = guess("count_char misses the last character", ["count.c": "int count_char(const char *s, char c) {", "main.c": "int main(void) {}", "count.h": "int count_char(const char *s, char c);"])
        #expect(c.targets.first == "count.c")
        let small = guess("make it faster", ["a.py": "x = 1", "tests/test_a.py": "", "README.md": ""])
        #expect(small.targets == ["a.py"])
        let none = guess("make it faster", ["a.py": "", "b.py": "", "c.py": "", "d.py": ""])
        #expect(none.targets.isEmpty)
    }

    @Test func testFilesAreRecognized() {
        for path in ["test_x.py", "x_test.go", "x.test.js", "x.spec.ts", "tests/helpers.rs", "Tests/FooTests.swift"] {
            #expect(TargetFileGuesser.isTestFile(path), "\(path)")
        }
        for path in ["src/x.py", "contest.py", "latest.js"] {
            #expect(!TargetFileGuesser.isTestFile(path), "\(path)")
        }
    }

    /// The end-to-end fixture tasks name their file or function; the guess must find it and
    /// never pick a test file.
    @Test func guessesTheFixtureTasksTargets() throws {
        let root = TestPaths.fixtures + "/tasks"
        for name in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            let taskData = try #require(FileManager.default.contents(atPath: "\(root)/\(name)/task.json"))
            let task = try #require(try JSONSerialization.jsonObject(with: taskData) as? [String: Any])
            let instruction = try #require(task["instruction"] as? String)
            let repo = "\(root)/\(name)/repo"
            let files = snapshotTree(repo).keys.sorted()
            let g = TargetFileGuesser().guess(instruction: instruction, files: files) {
                FileManager.default.contents(atPath: repo + "/" + $0).map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(g.targets.count == 1, "\(name): \(g.targets)")
            #expect(!g.targets.contains(where: TargetFileGuesser.isTestFile), "\(name): \(g.targets)")
            #expect(!g.relatedTests.isEmpty, "\(name): no related test for \(g.targets)")
        }
    }
}
