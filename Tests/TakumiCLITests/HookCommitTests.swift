import Foundation
import Testing

/// Real `git commit` runs with the prepare-commit-msg hook installed.
@Suite("CLI: git commit with the hook installed", .serialized)
struct HookCommitTests {
    let suggestion = "Update the greeting\n\nSay hello to the world."

    func installedRepo() throws -> ScratchRepo {
        let scratch = try ScratchRepo(initialFiles: ["hello.txt": "hello\n", "other.txt": "one\n"])
        let install = try scratch.takumi(["hooks", "install"])
        try #require(install.status == 0, "install failed: \(install.stderr)")
        return scratch
    }

    @Test func commitAllGetsTheSuggestion() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write("hello.txt", "hello world\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == suggestion)
        #expect(scratch.promptLog.contains("+hello world"))
        #expect(commit.stderr.isEmpty, "unexpected stderr: \(commit.stderr)")
    }

    @Test func commitWithPathsReadsGitsTemporaryIndex() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write("hello.txt", "hello world\n")
        try scratch.write("other.txt", "two\n")
        try scratch.git("add", "other.txt")  // staged in the real index, but not part of this commit
        let commit = try scratch.gitResult(["commit", "hello.txt"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == suggestion)
        // `git commit PATH` commits through a temporary index (GIT_INDEX_FILE): the model
        // must have seen hello.txt only.
        #expect(scratch.promptLog.contains("+hello world"))
        #expect(!scratch.promptLog.contains("other.txt"))
    }

    @Test func messageFromDashMIsLeftAlone() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write("hello.txt", "bye\n")
        let commit = try scratch.gitResult(["commit", "-a", "-m", "My own message"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "My own message")
        #expect(scratch.promptLog.isEmpty, "the model was asked although -m gave the message")
    }

    @Test func amendKeepsTheMessage() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write("hello.txt", "bye\n")
        try scratch.git("commit", "-q", "-a", "-m", "First version")
        try scratch.write("hello.txt", "bye bye\n")
        let amend = try scratch.gitResult(["commit", "-a", "--amend"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(amend.status == 0, "\(amend.stderr)")
        #expect(try scratch.lastMessage() == "First version")
        #expect(scratch.promptLog.isEmpty)
    }

    @Test func mergeCommitKeepsGitsMessage() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.git("checkout", "-q", "-b", "topic")
        try scratch.write("topic.txt", "topic\n")
        try scratch.git("add", "topic.txt")
        try scratch.git("commit", "-q", "-m", "Add topic")
        try scratch.git("checkout", "-q", "main")
        try scratch.write("main.txt", "main\n")
        try scratch.git("add", "main.txt")
        try scratch.git("commit", "-q", "-m", "Add main")
        let merge = try scratch.gitResult(["merge", "--no-ff", "topic"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try scratch.lastMessage() == "Merge branch 'topic'")
        #expect(try scratch.git("rev-list", "--parents", "-n", "1", "HEAD").split(separator: " ").count == 3)
        #expect(scratch.promptLog.isEmpty)
    }

    @Test func templateGetsTheSuggestionAboveItsText() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write(".git/commit-template", "Refs: \n")
        try scratch.git("config", "commit.template", ".git/commit-template")
        try scratch.write("hello.txt", "template\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == suggestion + "\n\nRefs:")
    }

    @Test func missingModelPrintsOneLineAndTheCommitGoesOn() throws {
        let scratch = try installedRepo()
        scratch.environment["TAKUMI_MODEL"] = scratch.root + "/no-such-model.gguf"
        try scratch.write("hello.txt", "typed\n")
        let editor = try typingEditor(scratch.root, message: "Typed by hand")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "Typed by hand")
        let lines = commit.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("takumi: ") && lines[0].contains("no-such-model.gguf"),
                "stderr: \(commit.stderr)")
    }

    @Test func slowModelIsCutAtTheTimeLimitAndTheCommitGoesOn() throws {
        let scratch = try installedRepo()
        try scratch.useScriptedModel(answer: suggestion, delayPerWord: 1.0)
        scratch.environment["TAKUMI_HOOK_TIME_LIMIT"] = "0.5"
        try scratch.write("hello.txt", "slow\n")
        let editor = try typingEditor(scratch.root, message: "Typed while waiting")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "Typed while waiting")
        let lines = commit.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("time limit"), "stderr: \(commit.stderr)")
        #expect(commit.seconds < 5, "took \(commit.seconds) s")
    }

    @Test func repositoryConfigSetsLanguageAndTimeLimit() throws {
        let scratch = try installedRepo()
        try scratch.write(".takumi/config.toml", "lang = \"ja\"\n[hooks]\ntime_limit = 30\n")
        try scratch.useScriptedModel(answer: "挨拶を更新")
        try scratch.write("hello.txt", "こんにちは\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "挨拶を更新")
        #expect(scratch.promptLog.contains("Write the message in Japanese."))

        // A config limit shorter than the slow model: one line, the commit goes on.
        try scratch.write(".takumi/config.toml", "[hooks]\ntime_limit = 0.5\n")
        try scratch.useScriptedModel(answer: suggestion, delayPerWord: 1.0)
        try scratch.write("hello.txt", "slow again\n")
        let editor = try typingEditor(scratch.root, message: "Typed by hand")
        let slow = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(slow.status == 0)
        #expect(try scratch.lastMessage() == "Typed by hand")
        #expect(slow.stderr.split(separator: "\n").count == 1 && slow.stderr.contains("time limit"), "stderr: \(slow.stderr)")
    }

    @Test func brokenConfigPrintsOneLineAndTheCommitGoesOn() throws {
        let scratch = try installedRepo()
        try scratch.write(".takumi/config.toml", "lang = \"klingon\"\n")
        try scratch.useScriptedModel(answer: suggestion)
        try scratch.write("hello.txt", "config\n")
        let editor = try typingEditor(scratch.root, message: "Typed by hand")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(commit.status == 0)
        #expect(try scratch.lastMessage() == "Typed by hand")
        #expect(commit.stderr.split(separator: "\n").count == 1 && commit.stderr.contains("lang"), "stderr: \(commit.stderr)")
    }

    @Test func missingTakumiPrintsOneLineAndTheCommitGoesOn() throws {
        let scratch = try installedRepo()
        try scratch.write("hello.txt", "no takumi\n")
        let editor = try typingEditor(scratch.root, message: "Without takumi")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: [
            "GIT_EDITOR": editor, "TAKUMI_HOOK_BIN": scratch.root + "/gone/takumi", "PATH": "/usr/bin:/bin"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "Without takumi")
        #expect(commit.stderr.split(separator: "\n").count == 1 && commit.stderr.contains("not found"), "stderr: \(commit.stderr)")
    }

    @Test func japaneseHistoryGivesAJapanesePrompt() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"], history: ["最初のコミット", "設定を追加", "テストを修正"])
        try #require(try scratch.takumi(["hooks", "install"]).status == 0)
        try scratch.useScriptedModel(answer: "挨拶を更新")
        try scratch.write("a.txt", "こんにちは\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "挨拶を更新")
        #expect(scratch.promptLog.contains("Write the message in Japanese."))
        #expect(scratch.promptLog.contains("設定を追加"))
    }
}

@Suite("CLI: hooks install/uninstall/status", .serialized)
struct HookInstallTests {
    @Test func chainsTheExistingHookWhichStillRuns() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        let original = "#!/bin/sh\necho 'Signed-off-by: Hook' >> \"$1\"\n"
        try scratch.write(".git/hooks/prepare-commit-msg", original)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.repo + "/.git/hooks/prepare-commit-msg")
        #expect(try scratch.takumi(["hooks", "install"]).stdout.contains("existing hook runs first"))
        #expect(try scratch.takumi(["hooks", "install"]).stdout.contains("already installed"))
        #expect(try scratch.takumi(["hooks", "status"]).stdout.contains("prepare-commit-msg: installed (chained)"))

        try scratch.useScriptedModel(answer: "Change a")
        try scratch.write("a.txt", "b\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "Change a\n\nSigned-off-by: Hook")

        let uninstall = try scratch.takumi(["hooks", "uninstall"])
        #expect(uninstall.stdout.contains("restored"))
        #expect(scratch.read(".git/hooks/prepare-commit-msg") == original)
        #expect(scratch.read(".git/hooks/prepare-commit-msg.pre-takumi") == nil)
    }

    @Test func honorsCoreHooksPath() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        try scratch.git("config", "core.hooksPath", "githooks")
        let install = try scratch.takumi(["hooks", "install", "--hook", "all", "--json"])
        #expect(install.status == 0, "\(install.stderr)")
        let installed = try #require(try JSONSerialization.jsonObject(with: Data(install.stdout.utf8)) as? [String: Any])
        #expect(installed["hooks"] as? [String: String] == ["prepare-commit-msg": "installed", "pre-commit": "installed"])
        #expect(FileManager.default.isExecutableFile(atPath: scratch.repo + "/githooks/prepare-commit-msg"))
        #expect(FileManager.default.isExecutableFile(atPath: scratch.repo + "/githooks/pre-commit"))
        #expect(!FileManager.default.fileExists(atPath: scratch.repo + "/.git/hooks/prepare-commit-msg"))
        let status = try scratch.takumi(["hooks", "status", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(report["hooksDirectory"] as? String == scratch.repo + "/githooks")
    }

    @Test func worksInALinkedWorktree() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        let linked = scratch.root + "/linked"
        try scratch.git("worktree", "add", "-q", linked)
        let install = try scratch.takumi(["hooks", "install"], in: linked)
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains(scratch.repo + "/.git/hooks"))
        try scratch.useScriptedModel(answer: "Edit a in the worktree")
        try scratch.write("a.txt", "linked\n", in: linked)
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"], in: linked)
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage(in: linked) == "Edit a in the worktree")
        #expect(scratch.promptLog.contains("+linked"))
    }

    @Test func preCommitReviewPrintsFindingsAndBlocksOnlyWhenAsked() throws {
        let scratch = try ScratchRepo(initialFiles: ["calc.py": "def f(xs):\n    return xs[0]\n"])
        try #require(try scratch.takumi(["hooks", "install", "--hook", "pre-commit"]).status == 0)
        try scratch.useScriptedModel(answer: "calc.py:2: xs may be empty")
        try scratch.write("calc.py", "def f(xs):\n    return xs[1]\n")
        let commit = try scratch.gitResult(["commit", "-a", "-m", "Use second item"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(commit.stderr.contains("takumi review: calc.py:2: xs may be empty"))

        try scratch.write("calc.py", "def f(xs):\n    return xs[2]\n")
        let blocked = try scratch.gitResult(["commit", "-a", "-m", "Use third item"], extraEnvironment: ["TAKUMI_REVIEW_BLOCK": "1"])
        #expect(blocked.status != 0)
        #expect(try scratch.lastMessage() == "Use second item")
        let skipped = try scratch.gitResult(["commit", "-a", "-m", "Use third item", "--no-verify"],
                                            extraEnvironment: ["TAKUMI_REVIEW_BLOCK": "1"])
        #expect(skipped.status == 0)
    }
}
