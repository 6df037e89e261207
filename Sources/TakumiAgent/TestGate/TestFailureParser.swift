import Foundation

/// Reads the names of failing tests from a test runner's output, for the frameworks that
/// report them per test. Returns nil when the output has no recognizable per-test report.
public enum TestFailureParser {
    public static func failingTests(in output: String) -> Set<String>? {
        var failing: Set<String> = []
        var recognized = false
        for raw in output.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            // pytest -q / -rA summary: "FAILED tests/test_x.py::test_y - AssertionError"
            if line.hasPrefix("FAILED ") || line.hasPrefix("ERROR ") {
                let rest = line.drop(while: { $0 != " " }).dropFirst()
                if rest.contains("::") || rest.hasSuffix(".py") {
                    failing.insert(String(rest.prefix(while: { $0 != " " }))); recognized = true
                }
            }
            // pytest subtests: "SUBFAILED(x=1) tests/test_x.py::Class::test_y - AssertionError"
            if line.hasPrefix("SUBFAILED"), let id = line.split(separator: " ").first(where: { $0.contains("::") }) {
                failing.insert(String(id)); recognized = true
            }
            if line.range(of: #"^=+ .*(passed|failed|error).* in [0-9.]+s"#, options: .regularExpression) != nil { recognized = true }
            // go test: "--- FAIL: TestName (0.00s)"; "ok  	pkg" / "FAIL	pkg"
            if line.hasPrefix("--- FAIL: ") {
                failing.insert(String(line.dropFirst(10).prefix(while: { $0 != " " }))); recognized = true
            }
            if line.hasPrefix("--- PASS: ") || line.hasPrefix("ok  ") { recognized = true }
            // cargo test: "test path::name ... FAILED" / "test result:"
            if line.hasPrefix("test "), line.hasSuffix(" ... FAILED") {
                failing.insert(String(line.dropFirst(5).dropLast(11))); recognized = true
            }
            if line.hasPrefix("test result: ") { recognized = true }
            // node --test (TAP): "not ok 3 - name"
            if line.hasPrefix("not ok ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count == 4, parts[3].hasPrefix("- ") {
                    failing.insert(String(parts[3].dropFirst(2))); recognized = true
                } else if parts.count >= 3 {
                    failing.insert(parts.dropFirst(3).joined(separator: " ")); recognized = true
                }
            }
            if line.hasPrefix("# pass ") || line.hasPrefix("ℹ pass ") { recognized = true }
            // Swift Testing: "✘ Test name() recorded an issue" / XCTest: "Test Case '-[M.C t]' failed"
            if line.hasPrefix("✘ Test "), let end = line.range(of: "()") {
                failing.insert(String(line[line.index(line.startIndex, offsetBy: 7)..<end.upperBound])); recognized = true
            }
            if line.hasPrefix("Test Case '"), line.hasSuffix("failed") || line.contains("' failed (") {
                let name = line.dropFirst(11).prefix(while: { $0 != "'" })
                failing.insert(String(name)); recognized = true
            }
            if line.hasPrefix("✔ Test run") || line.hasPrefix("Executed ") { recognized = true }
        }
        return recognized ? failing : nil
    }
}
