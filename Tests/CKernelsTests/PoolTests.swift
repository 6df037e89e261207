import CKernels
import Foundation
import Testing

@Suite struct PoolTests {
    /// Context for the C callback: one counter per thread index, plus the n_threads seen.
    final class Record {
        var counts: [Int32]
        var reportedThreads: [Int32]
        init(_ n: Int) { counts = Array(repeating: 0, count: n); reportedThreads = Array(repeating: 0, count: n) }
    }

    static let countCall: tk_pool_fn = { ctx, index, nThreads in
        let record = Unmanaged<Record>.fromOpaque(ctx!).takeUnretainedValue()
        record.counts.withUnsafeMutableBufferPointer { $0[Int(index)] += 1 }
        record.reportedThreads.withUnsafeMutableBufferPointer { $0[Int(index)] = nThreads }
    }

    @Test(arguments: [1, 2, 3, 5])
    func everyThreadIndexRunsExactlyOncePerRun(threads: Int) throws {
        let pool = try #require(tk_pool_create(Int32(threads)))
        defer { tk_pool_destroy(pool) }
        #expect(tk_pool_threads(pool) == Int32(threads))
        let runs = 2000
        // Pre-size the arrays so callbacks never reallocate (each index owns one slot).
        let record = Record(threads)
        let ctx = Unmanaged.passUnretained(record).toOpaque()
        for run in 1...runs {
            tk_pool_run(pool, Self.countCall, ctx)
            if run % 500 == 0 { usleep(2000) }  // let workers fall asleep and be woken by futex
        }
        #expect(record.counts == Array(repeating: Int32(runs), count: threads))
        #expect(record.reportedThreads == Array(repeating: Int32(threads), count: threads))
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
