import Foundation
import Testing

/// `takumi` commands with `--server` / `TAKUMI_SERVER` against a real llama.cpp server on
/// loopback: the same prompts, edit formats, test gate and hook safety as the local engine.
@Suite("CLI: commands through an OpenAI-compatible server", .serialized)
struct ServerCommandTests {
    func scratch(_ peer: LlamaPeer, files: [String: String] = ["README.md": "# demo\n"]) throws -> ScratchRepo {
        let scratch = try ScratchRepo(initialFiles: files, history: ["Add the first files", "Add history file"])
        scratch.environment["TAKUMI_SERVER"] = peer.url
        scratch.environment["TAKUMI_API_KEY"] = peer.apiKey
        return scratch
    }

    @Test func generateStreamsThroughTheServer() throws {
        guard let peer = LlamaPeer.sharedOrSkip("generateStreamsThroughTheServer") else { return }
        let repo = try scratch(peer)
        let run = try repo.takumi(["generate", "--max-tokens", "16", "--json", "Count from 1 to 100, one number per line."])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((report["text"] as? String)?.isEmpty == false)
        #expect(report["tokens"] as? Int == 16)
        #expect(report["finish_reason"] as? String == "length")
        let streamed = try repo.takumi(["generate", "--server", peer.url, "--max-tokens", "8", "Say hi."])
        #expect(streamed.status == 0 && !streamed.stdout.isEmpty, "\(streamed.stderr)")
    }

    @Test func editFixesAFixtureTaskThroughTheServer() throws {
        guard let peer = LlamaPeer.sharedOrSkip("editFixesAFixtureTaskThroughTheServer") else { return }
        let task = ProcessTestSupport.packageRoot + "/Fixtures/tasks/py_add_bug/repo"
        var files: [String: String] = [:]
        for name in ["calc.py", "test_calc.py"] {
            files[name] = try String(contentsOfFile: task + "/" + name, encoding: .utf8)
        }
        let repo = try scratch(peer, files: files)
        let run = try repo.takumi(["edit", "Fix the add function in calc.py: it subtracts instead of adding.", "calc.py",
                                   "--test", "python3 -m pytest -q -p no:cacheprovider", "--json"])
        #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(repo.read("calc.py")?.contains("return a + b") == true)
        #expect(repo.read("test_calc.py") == files["test_calc.py"])
    }

    @Test func completeFillsInThroughTheServer() throws {
        guard let peer = LlamaPeer.sharedOrSkip("completeFillsInThroughTheServer") else { return }
        let repo = try scratch(peer)
        let buffer = "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return \n"
        let offset = buffer.utf8.count - 1
        let run = try repo.takumi(["complete", "--file", "calc.py", "--offset", String(offset), "--max-tokens", "12"], stdin: buffer)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("a + b") || run.stdout.contains("b + a"), "completion: \(run.stdout)")
    }

    @Test func commitMessageHookWritesAMessageThroughTheServer() throws {
        guard let peer = LlamaPeer.sharedOrSkip("commitMessageHookWritesAMessage") else { return }
        let repo = try scratch(peer, files: ["greet.py": "def greet(name):\n    return 'Hello ' + name\n"])
        repo.environment["TAKUMI_HOOK_TIME_LIMIT"] = "300"
        try #require(try repo.takumi(["hooks", "install"]).status == 0)
        try repo.write("greet.py", "def greet(name, punctuation='!'):\n    return 'Hello ' + name + punctuation\n")
        let commit = try repo.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(commit.stderr.isEmpty, "the hook reported: \(commit.stderr)")
        #expect(!(try repo.lastMessage()).isEmpty)
    }

    @Test func serverDownNeverBlocksACommitAndNamesTheURL() throws {
        let repo = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        repo.environment["TAKUMI_SERVER"] = "http://127.0.0.1:9"
        try repo.write("a.txt", "b\n")
        try repo.git("add", "a.txt")
        let message = try repo.takumi(["commit-message"])
        #expect(message.status == 1)
        #expect(message.stderr.contains("cannot connect to the server at http://127.0.0.1:9"), "\(message.stderr)")
        #expect(message.stderr.split(separator: "\n").count == 1, "\(message.stderr)")
        try #require(try repo.takumi(["hooks", "install"]).status == 0)
        let editor = try typingEditor(repo.root, message: "Typed by hand")
        let commit = try repo.gitResult(["commit"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try repo.lastMessage() == "Typed by hand")
        #expect(commit.stderr.contains("http://127.0.0.1:9") && commit.stderr.split(separator: "\n").count == 1, "\(commit.stderr)")
    }

    @Test func serverKilledMidAnswerLeavesEverythingAsItWas() throws {
        guard let peer = LlamaPeer.startOrSkip("serverKilledMidAnswerLeavesEverythingAsItWas") else { return }
        let repo = try ScratchRepo(initialFiles: ["calc.py": "def add(a, b):\n    return a - b\n"])
        repo.environment["TAKUMI_SERVER"] = peer.url
        let before = try repo.git("status", "--porcelain", "--untracked-files=all") + (repo.read("calc.py") ?? "")
            + (try repo.git("for-each-ref")) + (try repo.git("worktree", "list"))
        // Kill the server once the edit is under way (the prompt is being read or answered).
        let killer = Thread {
            Thread.sleep(forTimeInterval: 3)
            peer.kill()
        }
        killer.start()
        let run = try repo.takumi(["edit", "Rewrite calc.py with docstrings and type hints for every function", "calc.py", "--no-test"])
        #expect(run.status == 1, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(run.stderr.contains(peer.url), "\(run.stderr)")
        let after = try repo.git("status", "--porcelain", "--untracked-files=all") + (repo.read("calc.py") ?? "")
            + (try repo.git("for-each-ref")) + (try repo.git("worktree", "list"))
        #expect(after == before)
    }
}
