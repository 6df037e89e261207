import Foundation
import Testing
import TakumiAgent

/// `takumi edit` with the real default model on a fixture task (release builds; `make test`).
/// Skipped when the model is absent, unless `TAKUMI_REQUIRE_MODEL=1`, which makes a missing
/// model (or binary) a failure. The model may or may not fix the bug; what must hold either way:
/// a passing edit really passes the task's check, and a failed run leaves everything as it was.
@Suite(.serialized) struct RealModelEditTests {
    static let environment = ProcessInfo.processInfo.environment
    static let modelPath: String = {
        let home = environment["TAKUMI_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache/takumi")
        return home + "/models/qwen2.5-coder-0.5b-instruct.gguf"
    }()
    static let required = environment["TAKUMI_REQUIRE_MODEL"] == "1"
    static let available = FileManager.default.fileExists(atPath: modelPath)

    static var binary: String? {
        if let bin = environment["TAKUMI_BIN"], !bin.isEmpty { return bin }
        let config = Bundle.main.bundlePath.contains("/release/") ? "release" : "debug"
        let path = TestPaths.packageRoot + "/.build/\(config)/takumi"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test(.enabled(if: available || required))
    func fixesOrLeavesEverythingAsItWas() throws {
        try #require(Self.available, "model missing: \(Self.modelPath) (scripts/fetch-model)")
        let bin = try #require(Self.binary, "takumi binary not built")
        let task = TestPaths.fixtures + "/tasks/py_add_bug"
        let taskInfo = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: task + "/task.json"))) as? [String: Any])
        let instruction = try #require(taskInfo["instruction"] as? String)
        let check = try #require(taskInfo["test"] as? String)

        let repo = try GitRepoFixture(files: [:].merging(try FileManager.default.contentsOfDirectory(atPath: task + "/repo").map {
            ($0, try String(contentsOfFile: task + "/repo/" + $0, encoding: .utf8))
        }, uniquingKeysWith: { a, _ in a }))
        let before = try repo.snapshot()

        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["edit", instruction, "--json", "--attempts", "2"]
        p.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()

        #expect([0, 2].contains(p.terminationStatus), "exit \(p.terminationStatus)")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let attempts = try #require(report["attempts"] as? [[String: Any]])
        #expect(!attempts.isEmpty)
        for attempt in attempts {
            #expect(!((attempt["answer"] as? String) ?? "").isEmpty)
            if attempt["round"] as? Int == 0 {
                // A fill-in-the-middle repair: the file around the function is its prompt.
                #expect(attempt["origin"] is String)
                #expect(((attempt["prompt_tokens"] as? Int) ?? 0) > 0)
            } else {
                #expect(((attempt["prompt_tokens"] as? Int) ?? 0) > 100)
            }
        }
        let after = try repo.snapshot()
        #expect(after.index == before.index && after.refs == before.refs && after.worktrees == before.worktrees)
        if p.terminationStatus == 0 {
            #expect(report["applied"] as? Bool == true)
            #expect(try sh("\(check) >/dev/null 2>&1 && echo ok", in: repo.path) == "ok\n")
            #expect(report["files"] as? [String] == ["calc.py"])
        } else {
            #expect(after.files == before.files)
        }
    }
}
