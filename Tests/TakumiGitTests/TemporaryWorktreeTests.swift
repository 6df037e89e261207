import Foundation
import Testing
import TakumiGit

@Suite struct TemporaryWorktreeTests {
    /// Everything under .git that names refs or objects, to compare before/after.
    func gitState(_ fixture: GitFixture) throws -> [String] {
        let refs = try fixture.lines("for-each-ref", "--format=%(refname) %(objectname)")
        let objects = try fixture.lines("count-objects", "-v").filter { $0.hasPrefix("count") || $0.hasPrefix("in-pack") }
        let worktrees = try fixture.lines("worktree", "list", "--porcelain").filter { $0.hasPrefix("worktree ") }
        let logs = (FileManager.default.subpaths(atPath: fixture.root + "/.git/logs") ?? []).sorted()
        let admin = (try? FileManager.default.contentsOfDirectory(atPath: fixture.root + "/.git/worktrees")) ?? []
        return refs + objects + worktrees + logs + admin.map { "worktrees/\($0)" }
    }

    @Test func createsDetachedWorktreeAtHeadAndRemovesAllTraces() throws {
        let fixture = try GitFixture()
        try fixture.write("src/a.swift", "let a = 1\n")
        try fixture.commit("first")
        try fixture.write("src/a.swift", "let a = 2\n")
        try fixture.commit("second")
        try fixture.write("src/a.swift", "let a = 3 // uncommitted\n")
        let before = try gitState(fixture)
        let repo = try Repository.open(path: fixture.root)
        let head = try repo.head()

        let worktree = try repo.createTemporaryWorktree()
        #expect(worktree.repository.isLinkedWorktree)
        #expect(worktree.commit == head.commit)
        let worktreeHead = try worktree.repository.head()
        #expect(worktreeHead.isDetached)
        #expect(worktreeHead.commit == head.commit)
        // Checked out at HEAD, without the user's uncommitted change.
        #expect(try String(contentsOfFile: worktree.path + "/src/a.swift", encoding: .utf8) == "let a = 2\n")
        #expect(try worktree.repository.status().isClean)
        // No branch was left behind while it exists either.
        #expect(try fixture.lines("branch", "--format=%(refname:short)") == ["main"])
        #expect(try fixture.lines("worktree", "list").count == 2)

        // Patches apply inside it, not in the user's tree.
        try worktree.repository.apply(edits: [FileEdit(path: "src/a.swift", before: "let a = 2\n", after: "let a = 4\n")],
                                      to: .workingTree)
        #expect(try String(contentsOfFile: worktree.path + "/src/a.swift", encoding: .utf8) == "let a = 4\n")
        #expect(try fixture.read("src/a.swift") == "let a = 3 // uncommitted\n")

        let path = worktree.path
        try worktree.remove()
        try worktree.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
        let after = try gitState(fixture)
        #expect(after == before, "before: \(before)\nafter: \(after)")
        #expect(try fixture.git("fsck", "--no-progress", "--unreachable", "--no-reflogs").isEmpty)
    }

    @Test func worktreeFromLinkedWorktreeAndDeinitCleansUp() throws {
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
            let worktree = try repo.createTemporaryWorktree()
            path = worktree.path
            #expect(FileManager.default.fileExists(atPath: path + "/a.txt"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try gitState(fixture) == before)
    }

    @Test func unbornHeadIsAClearError() throws {
        let fixture = try GitFixture()
        let repo = try Repository.open(path: fixture.root)
        #expect(throws: GitError.unbornHead(operation: "resolve HEAD")) { try repo.createTemporaryWorktree() }
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
        let worktree = try repo.createTemporaryWorktree()
        let copied = try worktree.copyUncommittedChanges(from: repo)
        #expect(Set(copied) == ["a.txt", "b.txt", "c.txt", "dir/new.txt"])
        #expect(try String(contentsOfFile: worktree.path + "/a.txt", encoding: .utf8) == "a changed\n")
        #expect(try String(contentsOfFile: worktree.path + "/b.txt", encoding: .utf8) == "b staged\n")
        #expect(!FileManager.default.fileExists(atPath: worktree.path + "/c.txt"))
        #expect(try String(contentsOfFile: worktree.path + "/dir/new.txt", encoding: .utf8) == "new\n")
        try worktree.remove()
        #expect(try fixture.read("a.txt") == "a changed\n")
    }
}
