import Foundation
import Testing
import TakumiGit

@Suite struct TemporaryCheckoutTests {
    /// Everything under .git that names refs or objects, to compare before/after.
    func gitState(_ fixture: GitFixture) throws -> [String] {
        let refs = try fixture.lines("for-each-ref", "--format=%(refname) %(objectname)")
        let objects = try fixture.lines("count-objects", "-v").filter { $0.hasPrefix("count") || $0.hasPrefix("in-pack") }
        let worktrees = try fixture.lines("worktree", "list", "--porcelain").filter { $0.hasPrefix("worktree ") }
        let logs = (FileManager.default.subpaths(atPath: fixture.root + "/.git/logs") ?? []).sorted()
        let admin = (try? FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.git/worktrees")) ?? []
        return refs + objects + worktrees + logs + admin.map { "worktrees/\($0)" }
    }

    @Test func createsDetachedCheckoutAtHeadAndRemovesAllTraces() throws {
        let fixture = try GitFixture()
        try fixture.write("src/a.swift", "let a = 1\n")
        try fixture.commit("first")
        try fixture.write("src/a.swift", "let a = 2\n")
        try fixture.commit("second")
        try fixture.write("src/a.swift", "let a = 3 // uncommitted\n")
        let before = try gitState(fixture)
        let repo = try Repository.open(path: fixture.root)
        let head = try repo.head()

        let worktree = try repo.createTemporaryCheckout()
        #expect(!worktree.repository.isLinkedWorktree)
        #expect(worktree.commit == head.commit)
        let worktreeHead = try worktree.repository.head()
        #expect(worktreeHead.isDetached)
        #expect(worktreeHead.commit == head.commit)
        // Checked out at HEAD, without the user's uncommitted change.
        #expect(try String(contentsOfFile: worktree.path + "/src/a.swift", encoding: .utf8) == "let a = 2\n")
        #expect(try worktree.repository.status().isClean)
        // No branch was left behind while it exists either.
        #expect(try fixture.lines("branch", "--format=%(refname:short)") == ["main"])
        // Not registered with the user's repository at all.
        #expect(try fixture.lines("worktree", "list").count == 1)
        #expect(try gitState(fixture) == before)

        // Patches apply inside it, not in the user's tree.
        try worktree.repository.apply(edits: [FileEdit(path: "src/a.swift", before: "let a = 2\n", after: "let a = 4\n")],
                                      to: .workingTree)
        #expect(try String(contentsOfFile: worktree.path + "/src/a.swift", encoding: .utf8) == "let a = 4\n")
        #expect(try fixture.read("src/a.swift") == "let a = 3 // uncommitted\n")

        let path = worktree.path
        worktree.remove()
        worktree.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
        let after = try gitState(fixture)
        #expect(after == before, "before: \(before)\nafter: \(after)")
        #expect(try fixture.git("fsck", "--no-progress", "--unreachable", "--no-reflogs").isEmpty)
    }

    @Test func checkoutFromLinkedWorktreeAndDeinitCleansUp() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "a\n")
        try fixture.commit("first")
        let linked = fixture.root + "-linked"
        try fixture.git("worktree", "add", "-q", "--detach", linked)
        defer { try? FileManager.default.removeItem(atPath: linked) }
        let before = try gitState(fixture)
        let repo = try Repository.open(path: linked)
        #expect(repo.isLinkedWorktree)
        var path = ""
        do {
            let worktree = try repo.createTemporaryCheckout()
            path = worktree.path
            #expect(FileManager.default.fileExists(atPath: path + "/a.txt"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try gitState(fixture) == before)
    }

    @Test func unbornHeadIsAClearError() throws {
        let fixture = try GitFixture()
        let repo = try Repository.open(path: fixture.root)
        #expect(throws: GitError.unbornHead(operation: "resolve HEAD")) { try repo.createTemporaryCheckout() }
        #expect(try fixture.lines("branch").isEmpty)
    }

    @Test func copiesUncommittedChangesIntoTheWorktree() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "a\n")
        try fixture.write("b.txt", "b\n")
        try fixture.write("c.txt", "c\n")
        try fixture.commit("first")
        try fixture.write("a.txt", "a changed\n")
        try fixture.write("b.txt", "b staged\n")
        try fixture.git("add", "b.txt")
        try FileManager.default.removeItem(atPath: fixture.root + "/c.txt")
        try fixture.write("dir/new.txt", "new\n")
        let repo = try Repository.open(path: fixture.root)
        let worktree = try repo.createTemporaryCheckout()
        let copied = try worktree.copyUncommittedChanges(from: repo)
        #expect(Set(copied) == ["a.txt", "b.txt", "c.txt", "dir/new.txt"])
        #expect(try String(contentsOfFile: worktree.path + "/a.txt", encoding: .utf8) == "a changed\n")
        #expect(try String(contentsOfFile: worktree.path + "/b.txt", encoding: .utf8) == "b staged\n")
        #expect(!FileManager.default.fileExists(atPath: worktree.path + "/c.txt"))
        #expect(try String(contentsOfFile: worktree.path + "/dir/new.txt", encoding: .utf8) == "new\n")
        worktree.remove()
        #expect(try fixture.read("a.txt") == "a changed\n")
    }

    /// A test that runs git (commit, tag, stash, branch, gc, config) changes only the copy:
    /// the user's refs, stash, objects, config and index stay exactly as they were.
    @Test func gitCommandsInTheCopyCannotReachTheUsersRepository() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "a\n")
        try fixture.commit("first")
        try fixture.write("a.txt", "a dirty\n")
        try fixture.git("stash", "-q")
        try fixture.write("a.txt", "a dirty again\n")
        let before = try gitState(fixture)
        let stash = try fixture.lines("stash", "list")
        let config = try String(contentsOfFile: fixture.root + "/.git/config", encoding: .utf8)
        let index = FileManager.default.contents(atPath: fixture.root + "/.git/index")
        let repo = try Repository.open(path: fixture.root)
        let copy = try repo.createTemporaryCheckout()
        try copy.copyUncommittedChanges(from: repo)
        let script = """
        set -e
        git -c user.name=t -c user.email=t@t stash -q
        git -c user.name=t -c user.email=t@t commit -q --allow-empty -m inside
        git tag inside-tag
        git branch inside-branch
        git config user.name someone-else
        git -c user.name=t -c user.email=t@t stash list >/dev/null
        git gc -q --prune=now
        git log --oneline | grep -q first
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: copy.path)
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": fixture.root, "GIT_CONFIG_NOSYSTEM": "1"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        copy.remove()
        #expect(try gitState(fixture) == before)
        #expect(try fixture.lines("stash", "list") == stash)
        #expect(try String(contentsOfFile: fixture.root + "/.git/config", encoding: .utf8) == config)
        #expect(FileManager.default.contents(atPath: fixture.root + "/.git/index") == index)
        #expect(try fixture.read("a.txt") == "a dirty again\n")
        #expect(try fixture.git("fsck", "--no-progress").isEmpty)
    }
}
