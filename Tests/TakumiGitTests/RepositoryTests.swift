import Foundation
import Testing
import TakumiGit

@Suite struct RepositoryOpenTests {
    @Test func opensFromSubdirectoryAndReportsPaths() throws {
        let fixture = try GitFixture()
        try fixture.write("src/deep/a.swift", "let a = 1\n")
        try fixture.commit("first")
        let repo = try Repository.open(path: fixture.root + "/src/deep")
        #expect(repo.rootPath == fixture.root)
        #expect(repo.gitDirectory == fixture.root + "/.git/")
        #expect(!repo.isBare)
        #expect(!repo.isLinkedWorktree)
        #expect(repo.state == .clean)
    }

    @Test func notARepositoryNamesThePath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-nogit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A ceiling is not settable here, so use a path that cannot be inside a repository.
        #expect(throws: GitError.notARepository(path: dir.path + "/missing")) {
            _ = try Repository.open(path: dir.path + "/missing")
        }
    }

    @Test func headOnBranchDetachedAndUnborn() throws {
        let fixture = try GitFixture(initialBranch: "trunk")
        let repo = try Repository.open(path: fixture.root)
        let unborn = try repo.head()
        #expect(unborn.isUnborn)
        #expect(unborn.commit == nil)
        #expect(unborn.branch == "trunk")
        #expect(throws: GitError.unbornHead(operation: "resolve HEAD")) { try repo.resolveCommit("HEAD") }
        #expect(try repo.contentsAtHead("x") == nil)

        try fixture.write("a.txt", "one\n")
        try fixture.commit("first commit\n\nbody")
        let sha = try fixture.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try repo.head()
        #expect(head == HeadInfo(commit: sha, branch: "trunk", isDetached: false, isUnborn: false,
                                 upstream: nil, summary: "first commit"))

        try fixture.git("checkout", "-q", "--detach")
        let detached = try repo.head()
        #expect(detached.isDetached)
        #expect(detached.branch == nil)
        #expect(detached.commit == sha)
    }

    @Test func upstreamIsReported() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "one\n")
        try fixture.commit("first")
        try fixture.git("update-ref", "refs/remotes/origin/main", "HEAD")
        try fixture.git("config", "branch.main.remote", "origin")
        try fixture.git("config", "branch.main.merge", "refs/heads/main")
        try fixture.git("config", "remote.origin.url", "/nonexistent")
        try fixture.git("config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.head().upstream == "origin/main")
    }

    @Test func bareRepositoryNeedsWorkingTreeErrors() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "one\n")
        try fixture.commit("first")
        let barePath = fixture.root + "/../" + UUID().uuidString + ".git"
        try fixture.git("clone", "-q", "--bare", fixture.root, barePath)
        defer { try? FileManager.default.removeItem(atPath: barePath) }
        let repo = try Repository.open(path: barePath)
        #expect(repo.isBare)
        #expect(repo.rootPath == nil)
        #expect(throws: GitError.self) { try repo.status() }
        #expect(try repo.contentsAtHead("a.txt") == Data("one\n".utf8))
        #expect(try repo.trackedFiles().isEmpty)
    }

    @Test func configValues() throws {
        let fixture = try GitFixture()
        try fixture.git("config", "core.hooksPath", ".githooks")
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.configString("core.hooksPath") == ".githooks")
        #expect(try repo.configString("takumi.nothing") == nil)
        #expect(try repo.configBool("core.bare") == false)
    }
}

@Suite struct RepositoryStatusTests {
    /// A repository with history and every kind of change git status knows.
    func messyFixture() throws -> GitFixture {
        let fixture = try GitFixture()
        try fixture.write(".gitignore", "*.log\nbuild/\n")
        try fixture.write("README.md", "hello\n")
        try fixture.write("src/main.swift", "print(1)\n")
        try fixture.write("src/old.swift", "let old = 1\nlet more = 2\nlet evenMore = 3\n")
        try fixture.write("src/gone.swift", "let gone = 1\n")
        try fixture.write("src/staged-delete.swift", "x\n")
        try fixture.commit("initial")
        try fixture.write("src/main.swift", "print(2)\n")
        try fixture.commit("second")
        // Unstaged modification, staged modification, both, rename, deletions, untracked, ignored.
        try fixture.write("README.md", "hello world\n")
        try fixture.write("src/main.swift", "print(3)\n")
        try fixture.git("add", "src/main.swift")
        try fixture.write("src/main.swift", "print(4)\n")
        try fixture.git("mv", "src/old.swift", "src/new.swift")
        try FileManager.default.removeItem(atPath: fixture.root + "/src/gone.swift")
        try fixture.git("rm", "-q", "src/staged-delete.swift")
        try fixture.write("notes/todo.txt", "todo\n")
        try fixture.write("debug.log", "ignored\n")
        try fixture.write("build/out.o", "ignored\n")
        try fixture.write("added.txt", "new\n")
        try fixture.git("add", "added.txt")
        return fixture
    }

    @Test func dirtyPathsEqualGitStatusPorcelain() throws {
        let fixture = try messyFixture()
        let repo = try Repository.open(path: fixture.root)
        let status = try repo.status()
        let porcelain = try fixture.lines("status", "--porcelain", "--untracked-files=all")
        let expected = porcelain.map { line -> String in
            let path = String(line.dropFirst(3))
            return path.components(separatedBy: " -> ").last ?? path
        }
        #expect(status.dirtyPaths.sorted() == expected.sorted())
        #expect(!status.dirtyPaths.contains("debug.log"))

        let byPath = Dictionary(uniqueKeysWithValues: status.entries.map { ($0.path, $0) })
        #expect(byPath["README.md"]?.unstaged == .modified)
        #expect(byPath["README.md"]?.staged == nil)
        #expect(byPath["src/main.swift"]?.staged == .modified)
        #expect(byPath["src/main.swift"]?.unstaged == .modified)
        #expect(byPath["src/new.swift"]?.staged == .renamed)
        #expect(byPath["src/new.swift"]?.originalPath == "src/old.swift")
        #expect(byPath["src/gone.swift"]?.unstaged == .deleted)
        #expect(byPath["src/staged-delete.swift"]?.staged == .deleted)
        #expect(byPath["notes/todo.txt"]?.isUntracked == true)
        #expect(byPath["added.txt"]?.staged == .added)
        #expect(Set(status.stagedPaths) == ["src/main.swift", "src/new.swift", "src/staged-delete.swift", "added.txt"])
    }

    @Test func statusLimitedToPaths() throws {
        let fixture = try messyFixture()
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.status(paths: ["README.md"]).dirtyPaths == ["README.md"])
    }

    @Test func trackedFilesEqualGitLsFiles() throws {
        let fixture = try messyFixture()
        let repo = try Repository.open(path: fixture.root)
        let tracked = try repo.trackedFiles().map(\.path)
        #expect(tracked == (try fixture.lines("ls-files")))
    }

    @Test func contentsAtHeadIndexAndWorkingTree() throws {
        let fixture = try messyFixture()
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.contentsAtHead("src/main.swift") == Data("print(2)\n".utf8))
        #expect(try repo.contentsInIndex("src/main.swift") == Data("print(3)\n".utf8))
        #expect(try repo.contentsInWorkingTree("src/main.swift") == Data("print(4)\n".utf8))
        #expect(try repo.contents("src/main.swift", atRevision: "HEAD~1") == Data("print(1)\n".utf8))
        #expect(try repo.contentsAtHead("added.txt") == nil)
        #expect(try repo.contentsInIndex("src/staged-delete.swift") == nil)
        #expect(try repo.contentsInWorkingTree("src/gone.swift") == nil)
        #expect(throws: GitError.notFound(what: "revision 'nope'")) { try repo.contents("a", atRevision: "nope") }
    }

    @Test func mergeConflictState() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "base\n")
        try fixture.commit("base")
        try fixture.git("checkout", "-q", "-b", "other")
        try fixture.write("a.txt", "other\n")
        try fixture.commit("other")
        try fixture.git("checkout", "-q", "main")
        try fixture.write("a.txt", "mine\n")
        try fixture.commit("mine")
        #expect(throws: FixtureError.self) { try fixture.git("merge", "-q", "other") }
        let repo = try Repository.open(path: fixture.root)
        #expect(repo.state == .merge)
        let status = try repo.status()
        #expect(status.conflictedPaths == ["a.txt"])
        #expect(try repo.trackedFiles().map(\.path) == ["a.txt"])
        #expect(status.dirtyPaths == (try fixture.lines("status", "--porcelain")).map { String($0.dropFirst(3)) })
    }

    @Test func nonUTF8PathsAndContentsDoNotCrash() throws {
        let fixture = try GitFixture()
        let badName = "caf\u{FFFD}.txt"
        let rawName = Data([0x63, 0x61, 0x66, 0xE9, 0x2E, 0x74, 0x78, 0x74]) // "caf\xE9.txt" (Latin-1)
        let path = fixture.root + "/" + String(decoding: rawName, as: UTF8.self)
        _ = path
        // Create the file with a raw byte name through the C API.
        let fullPath = Data(fixture.root.utf8) + Data("/".utf8) + rawName + Data([0])
        let fd = fullPath.withUnsafeBytes { open($0.baseAddress!.assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        let bytes: [UInt8] = [0xFF, 0xFE, 0x41, 0x0A]
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try fixture.write("ok.txt", Data([0xC3, 0x28, 0x0A]))
        try fixture.commit("odd bytes")
        let repo = try Repository.open(path: fixture.root)
        let tracked = try repo.trackedFiles().map(\.path)
        #expect(tracked.contains(badName))
        #expect(tracked.contains("ok.txt"))
        #expect(try repo.contentsAtHead("ok.txt") == Data([0xC3, 0x28, 0x0A]))
        #expect(try repo.status().isClean)
    }

    @Test func rebaseInProgressState() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "base\n")
        try fixture.commit("base")
        try fixture.git("checkout", "-q", "-b", "topic")
        try fixture.write("a.txt", "topic\n")
        try fixture.commit("topic")
        try fixture.git("checkout", "-q", "main")
        try fixture.write("a.txt", "main\n")
        try fixture.commit("main")
        try fixture.git("checkout", "-q", "topic")
        #expect(throws: FixtureError.self) { try fixture.git("rebase", "-q", "main") }
        let repo = try Repository.open(path: fixture.root)
        // git's default (merge) backend leaves .git/rebase-merge/interactive: libgit2 says interactive.
        #expect([.rebaseMerge, .rebaseInteractive].contains(repo.state))
        #expect(try repo.head().isDetached)
        #expect(try repo.status().conflictedPaths == ["a.txt"])
        #expect(try repo.status().dirtyPaths == ["a.txt"])
        #expect(String(decoding: try repo.contentsInWorkingTree("a.txt") ?? Data(), as: UTF8.self).contains("<<<<<<<"))
    }

    @Test func repositoryOwnedBySomeoneElseIsAClearError() throws {
        // Only root can hand a directory to another user; elsewhere this check cannot be set up.
        guard getuid() == 0 else { return }
        let fixture = try GitFixture()
        try fixture.write("a.txt", "a\n")
        try fixture.commit("a")
        #expect(chown(fixture.root, 65534, 65534) == 0)
        #expect(chown(fixture.root + "/.git", 65534, 65534) == 0)
        defer { chown(fixture.root, 0, 0); chown(fixture.root + "/.git", 0, 0) }
        do {
            _ = try Repository.open(path: fixture.root)
            Issue.record("opening a repository owned by another user should fail (safe.directory)")
        } catch let error as GitError {
            #expect(error == .notOwnedByCurrentUser(path: fixture.root), "\(error)")
        }
    }
}
