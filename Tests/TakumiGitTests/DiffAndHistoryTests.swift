import Foundation
import Testing
import TakumiGit

@Suite struct DiffAndHistoryTests {
    func historyFixture() throws -> GitFixture {
        let fixture = try GitFixture()
        try fixture.write("lib/math.py", "def add(a, b):\n    return a + b\n")
        try fixture.write("README.md", "# demo\n")
        try fixture.commit("Add math module")
        try fixture.write("lib/math.py", "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
        try fixture.commit("Add sub")
        try fixture.write("README.md", "# demo\n\nUsage.\n")
        try fixture.commit("Document usage")
        try fixture.write("lib/util.py", "X = 1\n")
        try fixture.commit("Add util")
        // Uncommitted: one staged, one unstaged, one untracked.
        try fixture.write("lib/math.py", "def add(a, b):\n    return a + b  # staged\n\n\ndef sub(a, b):\n    return a - b\n")
        try fixture.git("add", "lib/math.py")
        try fixture.write("README.md", "# demo\n\nUsage!\n")
        try fixture.write("new.txt", "untracked\n")
        return fixture
    }

    @Test func stagedAndUnstagedDiffsMatchGit() throws {
        let fixture = try historyFixture()
        let repo = try Repository.open(path: fixture.root)
        let staged = try repo.diff(.staged)
        #expect(try repo.changedPaths(.staged) == (try fixture.lines("diff", "--cached", "--name-only")))
        #expect(staged.contains("+    return a + b  # staged"))
        // The staged patch is exactly what separates HEAD and the index: it reverse-applies.
        try fixture.run(["git", "apply", "--check", "--cached", "-R", "-"], in: fixture.root, input: Data(staged.utf8))

        let unstaged = try repo.diff(.unstaged)
        #expect(try repo.changedPaths(.unstaged) == (try fixture.lines("diff", "--name-only")))
        try fixture.run(["git", "apply", "--check", "-R", "-"], in: fixture.root, input: Data(unstaged.utf8))

        let all = try repo.changedPaths(.workingTreeVsHead)
        #expect(all == (try fixture.lines("diff", "HEAD", "--name-only")))
        let withUntracked = try repo.changedPaths(.workingTreeVsHead, options: DiffOptions(includeUntracked: true))
        #expect(withUntracked.contains("new.txt"))
        #expect(try repo.diff(.unstaged, options: DiffOptions(includeUntracked: true)).contains("+untracked"))

        let limited = try repo.changedPaths(.workingTreeVsHead, options: DiffOptions(paths: ["README.md"]))
        #expect(limited == ["README.md"])
        let byDirectory = try repo.changedPaths(.workingTreeVsHead, options: DiffOptions(paths: ["lib"]))
        #expect(byDirectory == ["lib/math.py"])
    }

    @Test func diffBetweenCommits() throws {
        let fixture = try historyFixture()
        let repo = try Repository.open(path: fixture.root)
        let patch = try repo.diff(.commits(from: "HEAD~3", to: "HEAD"))
        #expect(try repo.changedPaths(.commits(from: "HEAD~3", to: "HEAD")) ==
                (try fixture.lines("diff", "--name-only", "HEAD~3", "HEAD")))
        // It applies on top of HEAD~3.
        let worktree = fixture.root + "-old"
        try fixture.git("worktree", "add", "-q", "--detach", worktree, "HEAD~3")
        defer { try? FileManager.default.removeItem(atPath: worktree) }
        try fixture.run(["git", "apply", "--check", "-"], in: worktree, input: Data(patch.utf8))
        #expect(throws: GitError.notFound(what: "revision 'nope'")) { try repo.diff(.commits(from: "nope", to: "HEAD")) }
    }

    @Test func stagedDiffWithUnbornHead() throws {
        let fixture = try GitFixture()
        try fixture.write("first.txt", "1\n")
        try fixture.git("add", "first.txt")
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.changedPaths(.staged) == ["first.txt"])
        #expect(try repo.diff(.staged).contains("new file mode 100644"))
        #expect(try repo.recentCommits().isEmpty)
    }

    @Test func recentCommitsTouchingPaths() throws {
        let fixture = try historyFixture()
        let repo = try Repository.open(path: fixture.root)
        let all = try repo.recentCommits(limit: 10)
        #expect(all.map(\.summary) == ["Add util", "Document usage", "Add sub", "Add math module"])
        #expect(all.map(\.id) == (try fixture.lines("log", "--format=%H")))
        #expect(all[0].authorEmail == "test@example.com")
        #expect(all[0].parents == [all[1].id])

        let math = try repo.recentCommits(touching: ["lib/math.py"], limit: 10)
        #expect(math.map(\.summary) == ["Add sub", "Add math module"])
        #expect(math.map(\.id) == (try fixture.lines("log", "--format=%H", "--", "lib/math.py")))
        #expect(try repo.recentCommits(touching: ["lib"], limit: 1).map(\.summary) == ["Add util"])
    }

    @Test func blameRange() throws {
        let fixture = try historyFixture()
        let repo = try Repository.open(path: fixture.root)
        let hunks = try repo.blame("lib/math.py", lines: 4...6)
        let log = try fixture.lines("log", "--format=%H")
        #expect(hunks.first?.commit == log[2])  // "Add sub"
        #expect(hunks.allSatisfy { $0.startLine >= 3 && $0.startLine <= 6 })
        let whole = try repo.blame("lib/math.py")
        #expect(whole.first?.commit == log[3])  // "Add math module" wrote lines 1-2
        #expect(whole.reduce(0) { $0 + $1.lineCount } == 6)
        #expect(throws: GitError.self) { try repo.blame("nope.txt") }
    }
}
