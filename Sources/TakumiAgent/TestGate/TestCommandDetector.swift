import Foundation

/// Guesses a project's test command from the files at its root. The first rule that applies
/// wins; a Makefile `test`/`check` target comes first because it is the project's own choice.
public enum TestCommandDetector {
    public struct Detection: Equatable, Sendable {
        public var command: String
        /// Why this command was chosen (shown in progress output).
        public var reason: String
    }

    public static func detect(root: String) -> Detection? {
        let fm = FileManager.default
        func exists(_ name: String) -> Bool { fm.fileExists(atPath: root + "/" + name) }
        func read(_ name: String) -> String? {
            fm.contents(atPath: root + "/" + name).map { String(decoding: $0, as: UTF8.self) }
        }

        for makefile in ["GNUmakefile", "makefile", "Makefile"] {
            guard let text = read(makefile) else { continue }
            for target in ["test", "check"] where makeTargets(text).contains(target) {
                return Detection(command: "make \(target)", reason: "\(makefile) has a '\(target)' target")
            }
        }
        if exists("Package.swift") { return Detection(command: "swift test", reason: "Package.swift") }
        if exists("Cargo.toml") { return Detection(command: "cargo test --quiet", reason: "Cargo.toml") }
        if exists("go.mod") { return Detection(command: "go test ./...", reason: "go.mod") }
        if let text = read("package.json"), let script = npmTestScript(text) {
            return Detection(command: "npm test --silent", reason: "package.json scripts.test (\(script))")
        }
        if ["pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py", "conftest.py"].contains(where: exists)
            || hasPythonTests(root: root) {
            return Detection(command: "python3 -m pytest -q", reason: "Python project with tests")
        }
        if exists("CMakeLists.txt") {
            return Detection(command: "cmake -S . -B build-takumi-test -DCMAKE_BUILD_TYPE=Debug >/dev/null && cmake --build build-takumi-test -j2 && ctest --test-dir build-takumi-test --output-on-failure",
                             reason: "CMakeLists.txt")
        }
        if let text = read("package.json"), text.contains("\"node:test\"") || hasNodeTests(root: root) {
            return Detection(command: "node --test", reason: "JavaScript test files")
        }
        return nil
    }

    /// Targets defined in a Makefile (`name:` at the start of a line, not `:=`).
    static func makeTargets(_ text: String) -> Set<String> {
        var targets: Set<String> = []
        for line in text.split(separator: "\n") {
            guard let first = line.first, first != "\t", first != "#", first != " " else { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let after = line[line.index(after: colon)...]
            if after.hasPrefix("=") { continue }
            for name in line[..<colon].split(separator: " ") where !name.contains("=") && !name.contains("$") {
                targets.insert(String(name))
            }
        }
        return targets
    }

    /// `scripts.test` of package.json, unless it is npm's placeholder.
    static func npmTestScript(_ text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let scripts = object["scripts"] as? [String: Any], let test = scripts["test"] as? String,
              !test.contains("no test specified") else { return nil }
        return test
    }

    static func hasPythonTests(root: String) -> Bool {
        firstFile(root: root, depth: 2) { name in
            name.hasSuffix(".py") && (name.hasPrefix("test_") || name.hasSuffix("_test.py"))
        }
    }

    static func hasNodeTests(root: String) -> Bool {
        firstFile(root: root, depth: 2) { name in
            [".test.js", ".test.mjs", ".spec.js", "_test.js", "test.js"].contains { name.hasSuffix($0) }
        }
    }

    private static func firstFile(root: String, depth: Int, _ match: (String) -> Bool) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return false }
        for name in names where !name.hasPrefix(".") && name != "node_modules" {
            if match(name) { return true }
            var isDir: ObjCBool = false
            if depth > 0, FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDir), isDir.boolValue,
               firstFile(root: root + "/" + name, depth: depth - 1, match) {
                return true
            }
        }
        return false
    }
}
