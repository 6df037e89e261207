import Foundation
import Testing
import TakumiAgent

/// The path rules, the edit lock and the undo record's pending step, each against a real
/// directory tree.
@Suite struct SafetyRulesTests {
    final class Tree {
        let root: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-rules-\(UUID().uuidString)")
                .resolvingSymlinksInPath().path
            try FileManager.default.createDirectory(atPath: root + "/.git/hooks", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/vendor/lib/.git", withIntermediateDirectories: true)
            try Data("x\n".utf8).write(to: URL(fileURLWithPath: root + "/src/a.py"))
            try FileManager.default.createSymbolicLink(atPath: root + "/gl", withDestinationPath: ".git")
            try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: "/tmp")
            try FileManager.default.createSymbolicLink(atPath: root + "/link.py", withDestinationPath: "src/a.py")
            try FileManager.default.createSymbolicLink(atPath: root + "/srclink", withDestinationPath: "src")
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test(arguments: [
        "../x", "/etc/passwd", "~/x", ".git/config", "a/.git/x", ".GIT/hooks/x", ".git./x", ".git /x",
        "vendor/lib/.git/hooks/post-checkout", "vendor/lib/x.txt", "gl/hooks/pre-commit", "out/x", "link.py",
        "a/../../x", "", ".", "x\0y",
    ])
    func refused(_ path: String) throws {
        let tree = try Tree()
        #expect(throws: AgentError.self) { try RepositoryPath.validate(path, root: tree.root) }
    }

    @Test(arguments: [("src/a.py", "src/a.py"), ("./src/../src/new.py", "src/new.py"), ("srclink/a.py", "srclink/a.py"),
                      ("new/dir/file.txt", "new/dir/file.txt"), (".github/workflows/x.yml", ".github/workflows/x.yml")])
    func accepted(_ path: String, _ normalized: String) throws {
        let tree = try Tree()
        #expect(try RepositoryPath.validate(path, root: tree.root) == normalized)
    }

    @Test func toolConfigurationIsRecognized() {
        for path in [".takumi/config.toml", ".pre-commit-config.yaml", ".githooks/pre-commit", ".Husky/x", ".envrc"] {
            #expect(RepositoryPath.isToolConfiguration(path), "\(path)")
        }
        for path in ["src/.takumi.py", "takumi/config.toml", ".github/workflows/ci.yml"] {
            #expect(!RepositoryPath.isToolConfiguration(path), "\(path)")
        }
    }

    @Test func lockIsExclusiveNamesItsHolderAndLeavesNothing() throws {
        let tree = try Tree()
        let gitDir = tree.root + "/.git"
        let first = try EditLock.acquire(gitDirectory: gitDir, purpose: "first")
        do {
            _ = try EditLock.acquire(gitDirectory: gitDir, purpose: "second")
            Issue.record("a second lock was granted")
        } catch let error as AgentError {
            #expect(error.description.contains("pid \(getpid()), first"))
        }
        first.release()
        #expect(!FileManager.default.fileExists(atPath: gitDir + "/takumi"))
        // A lock file without a holder (its process died) is taken over.
        try FileManager.default.createDirectory(atPath: gitDir + "/takumi", withIntermediateDirectories: true)
        try Data("pid 1, dead\n".utf8).write(to: URL(fileURLWithPath: gitDir + "/takumi/lock"))
        let again = try EditLock.acquire(gitDirectory: gitDir, purpose: "again")
        again.release()
        #expect(!FileManager.default.fileExists(atPath: gitDir + "/takumi"))
    }

    @Test func aDiscardedPendingRecordKeepsThePreviousOne() throws {
        let tree = try Tree()
        let store = UndoStore(gitDirectory: tree.root + "/.git", workingRoot: tree.root)
        let first = EditedFile(path: "src/a.py", kind: .modified, before: Data("x\n".utf8), after: Data("y\n".utf8),
                               beforeText: "x\n", afterText: "y\n")
        try store.savePending([first], instruction: "first")
        try ChangeWriter(root: tree.root).write([first])
        try store.commitPending()
        let record = FileManager.default.contents(atPath: store.recordPath)
        let second = EditedFile(path: "src/a.py", kind: .modified, before: Data("y\n".utf8), after: Data("z\n".utf8),
                                beforeText: "y\n", afterText: "z\n")
        try store.savePending([second], instruction: "second")
        store.discardPending()
        #expect(FileManager.default.contents(atPath: store.recordPath) == record)
        let undone = try store.undo()
        #expect(undone.instruction == "first")
        #expect(FileManager.default.contents(atPath: tree.root + "/src/a.py") == Data("x\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/.git/takumi"))
    }

    @Test func messagesEscapeControlCharacters() {
        let error = AgentError.unsafePath(path: "a\u{1B}[31m\nb", reason: "test")
        #expect(!error.description.contains("\u{1B}"))
        #expect(!error.description.contains("\n"))
        #expect(error.description.contains("\\u{1b}"))
    }
}
