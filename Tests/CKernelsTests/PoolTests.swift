import CKernels
import Foundation
import Testing

@Suite struct PoolTests {
    /// Context for the C callback: one counter per thread index, plus the n_threads seen.
    /// Raw memory, not Swift arrays: threads write their own slots concurrently, and an
    /// array's mutable-buffer access is exclusive to the whole array.
    final class Record {
        let size: Int
        let slots: UnsafeMutablePointer<Int32>
        let threadCounts: UnsafeMutablePointer<Int32>
        init(_ n: Int) {
            size = n
            slots = .allocate(capacity: n); slots.initialize(repeating: 0, count: n)
            threadCounts = .allocate(capacity: n); threadCounts.initialize(repeating: 0, count: n)
        }
        deinit { slots.deallocate(); threadCounts.deallocate() }
        var counts: [Int32] { Array(UnsafeBufferPointer(start: slots, count: size)) }
        var reportedThreads: [Int32] { Array(UnsafeBufferPointer(start: threadCounts, count: size)) }
    }

    static let countCall: tk_pool_fn = { ctx, index, nThreads in
        let record = Unmanaged<Record>.fromOpaque(ctx!).takeUnretainedValue()
        record.slots[Int(index)] += 1
        record.threadCounts[Int(index)] = nThreads
    }

    @Test(arguments: [1, 2, 3, 5])
    func everyThreadIndexRunsExactlyOncePerRun(threads: Int) throws {
        let pool = try #require(tk_pool_create(Int32(threads)))
        defer { tk_pool_destroy(pool) }
        #expect(tk_pool_threads(pool) == Int32(threads))
        let runs = 2000
        let record = Record(threads)
        let ctx = Unmanaged.passUnretained(record).toOpaque()
        for run in 1...runs {
            tk_pool_run(pool, Self.countCall, ctx)
            if run % 500 == 0 { usleep(2000) }  // let workers fall asleep and be woken by futex
        }
        #expect(record.counts == Array(repeating: Int32(runs), count: threads))
        #expect(record.reportedThreads == Array(repeating: Int32(threads), count: threads))
    }

    /// Shared runs: the caller always runs (index 0), no index runs twice in a run, and
    /// exact runs interleaved with them still see every index exactly once.
    @Test(arguments: [2, 3])
    func sharedRunsNeverRepeatAnIndexAndMixWithExactRuns(threads: Int) throws {
        let pool = try #require(tk_pool_create(Int32(threads)))
        defer { tk_pool_destroy(pool) }
        let runs = 1000
        let shared = Record(threads), exact = Record(threads)
        for run in 1...runs {
            let before = shared.counts
            tk_pool_run_shared(pool, Self.countCall, Unmanaged.passUnretained(shared).toOpaque())
            let delta = zip(shared.counts, before).map { $0 - $1 }
            #expect(delta[0] == 1, "run \(run): the caller runs every shared run")
            #expect(delta.allSatisfy { $0 == 0 || $0 == 1 }, "run \(run): an index ran twice: \(delta)")
            tk_pool_run(pool, Self.countCall, Unmanaged.passUnretained(exact).toOpaque())
            if run % 250 == 0 { usleep(2000) }
        }
        #expect(exact.counts == Array(repeating: Int32(runs), count: threads))
    }

    @Test func nullPoolRunsOnTheCaller() {
        let record = Record(1)
        tk_pool_run(nil, Self.countCall, Unmanaged.passUnretained(record).toOpaque())
        #expect(record.counts == [1])
        #expect(tk_pool_threads(nil) == 1)
    }

    @Test func refusesZeroThreads() {
        #expect(tk_pool_create(0) == nil)
    }
}
