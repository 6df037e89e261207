import Foundation
import Testing

/// `takumi edit` / `takumi undo` as a user runs them: the real binary on a temporary git
/// repository, with the scripted model (`--model scripted:FILE`) so that answers are fixed.
@Suite(.serialized) struct EditCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var binary: String? {
        if let bin = ProcessInfo.processInfo.environment["TAKUMI_BIN"], !bin.isEmpty { return bin }
        let config = Bundle.main.bundlePath.contains("/release/") ? "release" : "debug"
        let path = packageRoot + "/.build/\(config)/takumi"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static let buggy = "def add(a, b):\n    return a - b\n"
    static let answer = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    final class Repo {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-cli-\(UUID().uuidString)").resolvingSymlinksInPath().path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Data(EditCommandTests.buggy.utf8).write(to: URL(fileURLWithPath: path + "/calc.py"))
            try Data(EditCommandTests.answer.utf8).write(to: URL(fileURLWithPath: path + "/../" + (path as NSString).lastPathComponent + ".answer"))
            _ = try shell("git init -q -b main && git add -A && git -c user.name=t -c user.email=t@t commit -q -m init")
        }
        var answerPath: String { path + "/../" + (path as NSString).lastPathComponent + ".answer" }
        deinit {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: answerPath)
        }
        func shell(_ command: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            p.currentDirectoryURL = URL(fileURLWithPath: path)
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        /// Files, status, index, refs, worktrees: what must not change on failure.
        func state() throws -> String {
            try shell("cat calc.py; git status --porcelain --untracked-files=all; git ls-files -s; git for-each-ref; git worktree list | wc -l; ls .git/takumi 2>/dev/null")
        }
    }

    func takumi(_ args: [String], in repo: Repo, interruptAfter: Double? = nil, signal: Int32 = SIGINT) throws -> Run {
        let bin = try #require(Self.binary, "build the takumi executable first (swift build)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = repo.path + "/.no-user-config"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let interruptAfter {
            usleep(UInt32(interruptAfter * 1_000_000))
            kill(p.processIdentifier, signal)
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func appliesPrintsDiffAndSummaryThenUndoes() throws {
        let repo = try Repo()
        let before = try repo.state()
        let run = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--test", "grep -q 'a + b' calc.py"], in: repo)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("+    return a + b"))
        #expect(run.stdout.split(separator: "\n").last?.hasPrefix("applied: 1 file changed, +1 -1") == true)
        #expect(run.stderr.isEmpty) // not a TTY: no progress
        #expect(try repo.shell("cat calc.py") == "def add(a, b):\n    return a + b\n")

        let undo = try takumi(["undo"], in: repo)
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(try repo.state() == before)
        #expect(try takumi(["undo"], in: repo).status == 1)
    }

    @Test func jsonDryRunAndNoCandidateExitCodes() throws {
        let repo = try Repo()
        let before = try repo.state()
        let dry = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--no-test", "--dry-run", "--json"], in: repo)
        #expect(dry.status == 0, "\(dry.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(object["applied"] as? Bool == false)
        #expect((object["diff"] as? String)?.contains("+    return a + b") == true)
        #expect(object["files"] as? [String] == ["calc.py"])
        #expect((object["attempts"] as? [[String: Any]])?.count == 1)
        #expect(try repo.state() == before)

        let failing = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--test", "exit 1", "--attempts", "2", "--json"], in: repo)
        #expect(failing.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(failing.stdout.utf8)) as? [String: Any])
        let attempts = try #require(report["attempts"] as? [[String: Any]])
        #expect(attempts.count == 2)
        let test = try #require(attempts[0]["test"] as? [String: Any])
        #expect(test["command"] as? String == "exit 1" && test["exit_code"] as? Int == 1)
        #expect(try repo.state() == before)
    }

    /// `takumi context` prints exactly the prompt `takumi edit` sends (the same plan).
    @Test func contextShowsWhatEditSends() throws {
        let repo = try Repo()
        let log = repo.path + "/../" + (repo.path as NSString).lastPathComponent + ".log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let test = "grep -q 'a + b' calc.py"
        let context = try takumi(["context", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--test", test, "--json"], in: repo)
        #expect(context.status == 0, "\(context.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(context.stdout.utf8)) as? [String: Any])
        let messages = try #require(plan["messages"] as? [[String: Any]])
        #expect((plan["files"] as? [[String: Any]])?.first?["path"] as? String == "calc.py")
        #expect(plan["test_command"] as? String == test)
        setenv("TAKUMI_SCRIPTED_LOG", log, 1)
        defer { unsetenv("TAKUMI_SCRIPTED_LOG") }
        let edit = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--test", test], in: repo)
        #expect(edit.status == 0, "\(edit.stderr)")
        let sent = String(decoding: try #require(FileManager.default.contents(atPath: log)), as: UTF8.self)
        #expect(messages.count == 2)
        for message in messages {
            let content = try #require(message["content"] as? String)
            #expect(sent.contains(content), "edit sent something else than context showed")
        }
    }

    @Test func usageErrors() throws {
        let repo = try Repo()
        #expect(try takumi(["edit", "x", "--test", "t", "--no-test"], in: repo).status == 64)
        #expect(try takumi(["edit", "x", "--format", "diff"], in: repo).status == 64)
        #expect(try takumi(["edit", "x", "../outside.py", "--no-test", "--model", "scripted:" + repo.answerPath], in: repo).status == 64)
        // No test command can be detected in this repository.
        let none = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath], in: repo)
        #expect(none.status == 4 && none.stderr.contains("--test"))
        let noneJSON = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--json"], in: repo)
        let object = try JSONSerialization.jsonObject(with: Data(noneJSON.stdout.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(noneJSON.status == 4 && error?["kind"] as? String == "testCommandNotDetected")
        #expect((error?["message"] as? String)?.contains("--test") == true && object?["applied"] as? Bool == false)
        // Usage errors are JSON documents too under --json, and --jsonl streams an error event.
        let usageJSON = try takumi(["edit", "x", "--format", "diff", "--json"], in: repo)
        let usage = try JSONSerialization.jsonObject(with: Data(usageJSON.stdout.utf8)) as? [String: Any]
        #expect(usageJSON.status == 64 && (usage?["error"] as? [String: Any])?["kind"] as? String == "usage")
        let lines = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--jsonl"], in: repo)
        let last = try JSONSerialization.jsonObject(with: Data((lines.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
        #expect(lines.status == 4 && last?["event"] as? String == "error" && last?["kind"] as? String == "testCommandNotDetected")
    }

    @Test func sigtermIsHandledLikeCtrlC() throws {
        let repo = try Repo()
        let before = try repo.state()
        let run = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath, "--test", "sleep 60"],
                             in: repo, interruptAfter: 1.5, signal: SIGTERM)
        #expect(run.status == 130, "\(run.stderr)")
        #expect(try repo.state() == before)
    }

    @Test func sigintKillsTestsAndLeavesEverythingAsBefore() throws {
        let repo = try Repo()
        let before = try repo.state()
        let pidFile = repo.path + "/../" + UUID().uuidString + ".pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let start = Date()
        let run = try takumi(["edit", "Fix add", "calc.py", "--model", "scripted:" + repo.answerPath,
                              "--test", "sleep 60 & echo $! > \(pidFile); wait"], in: repo, interruptAfter: 1.5)
        #expect(run.status == 130, "\(run.stderr)")
        #expect(Date().timeIntervalSince(start) < 15)
        #expect(try repo.state() == before)
        if let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first.map(String.init)
            #expect(state == nil || state == "Z", "test process \(pid) still running")
        } else {
            Issue.record("the test command never started")
        }
    }
}
