import Foundation
import Testing
import TakumiGit

/// Runs the built `takumi` inside a real `prepare-commit-msg` hook: git passes a temporary
/// index (GIT_INDEX_FILE) for `commit -a` and `commit <paths>`, and `takumi context --json`
/// (which opens the repository with GIT_REPOSITORY_OPEN_FROM_ENV) must see exactly what is
/// being committed.
@Suite struct HookEnvironmentTests {
    /// The `takumi` executable: $TAKUMI_BIN, else next to the test bundle (`swift test` builds it).
    static func takumiBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TAKUMI_BIN"], !path.isEmpty { return path }
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testExecutable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("takumi").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw FixtureError.commandFailed("locate takumi", "no takumi executable near \(testExecutable.path); build it or set TAKUMI_BIN")
    }

    struct HookReport: Decodable {
        struct Repo: Decodable { var dirty_paths: [String]; var staged_paths: [String]; var root: String }
        var repository: Repo
    }

    func installHook(_ fixture: GitFixture, output: String) throws {
        let binary = try Self.takumiBinary()
        let script = """
        #!/bin/sh
        # $2 is the message source: leave merges and squashes alone.
        case "$2" in merge|squash) exit 0;; esac
        echo "$GIT_INDEX_FILE" > '\(output).index'
        # Keep takumi's cache out of the repository (the fixture's HOME is its root).
        TAKUMI_HOME='\(output).home' exec '\(binary)' context --json --no-test "hook check" a.txt > '\(output)' 2> '\(output).err'
        """
        let path = fixture.root + "/.git/hooks/prepare-commit-msg"
        try FileManager.default.createDirectory(atPath: fixture.root + "/.git/hooks", withIntermediateDirectories: true)
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func report(_ output: String) throws -> HookReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        do { return try JSONDecoder().decode(HookReport.self, from: data) } catch {
            let err = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
            throw FixtureError.commandFailed("parse hook output", "\(String(decoding: data, as: UTF8.self)) \(err)")
        }
    }

    func baseFixture() throws -> GitFixture {
        let fixture = try GitFixture()
        for name in ["a.txt", "b.txt", "c.txt"] { try fixture.write(name, "\(name)\n") }
        try fixture.commit("base")
        return fixture
    }

    @Test func commitAllSeesEveryTrackedModification() throws {
        let fixture = try baseFixture()
        let output = fixture.root + "/../hook-\(UUID().uuidString).json"
        defer { for suffix in ["", ".index", ".err", ".home"] { try? FileManager.default.removeItem(atPath: output + suffix) } }
        try installHook(fixture, output: output)
        try fixture.write("a.txt", "a changed, not staged\n")
        try fixture.write("b.txt", "b changed and staged\n")
        try fixture.git("add", "b.txt")
        try fixture.write("untracked.txt", "u\n")

        try fixture.git("commit", "-q", "-a", "-m", "all")
        let seen = try report(output)
        let indexFile = try String(contentsOfFile: output + ".index", encoding: .utf8)
        #expect(!indexFile.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "git passed no GIT_INDEX_FILE")
        #expect(seen.repository.root == fixture.root)
        #expect(seen.repository.staged_paths.sorted() == ["a.txt", "b.txt"])
        #expect(seen.repository.dirty_paths.sorted() == ["a.txt", "b.txt", "untracked.txt"])
    }

    @Test func commitWithPathsSeesOnlyThosePaths() throws {
        let fixture = try baseFixture()
        let output = fixture.root + "/../hook-\(UUID().uuidString).json"
        defer { for suffix in ["", ".index", ".err", ".home"] { try? FileManager.default.removeItem(atPath: output + suffix) } }
        try installHook(fixture, output: output)
        try fixture.write("a.txt", "a staged but not committed now\n")
        try fixture.git("add", "a.txt")
        try fixture.write("c.txt", "c committed by path\n")

        try fixture.git("commit", "-q", "-m", "only c", "c.txt")
        let seen = try report(output)
        let indexFile = try String(contentsOfFile: output + ".index", encoding: .utf8)
        #expect(indexFile.contains("next-index"), "expected git's temporary index, got \(indexFile)")
        // The temporary index holds HEAD + c.txt: a.txt's staged change is not part of this commit.
        #expect(seen.repository.staged_paths == ["c.txt"])
        // Outside the hook the real index still has a.txt staged.
        let repo = try Repository.open(path: fixture.root)
        #expect(try repo.status().stagedPaths == ["a.txt"])
        #expect(try repo.recentCommits(limit: 1).first?.summary == "only c")
    }

    @Test func gitDirAndWorkTreeFromTheEnvironment() throws {
        let fixture = try baseFixture()
        try fixture.write("a.txt", "changed\n")
        let elsewhere = FileManager.default.temporaryDirectory.path
        let output = try fixture.run([try Self.takumiBinary(), "context", "--json", "--no-test", "anything", fixture.root + "/a.txt"], in: elsewhere,
                                     environment: ["GIT_DIR": fixture.root + "/.git", "GIT_WORK_TREE": fixture.root])
        let seen = try JSONDecoder().decode(HookReport.self, from: Data(output.utf8))
        #expect(seen.repository.root == fixture.root)
        #expect(seen.repository.dirty_paths == ["a.txt"])
        // And without them, from a directory that is not a repository: a clear error, exit 1.
        let empty = elsewhere + "/takumi-norepo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: FixtureError.self) {
            try fixture.run([try Self.takumiBinary(), "context", "x"], in: empty, environment: ["GIT_CEILING_DIRECTORIES": elsewhere])
        }
    }
}
