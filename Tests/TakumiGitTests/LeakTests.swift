import Foundation
import Testing
import TakumiGit
import CLibGit2

/// libgit2 has no object counter, so this counts heap bytes in use (glibc `mallinfo2`):
/// a loop of opens, status, diffs, blame, patches and applies that leaked any libgit2 object
/// (repository, index, tree, diff, patch, buf...) would grow the heap linearly.
/// The counter is process-wide and other suites run in parallel, so each check takes the
/// smallest growth of three rounds: a leak grows the heap in every round, noise does not.
@Suite(.serialized) struct LeakTests {
    func heapInUse() -> Int { Int(takumi_heap_bytes_in_use()) }

    func exercise(_ fixture: GitFixture) throws {
        let repo = try Repository.open(path: fixture.root + "/src")
        _ = try repo.head()
        _ = try repo.status()
        _ = try repo.trackedFiles()
        _ = try repo.contentsAtHead("src/a.swift")
        _ = try repo.contentsInIndex("src/a.swift")
        _ = try repo.diff(.staged)
        _ = try repo.diff(.unstaged)
        _ = try repo.diff(.workingTreeVsHead, options: DiffOptions(paths: ["src"], includeUntracked: true))
        _ = try repo.recentCommits(touching: ["src/a.swift"], limit: 5)
        _ = try repo.blame("src/a.swift", lines: 1...2)
        _ = try repo.configString("user.name")
        _ = try UnifiedDiff.patch(for: FileEdit(path: "src/a.swift", before: "let a = 2\n", after: "let a = 3\n"))
        try repo.apply(edits: [FileEdit(path: "src/a.swift", before: "let a = 2 // wip\n", after: "let a = 3\n")],
                       to: .workingTree, checkOnly: true)
        _ = try? repo.resolveCommit("does-not-exist")
        _ = try? Repository.open(path: "/")
    }

    @Test func repeatedOperationsDoNotGrowTheHeap() throws {
        let fixture = try GitFixture()
        try fixture.write("src/a.swift", "let a = 1\n")
        try fixture.write("src/b.swift", "let b = 1\n")
        try fixture.commit("one")
        try fixture.write("src/a.swift", "let a = 2\n")
        try fixture.commit("two")
        try fixture.write("src/b.swift", "let b = 2\n")
        try fixture.git("add", "src/b.swift")
        try fixture.write("src/a.swift", "let a = 2 // wip\n")
        try fixture.write("src/untracked.swift", "let u = 1\n")

        for _ in 0..<50 { try exercise(fixture) }   // warm caches (libgit2 global state, Swift metadata)
        let iterations = 200
        var growth = Int.max
        for _ in 0..<3 {
            let before = heapInUse()
            for _ in 0..<iterations { try exercise(fixture) }
            growth = min(growth, heapInUse() - before)
        }
        print("leak check: heap grew \(growth) bytes over \(iterations) iterations of open/status/diff/blame/apply (best of 3 rounds)")
        // One leaked diff or repository per iteration would be several KB each (> 500 KB a round).
        #expect(growth < 128 * 1024, "heap grew by \(growth) bytes over \(iterations) iterations")
    }

    @Test func temporaryCheckoutsDoNotLeak() throws {
        let fixture = try GitFixture()
        try fixture.write("a.txt", "a\n")
        try fixture.commit("one")
        let repo = try Repository.open(path: fixture.root)
        for _ in 0..<5 { try repo.createTemporaryCheckout().remove() }
        var growth = Int.max
        for _ in 0..<3 {
            let before = heapInUse()
            for _ in 0..<20 { try repo.createTemporaryCheckout().remove() }
            growth = min(growth, heapInUse() - before)
        }
        print("leak check: heap grew \(growth) bytes over 20 temporary checkouts (best of 3 rounds)")
        #expect(growth < 64 * 1024, "heap grew by \(growth) bytes over 20 checkouts")
    }
}
