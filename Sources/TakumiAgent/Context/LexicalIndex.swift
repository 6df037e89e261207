import Foundation

/// One pass over the candidate files that reads each once and records, for BM25, each file's
/// length and how often each query term occurs in it (path terms count 3×).
///
/// Files are read with plain `read(2)` into a per-thread buffer and scanned as bytes (see
/// `Terms`): no String or Data per file, work split across cores.
final class LexicalIndex {
    let paths: [String]
    let queryTerms: [String]
    /// Words per file (0 for a skipped file).
    private(set) var lengths: [Int32]
    /// `frequencies[file * termCount + term]`.
    private(set) var frequencies: [Int32]
    /// Whether the file was read as text (exists, not binary, not too big).
    private(set) var isText: [Bool]

    private static let pathWeight: Int32 = 3

    init(root: String, paths: [String], queryTerms: [String], maxFileBytes: Int) {
        self.paths = paths
        self.queryTerms = queryTerms
        let termCount = queryTerms.count
        lengths = [Int32](repeating: 0, count: paths.count)
        frequencies = [Int32](repeating: 0, count: paths.count * termCount)
        isText = [Bool](repeating: false, count: paths.count)
        let table = TermTable(terms: queryTerms.map(Terms.hash))

        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let rootPrefix = root.hasSuffix("/") ? root : root + "/"
        lengths.withUnsafeMutableBufferPointer { lengthsBuffer in
            frequencies.withUnsafeMutableBufferPointer { frequencyBuffer in
                isText.withUnsafeMutableBufferPointer { textBuffer in
                    // Disjoint indices per worker: file i is handled by worker i % workers.
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFileBytes + 1, alignment: 16)
                        defer { buffer.deallocate() }
                        var fileIndex = worker
                        while fileIndex < paths.count {
                            defer { fileIndex += workers }
                            let base = fileIndex * termCount
                            let count = Self.readFile(rootPrefix + paths[fileIndex], into: buffer)
                            guard count >= 0, count <= maxFileBytes else { continue }
                            let content = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                            if ContextPathFilter.looksBinary(content) { continue }
                            textBuffer[fileIndex] = true
                            var words = Terms.scan(content) { hash in
                                if let term = table.index(of: hash) { frequencyBuffer[base + term] += 1 }
                            }
                            // Path words weigh more: "the parser" most likely means parser.py.
                            let pathWords = paths[fileIndex].utf8.withContiguousStorageIfAvailable { pathBytes in
                                Terms.scan(UnsafeRawBufferPointer(pathBytes)) { hash in
                                    if let term = table.index(of: hash) { frequencyBuffer[base + term] += Self.pathWeight }
                                }
                            } ?? 0
                            words += pathWords * Int(Self.pathWeight)
                            lengthsBuffer[fileIndex] = Int32(clamping: words)
                        }
                    }
                }
            }
        }
    }

    /// Reads a whole file into `buffer`; returns its size, `buffer.count` when it is larger
    /// than the buffer allows, or -1 when it cannot be read.
    private static func readFile(_ path: String, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return -1 }
        defer { close(fd) }
        var total = 0
        while total < buffer.count {
            let count = read(fd, buffer.baseAddress! + total, buffer.count - total)
            if count < 0 { if errno == EINTR { continue }; return -1 }
            if count == 0 { break }
            total += count
        }
        return total
    }

    func frequency(file: Int, term: Int) -> Int32 { frequencies[file * queryTerms.count + term] }

    /// Okapi BM25 (k1 = 1.2, b = 0.75) of every file for the query terms; 0 for non-text files.
    func bm25(k1: Double = 1.2, b: Double = 0.75) -> [Double] {
        let termCount = queryTerms.count
        var scores = [Double](repeating: 0, count: paths.count)
        guard termCount > 0 else { return scores }
        let textCount = isText.filter { $0 }.count
        guard textCount > 0 else { return scores }
        var documentFrequency = [Int](repeating: 0, count: termCount)
        var totalLength = 0.0
        for file in 0..<paths.count where isText[file] {
            totalLength += Double(lengths[file])
            for term in 0..<termCount where frequencies[file * termCount + term] > 0 { documentFrequency[term] += 1 }
        }
        let averageLength = max(1, totalLength / Double(textCount))
        let n = Double(textCount)
        let idf = documentFrequency.map { df in log(1 + (n - Double(df) + 0.5) / (Double(df) + 0.5)) }
        for file in 0..<paths.count where isText[file] {
            let norm = k1 * (1 - b + b * Double(lengths[file]) / averageLength)
            var score = 0.0
            for term in 0..<termCount {
                let tf = Double(frequencies[file * termCount + term])
                if tf > 0 { score += idf[term] * tf * (k1 + 1) / (tf + norm) }
            }
            scores[file] = score
        }
        return scores
    }
}

/// A tiny open-addressing hash table from term hash to query-term index (one probe usually).
struct TermTable {
    private var keys: [UInt64]
    private var values: [Int]
    private let mask: Int

    init(terms: [UInt64]) {
        var size = 16
        while size < terms.count * 4 { size *= 2 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int](repeating: -1, count: size)
        mask = size - 1
        for (index, hash) in terms.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while values[slot] >= 0 && keys[slot] != hash { slot = (slot + 1) & mask }
            keys[slot] = hash
            values[slot] = index
        }
    }

    @inline(__always) func index(of hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while values[slot] >= 0 {
            if keys[slot] == hash { return values[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }
}
