import Foundation

/// One pass over the candidate files that reads each once and records, for BM25, each file's
/// length and how often each query term occurs in it (path terms count 3×).
///
/// Files are read with plain `read(2)` into a per-thread buffer and scanned as bytes (see
/// `Terms`): no String or Data per file, work split across cores.
final class LexicalIndex {
    private(set) var paths: [String]
    let queryTerms: [String]
    /// Words per file (0 for a skipped file).
    private(set) var lengths: [Int32]
    /// `frequencies[file * termCount + term]`.
    private(set) var frequencies: [Int32]
    /// Whether the file was read as text (exists, not binary, not too big).
    private(set) var isText: [Bool]

    private static let pathWeight: Int32 = 3

    /// Scans `paths` (relative to `root`). Files with a `blobIDs` entry (tracked files, assumed
    /// clean) are taken from `cache` when it has them; with `collectForCache`, the full term
    /// counts of freshly read ones are kept for `makeCache`.
    init(root: String, paths: [String], queryTerms: [String], maxFileBytes: Int,
         blobIDs: [String?]? = nil, cache: TermCache? = nil, collectForCache: Bool = false,
         cancellation: CancellationFlag? = nil) {
        self.paths = paths
        self.queryTerms = queryTerms
        self.blobIDs = blobIDs
        let termCount = queryTerms.count
        lengths = [Int32](repeating: 0, count: paths.count)
        frequencies = [Int32](repeating: 0, count: paths.count * termCount)
        isText = [Bool](repeating: false, count: paths.count)
        let table = TermTable(terms: queryTerms.map(Terms.hash))

        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let rootPrefix = root.hasSuffix("/") ? root : root + "/"
        // Fresh scans of cacheable files, per worker (merged into `newCache` afterwards).
        var scanned = [[ScannedFile]](repeating: [], count: workers)
        lengths.withUnsafeMutableBufferPointer { lengthsBuffer in
            frequencies.withUnsafeMutableBufferPointer { frequencyBuffer in
                isText.withUnsafeMutableBufferPointer { textBuffer in
                    scanned.withUnsafeMutableBufferPointer { scannedBuffer in
                        // Each worker takes a contiguous slice of the (sorted) paths, so consecutive
                        // files share a directory: files are opened relative to a cached directory
                        // descriptor (openat) instead of walking the whole path each time.
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
                            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxFileBytes + 1, alignment: 16)
                            defer { buffer.deallocate() }
                            var directory = DirectoryHandle(root: rootPrefix)
                            defer { directory.close() }
                            let begin = paths.count * worker / workers, end = paths.count * (worker + 1) / workers
                            for fileIndex in begin..<end {
                                // The caller checks the flag after the scan and throws.
                                if fileIndex % 128 == 0, cancellation?.isCancelled == true { break }
                                let base = fileIndex * termCount
                                var words = 0
                                let blobID = blobIDs?[fileIndex]
                                if let blobID, let cache, let entry = cache.entry(blobID) {
                                    // Cached: add up the stored counts of the query's terms.
                                    textBuffer[fileIndex] = entry.isText
                                    guard entry.isText else { continue }
                                    words = Int(entry.words)
                                    cache.hashes.withUnsafeBufferPointer { hashes in
                                        cache.counts.withUnsafeBufferPointer { counts in
                                            for i in entry.start..<(entry.start + entry.count) {
                                                if let term = table.index(of: hashes[i]) {
                                                    frequencyBuffer[base + term] += Int32(clamping: counts[i])
                                                }
                                            }
                                        }
                                    }
                                } else {
                                    let count = directory.readFile(paths[fileIndex], into: buffer)
                                    guard count >= 0 else { continue }
                                    let content = UnsafeRawBufferPointer(rebasing: buffer[0..<min(count, buffer.count)])
                                    let text = count <= maxFileBytes && !ContextPathFilter.looksBinary(content)
                                    var allTerms: [UInt64: UInt32] = [:]
                                    let collect = blobID != nil && collectForCache
                                    if text {
                                        words = Terms.scan(content) { hash in
                                            if let term = table.index(of: hash) { frequencyBuffer[base + term] += 1 }
                                            if collect { allTerms[hash, default: 0] += 1 }
                                        }
                                    }
                                    if collect {
                                        scannedBuffer[worker].append(ScannedFile(file: fileIndex, words: Int32(clamping: words),
                                                                                 isText: text, terms: allTerms))
                                    }
                                    textBuffer[fileIndex] = text
                                    guard text else { continue }
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
        self.scanned = scanned.flatMap { $0 }
    }

    /// A file read from disk during the scan, with all its term counts (for the cache).
    struct ScannedFile {
        var file: Int
        var words: Int32
        var isText: Bool
        var terms: [UInt64: UInt32]
    }
    private var scanned: [ScannedFile] = []
    private let blobIDs: [String?]?

    /// How many cacheable files had to be read (0 on a fully warm run).
    var freshlyScanned: Int { scanned.count }

    /// Whether files other than `excluded` had to be read (the cache is worth rewriting).
    func scannedFiles(besides excluded: Set<Int>) -> Bool {
        scanned.contains { !excluded.contains($0.file) }
    }

    /// The cache for the next run: entries of `old` still in use plus the files read now,
    /// leaving out `excluded` files (modified in the working tree: their contents are not
    /// their index blob).
    func makeCache(old: TermCache?, maxFileBytes: Int, excluded: Set<Int>) -> TermCache {
        let cache = TermCache(maxFileBytes: maxFileBytes)
        guard let blobIDs else { return cache }
        for item in scanned where !excluded.contains(item.file) {
            if let id = blobIDs[item.file] { cache.add(blobID: id, words: item.words, isText: item.isText, terms: item.terms) }
        }
        if let old {
            for (file, id) in blobIDs.enumerated() where !excluded.contains(file) {
                if let id, let entry = old.entry(id) { cache.add(blobID: id, from: old, entry: entry) }
            }
        }
        return cache
    }

    /// Re-reads the given files from the working tree (files found modified after a scan that
    /// trusted their index blob).
    func rescan(root: String, fileIndices: [Int], maxFileBytes: Int) {
        guard !fileIndices.isEmpty else { return }
        let fresh = LexicalIndex(root: root, paths: fileIndices.map { paths[$0] }, queryTerms: queryTerms,
                                 maxFileBytes: maxFileBytes)
        let termCount = queryTerms.count
        for (k, i) in fileIndices.enumerated() {
            lengths[i] = fresh.lengths[k]
            isText[i] = fresh.isText[k]
            for term in 0..<termCount { frequencies[i * termCount + term] = fresh.frequencies[k * termCount + term] }
        }
    }

    /// An open directory descriptor for the directory of the last file read.
    struct DirectoryHandle {
        let root: String
        private var path: Substring?
        private var fd: Int32 = -1

        init(root: String) { self.root = root }

        /// Reads a whole file into `buffer`; returns its size, `buffer.count` when it is larger
        /// than the buffer allows, or -1 when it cannot be read.
        mutating func readFile(_ relative: String, into buffer: UnsafeMutableRawBufferPointer) -> Int {
            // Split on the last "/" through the UTF-8 view (cheap; Character indexing is not).
            let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/"))
            let directoryPart = slash.map { relative[..<$0] } ?? ""
            let name = slash.map { String(relative[relative.utf8.index(after: $0)...]) } ?? relative
            if directoryPart != path {
                close()
                fd = open(root + directoryPart, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                path = directoryPart
            }
            if fd < 0 { return -1 }
            let file = openat(fd, name, O_RDONLY | O_CLOEXEC)
            if file < 0 { return -1 }
            defer { Glibc.close(file) }
            var total = 0
            while total < buffer.count {
                let count = read(file, buffer.baseAddress! + total, buffer.count - total)
                if count < 0 { if errno == EINTR { continue }; return -1 }
                if count == 0 { break }
                total += count
            }
            return total
        }

        mutating func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
            path = nil
        }
    }

    /// Adds another scan of the same query (e.g. untracked files) after this one's files.
    func append(_ other: LexicalIndex) {
        precondition(other.queryTerms == queryTerms, "appending a scan of a different query")
        paths += other.paths
        lengths += other.lengths
        frequencies += other.frequencies
        isText += other.isText
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
