import Foundation
import Testing
import TakumiGit

@Suite struct UnifiedDiffTests {
    struct Case: CustomStringConvertible {
        var name: String
        var path: String
        var before: Data?
        var after: Data?
        var mode: UInt32 = 0o100644
        var description: String { name }
        init(_ name: String, _ path: String, _ before: String?, _ after: String?, mode: UInt32 = 0o100644) {
            self.name = name; self.path = path; self.mode = mode
            self.before = before.map { Data($0.utf8) }; self.after = after.map { Data($0.utf8) }
        }
        init(_ name: String, _ path: String, bytes before: [UInt8], _ after: [UInt8]) {
            self.name = name; self.path = path; self.before = Data(before); self.after = Data(after)
        }
    }

    static let cases: [Case] = [
        Case("modify middle", "a.txt", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\nfour\n5\n6\n7\n8\n"),
        Case("insert at top", "b.txt", "x\ny\n", "new\nx\ny\n"),
        Case("append", "c.txt", "x\n", "x\ny\nz\n"),
        Case("remove final newline", "d.txt", "x\ny\n", "x\ny"),
        Case("add final newline", "e.txt", "x\ny", "x\ny\n"),
        Case("both without newline", "f.txt", "x\ny", "x\nz"),
        Case("empty to content", "g.txt", "", "hello\n"),
        Case("content to empty", "h.txt", "hello\n", ""),
        Case("create", "dir/new.swift", nil, "func f() {}\n"),
        Case("create without newline", "dir/new2.txt", nil, "no newline"),
        Case("create empty", "empty.txt", nil, ""),
        Case("delete empty", "was-empty.txt", "", nil),
        Case("delete", "gone.txt", "bye\nbye\n", nil),
        Case("delete without newline", "gone2.txt", "bye", nil),
        Case("executable modify", "run.sh", "#!/bin/sh\necho 1\n", "#!/bin/sh\necho 2\n", mode: 0o100755),
        Case("create executable", "tool.sh", nil, "#!/bin/sh\n", mode: 0o100755),
        Case("crlf", "win.txt", "a\r\nb\r\n", "a\r\nc\r\n"),
        Case("unicode", "u.txt", "héllo 匠\n", "héllo 匠匠\n"),
        Case("latin1 bytes", "l.txt", bytes: [0x63, 0x61, 0x66, 0xE9, 0x0A], [0x63, 0x61, 0x66, 0xE8, 0x0A]),
        Case("spaces in path", "my dir/a b.txt", "x\n", "y\n"),
    ]

    /// A fixture where every case's "before" is committed.
    func fixture() throws -> GitFixture {
        let fixture = try GitFixture()
        for item in Self.cases {
            guard let before = item.before else { continue }
            try fixture.write(item.path, before)
            if item.mode == 0o100755 {
                chmod(fixture.root + "/" + item.path, 0o755)
            }
        }
        try fixture.write("keep.txt", "keep\n")
        try fixture.commit("before")
        return fixture
    }

    @Test(arguments: cases) func patchAppliesWithGitApplyCheck(_ item: Case) throws {
        let fixture = try fixture()
        let edit = FileEdit(path: item.path, before: item.before, after: item.after, mode: item.mode)
        let patch = try UnifiedDiff.patchData(for: edit)
        #expect(!patch.isEmpty)
        try fixture.run(["git", "apply", "--check", "-"], in: fixture.root, input: patch)
        try fixture.run(["git", "apply", "--check", "--index", "-"], in: fixture.root, input: patch)

        // Applied by git itself, the result is exactly the "after" text (and mode).
        try fixture.run(["git", "apply", "-"], in: fixture.root, input: patch)
        let url = URL(fileURLWithPath: fixture.root + "/" + item.path)
        if let after = item.after {
            #expect(try Data(contentsOf: url) == after)
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let permissions = (attributes[.posixPermissions] as? Int) ?? 0
            #expect((permissions & 0o100 != 0) == (item.mode == 0o100755))
        } else {
            #expect(!FileManager.default.fileExists(atPath: url.path))
        }
    }

    @Test(arguments: cases) func wrapperAppliesToWorkingTreeAndIndex(_ item: Case) throws {
        let fixture = try fixture()
        let repo = try Repository.open(path: fixture.root)
        let edit = FileEdit(path: item.path, before: item.before, after: item.after, mode: item.mode)
        try repo.apply(edits: [edit], to: .both, checkOnly: true)
        // Check-only writes nothing.
        #expect(try repo.status().isClean)
        try repo.apply(edits: [edit], to: .both)
        #expect(try repo.contentsInWorkingTree(item.path) == item.after)
        #expect(try repo.contentsInIndex(item.path) == item.after)
        // git agrees about what changed.
        let staged = try fixture.lines("diff", "--cached", "--name-only", "-z").joined()
        #expect(staged.split(separator: "\0").map(String.init) == [item.path])
    }

    @Test func noChangeGivesEmptyPatch() throws {
        #expect(try UnifiedDiff.patch(for: FileEdit(path: "a", before: "x\n", after: "x\n")) == "")
        #expect(throws: GitError.self) { try UnifiedDiff.patch(for: FileEdit(path: "a", before: nil as String?, after: nil)) }
    }

    @Test func staleBeforeIsRejectedAndNothingChanges() throws {
        let fixture = try fixture()
        let repo = try Repository.open(path: fixture.root)
        let stale = FileEdit(path: "a.txt", before: "not what is there\n", after: "new\n")
        let good = FileEdit(path: "keep.txt", before: "keep\n", after: "kept\n")
        #expect(throws: GitError.self) { try repo.apply(edits: [good, stale], to: .workingTree, checkOnly: true) }
        #expect(throws: GitError.self) { try repo.apply(edits: [good, stale], to: .workingTree) }
        // All or nothing: the good edit was not written either.
        #expect(try fixture.read("keep.txt") == "keep\n")
        #expect(try repo.status().isClean)
    }

    @Test func multiFilePatchAppliesToIndexOnly() throws {
        let fixture = try fixture()
        let repo = try Repository.open(path: fixture.root)
        let edits = [FileEdit(path: "keep.txt", before: "keep\n", after: "kept\n"),
                     FileEdit(path: "brand/new.txt", before: nil as String?, after: "n\n")]
        try repo.apply(edits: edits, to: .index)
        #expect(try fixture.read("keep.txt") == "keep\n")
        #expect(try repo.contentsInIndex("keep.txt") == Data("kept\n".utf8))
        #expect(Set(try repo.status().stagedPaths) == ["keep.txt", "brand/new.txt"])
    }

    @Test func patchTextAppliesThroughLibgit2() throws {
        let fixture = try fixture()
        let repo = try Repository.open(path: fixture.root)
        let patch = try UnifiedDiff.patch(for: [FileEdit(path: "keep.txt", before: "keep\n", after: "kept\n"),
                                                 FileEdit(path: "gone.txt", before: "bye\nbye\n", after: nil)])
        try repo.apply(patch: patch, to: .workingTree, checkOnly: true)
        #expect(try fixture.read("keep.txt") == "keep\n")
        try repo.apply(patch: patch, to: .workingTree)
        #expect(try fixture.read("keep.txt") == "kept\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/gone.txt"))
        #expect(throws: GitError.self) { try repo.apply(patch: patch, to: .workingTree, checkOnly: true) }
    }

    @Test func pathsOutsideTheTreeAreRefused() throws {
        let fixture = try fixture()
        let repo = try Repository.open(path: fixture.root)
        for path in ["../x", "/etc/passwd", ".git/config", "a//b"] {
            #expect(throws: GitError.self) {
                try repo.apply(edits: [FileEdit(path: path, before: nil as String?, after: "x")], to: .workingTree)
            }
        }
    }
}
