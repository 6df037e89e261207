import Foundation
import Testing
import TakumiAgent

@Suite("Hooks: installer")
struct HooksInstallerTests {
    @Test func installsExecutableScriptAndReportsStatus() throws {
        let dir = try TempDir("takumi-hooks")
        let installer = HookInstaller(hooksDirectory: dir.sub("hooks"), takumiPath: "/opt/takumi bin/takumi")
        #expect(installer.status(.prepareCommitMsg) == .notInstalled)
        #expect(try installer.install(.prepareCommitMsg) == .installed)
        #expect(installer.status(.prepareCommitMsg) == .installed(chained: false))
        #expect(FileManager.default.isExecutableFile(atPath: installer.hookPath(.prepareCommitMsg)))
        let script = try #require(dir.read("hooks/prepare-commit-msg"))
        #expect(script.hasPrefix("#!/bin/sh\n"))
        #expect(script.contains("'/opt/takumi bin/takumi'"))
        #expect(script.contains("hooks run prepare-commit-msg -- \"$@\""))
    }

    @Test func neverInstallsTwice() throws {
        let dir = try TempDir("takumi-hooks")
        let installer = HookInstaller(hooksDirectory: dir.path, takumiPath: "/usr/bin/takumi")
        try installer.install(.preCommit)
        let first = dir.read("pre-commit")
        #expect(try installer.install(.preCommit) == .alreadyInstalled(refreshed: false))
        #expect(dir.read("pre-commit") == first)
        #expect(dir.read(GitHookKind.preCommit.chainedFileName) == nil)
        // A new takumi path refreshes the script in place, still without chaining ours to ours.
        let moved = HookInstaller(hooksDirectory: dir.path, takumiPath: "/new/takumi")
        #expect(try moved.install(.preCommit) == .alreadyInstalled(refreshed: true))
        #expect(dir.read("pre-commit")?.contains("/new/takumi") == true)
        #expect(dir.read(GitHookKind.preCommit.chainedFileName) == nil)
    }

    @Test func chainsAnExistingHookAndRestoresItOnUninstall() throws {
        let dir = try TempDir("takumi-hooks")
        let original = "#!/bin/sh\necho mine\n"
        try dir.write("prepare-commit-msg", original, executable: true)
        let installer = HookInstaller(hooksDirectory: dir.path, takumiPath: "/usr/bin/takumi")
        #expect(installer.status(.prepareCommitMsg) == .foreign)
        let outcome = try installer.install(.prepareCommitMsg)
        #expect(outcome == .installedChaining(chainedPath: dir.sub("prepare-commit-msg.pre-takumi")))
        #expect(dir.read("prepare-commit-msg.pre-takumi") == original)
        #expect(installer.status(.prepareCommitMsg) == .installed(chained: true))

        #expect(try installer.uninstall(.prepareCommitMsg) == .removedRestoring(restoredPath: dir.sub("prepare-commit-msg")))
        #expect(dir.read("prepare-commit-msg") == original)
        #expect(FileManager.default.isExecutableFile(atPath: dir.sub("prepare-commit-msg")))
        #expect(dir.read("prepare-commit-msg.pre-takumi") == nil)
    }

    @Test func uninstallLeavesForeignHooksAlone() throws {
        let dir = try TempDir("takumi-hooks")
        try dir.write("pre-commit", "#!/bin/sh\nexit 0\n", executable: true)
        let installer = HookInstaller(hooksDirectory: dir.path, takumiPath: "/usr/bin/takumi")
        #expect(try installer.uninstall(.preCommit) == .notInstalled)
        #expect(dir.read("pre-commit") == "#!/bin/sh\nexit 0\n")
    }

    @Test func refusesWhenABackupWouldBeOverwritten() throws {
        let dir = try TempDir("takumi-hooks")
        try dir.write("pre-commit", "#!/bin/sh\necho other tool\n", executable: true)
        try dir.write("pre-commit.pre-takumi", "#!/bin/sh\necho old backup\n", executable: true)
        let installer = HookInstaller(hooksDirectory: dir.path, takumiPath: "/usr/bin/takumi")
        #expect(throws: AgentError.self) { try installer.install(.preCommit) }
        #expect(dir.read("pre-commit") == "#!/bin/sh\necho other tool\n")
        #expect(dir.read("pre-commit.pre-takumi") == "#!/bin/sh\necho old backup\n")
    }

    @Test func hookSelectionParsing() throws {
        #expect(try GitHookKind.parseSelection("all") == [.prepareCommitMsg, .preCommit])
        #expect(try GitHookKind.parseSelection("pre-commit") == [.preCommit])
        #expect(throws: AgentError.unknownHook(name: "post-commit")) { try GitHookKind.parseSelection("post-commit") }
    }

    @Test func shellQuotingSurvivesQuotes() {
        #expect(HookScript.shellQuoted("/a/it's/takumi") == "'/a/it'\\''s/takumi'")
    }
}

@Suite("Hooks: hooks directory from git")
struct HooksDirectoryTests {
    @Test func honorsCoreHooksPathAndLinkedWorktrees() throws {
        let dir = try TempDir("takumi-hooks")
        let repo = dir.sub("repo")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try hooksGit(repo, "init", "-q", "-b", "main")
        #expect(try GitCommandLine(directory: repo).hooksDirectory() == repo + "/.git/hooks")
        try hooksGit(repo, "commit", "-q", "--allow-empty", "-m", "init")
        try hooksGit(repo, "worktree", "add", "-q", dir.sub("linked"))
        // A linked worktree shares the main repository's hooks.
        #expect(try GitCommandLine(directory: dir.sub("linked")).hooksDirectory() == repo + "/.git/hooks")
        try hooksGit(repo, "config", "core.hooksPath", "tools/hooks")
        #expect(try GitCommandLine(directory: repo).hooksDirectory() == repo + "/tools/hooks")
    }

    @Test func outsideARepositoryIsAClearError() throws {
        let dir = try TempDir("takumi-hooks")
        #expect(throws: AgentError.self) { try GitCommandLine(directory: dir.path).hooksDirectory() }
    }
}
