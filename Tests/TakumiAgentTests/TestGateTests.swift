import Foundation
import Testing
import TakumiAgent

@Suite struct ProcessRunnerTests {
    @Test func capturesExitCodeAndOutputTail() throws {
        let dir = try TempDir()
        var runner = ProcessRunner(timeLimit: 10)
        runner.tailLines = 3
        let r = try runner.run("pwd; for i in 1 2 3 4 5; do echo line$i; done; echo err >&2; exit 7", in: dir.path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.exitCode == 7 && !r.timedOut)
        #expect(r.output.hasPrefix(dir.path + "\n"))
        #expect(r.outputTail == "line4\nline5\nerr")
    }

    @Test func directoryWithSpacesAndQuotesInCommand() throws {
        let dir = try TempDir("with space 'q'")
        let r = try ProcessRunner(timeLimit: 10).run("printf '%s' \"a b\" > out.txt", in: dir.path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.exitCode == 0)
        #expect(dir.read("out.txt") == "a b")
    }

    @Test func signalledChildReportsShellStyleStatus() throws {
        let r = try ProcessRunner(timeLimit: 10).run("kill -9 $$", in: "/", environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.exitCode == 128 + 9)
    }

    @Test func timeoutIsReportedQuickly() throws {
        let start = Date()
        var runner = ProcessRunner(timeLimit: 0.5)
        runner.graceSeconds = 0.5
        // Ignores SIGTERM: only the SIGKILL after the grace period ends it.
        let r = try runner.run("trap '' TERM; sleep 30", in: "/", environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.timedOut)
        #expect(Date().timeIntervalSince(start) < 5)
    }
}

@Suite struct TestCommandDetectorTests {
    @Test(arguments: [
        (["Makefile": "CC=gcc\nall:\n\tcc x.c\ntest: all\n\t./t\n"], "make test"),
        (["GNUmakefile": "check:\n\t./t\n", "package.json": "{}"], "make check"),
        (["Makefile": "all:\n\tcc x.c\n", "Cargo.toml": "[package]\n"], "cargo test --quiet"),
        (["Package.swift": "// swift-tools-version:5.9\n"], "swift test"),
        (["go.mod": "module x\n"], "go test ./..."),
        (["package.json": "{\"scripts\": {\"test\": \"node --test\"}}"], "npm test --silent"),
        (["package.json": "{\"scripts\": {\"test\": \"echo \\\"Error: no test specified\\\" && exit 1\"}}", "sum.test.js": ""], "node --test"),
        (["src/calc.py": "", "tests/test_calc.py": ""], "python3 -m pytest -q"),
        (["pyproject.toml": "[project]\n"], "python3 -m pytest -q"),
    ])
    func detects(files: [String: String], expected: String) throws {
        let dir = try TempDir()
        for (p, t) in files { try dir.write(p, t) }
        #expect(TestCommandDetector.detect(root: dir.path)?.command == expected)
    }

    @Test func cmakeAndNothing() throws {
        let dir = try TempDir()
        #expect(TestCommandDetector.detect(root: dir.path) == nil)
        try dir.write("CMakeLists.txt", "project(x)\n")
        #expect(TestCommandDetector.detect(root: dir.path)?.command.contains("ctest") == true)
    }
}

@Suite struct TestFailureParserTests {
    @Test func pytest() {
        let out = "..F\nFAILED tests/test_a.py::test_x - AssertionError: 1\n1 failed, 2 passed in 0.03s\n"
        #expect(TestFailureParser.failingTests(in: out) == ["tests/test_a.py::test_x"])
        #expect(TestFailureParser.failingTests(in: "===== 3 passed in 0.01s =====") == [])
    }

    @Test func goCargoNodeSwift() {
        #expect(TestFailureParser.failingTests(in: "--- FAIL: TestAdd (0.00s)\nFAIL\tx 0.1s\n") == ["TestAdd"])
        #expect(TestFailureParser.failingTests(in: "test tests::adds ... FAILED\ntest result: FAILED. 1 passed; 1 failed\n") == ["tests::adds"])
        #expect(TestFailureParser.failingTests(in: "TAP version 13\nnot ok 2 - sums numbers\n# pass 1\n") == ["sums numbers"])
        #expect(TestFailureParser.failingTests(in: "✘ Test adds() recorded an issue at x.swift:3\n") == ["adds()"])
    }

    @Test func unknownOutput() {
        #expect(TestFailureParser.failingTests(in: "make: *** [test] Error 1\n") == nil)
    }
}
