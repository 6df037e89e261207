import Foundation
import Testing
import TakumiInference

/// Speed and long-piece behavior on the real vocabulary. Timings are printed (stderr) for
/// the report; the assertions only catch pathological (seconds-long) behavior, so they do
/// not flake on a busy machine.
@Suite("Tokenizer speed (real vocabulary)", .enabled(if: RealModel.available))
struct TokenizerPerformanceTests {
    /// About 100 KB of real source code: this package's Swift sources, repeated as needed.
    static func sourceText(bytes: Int = 100_000) throws -> String {
        let directory = TokenizerFixtures.repositoryRoot.appendingPathComponent("Sources/TakumiInference")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }.sorted()
        var text = ""
        while text.utf8.count < bytes {
            for file in files {
                text += try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            }
        }
        return String(decoding: Array(text.utf8.prefix(bytes)), as: UTF8.self)
    }

    /// The time limit the assertions use: pathological behavior takes far longer. Debug
    /// builds (unoptimized Swift, tests running in parallel) only print their timings.
    static func withinLimit(_ seconds: Double) -> Bool {
        #if DEBUG
        return true
        #else
        return seconds < 2.0
        #endif
    }

    /// CPU time of the calling thread spent in `body` (not wall time: the shared build
    /// machine is often overloaded, and the tokenizer is single-threaded).
    static func seconds(_ body: () -> Void) -> Double {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = now()
        body()
        return now() - start
    }

    @Test("tokenizing 100 KB of source takes milliseconds")
    func hundredKilobytes() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        // A fresh tokenizer so the first run starts with an empty piece cache.
        let file = try GGUFFile(path: path)
        var loaded: Tokenizer?
        var loadError: Error?
        let load = Self.seconds {
            do { loaded = try Tokenizer(gguf: file) } catch { loadError = error }
        }
        if let loadError { throw loadError }
        let tokenizer = try #require(loaded)
        FileHandle.standardError.write(Data(String(format: "tokenizer: built from GGUF metadata in %.1f ms (thread CPU time)\n", load * 1000).utf8))
        let text = try Self.sourceText()
        var ids: [Int32] = []
        let cold = Self.seconds { ids = tokenizer.encode(text) }
        let warm = Self.seconds { ids = tokenizer.encode(text) }
        let decode = Self.seconds { _ = tokenizer.decode(ids) }
        FileHandle.standardError.write(Data(String(format: "tokenizer: %d bytes -> %d tokens: encode cold %.2f ms, warm %.2f ms, decode %.2f ms (thread CPU time)\n",
                                                   text.utf8.count, ids.count, cold * 1000, warm * 1000, decode * 1000).utf8))
        #expect(tokenizer.decode(ids) == text)
        #expect(ids.count > 10_000)
        #expect(Self.withinLimit(cold))
        #expect(Self.withinLimit(warm))
    }

    @Test("a 100 KB single piece (one long run) is merged in n log n, same as the scan")
    func longRuns() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        for unit in ["=", " ", "a", "ab", "日"] {
            let text = String(repeating: unit, count: 100_000 / unit.utf8.count)
            var ids: [Int32] = []
            let time = Self.seconds { ids = tokenizer.encode(text) }
            FileHandle.standardError.write(Data(String(format: "tokenizer: run of %@ x %d -> %d tokens in %.2f ms\n",
                                                       unit.debugDescription, text.count, ids.count, time * 1000).utf8))
            #expect(tokenizer.decode(ids) == text)
            #expect(Self.withinLimit(time))
        }
    }
}
