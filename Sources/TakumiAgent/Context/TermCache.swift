import Foundation

/// Per-blob term counts saved between runs, so a warm `takumi context` on a big repository
/// does not read every file again.
///
/// Keyed by git blob id: a clean tracked file's working-tree content *is* its index blob, so
/// an entry can never be stale (files the status reports modified are always read afresh).
/// Stored outside the repository (under `$TAKUMI_HOME/cache/context/`), one file per
/// repository, written atomically; any file that does not parse is ignored and rebuilt.
///
/// Format (little-endian, laid out for bulk copies): magic "TKCTX003", UInt32 maxFileBytes,
/// UInt32 entry count, UInt64 total terms; per entry 40 ASCII hex digits of the blob id,
/// Int32 words (-1: not text), UInt64 first term, UInt32 term count; then all term hashes
/// (UInt64 each), then all counts (UInt32 each).
final class TermCache: @unchecked Sendable {
    struct Entry {
        var words: Int32
        var isText: Bool
        /// Range into `hashes` / `counts`.
        var start: Int
        var count: Int
    }

    static let magic = Array("TKCTX003".utf8)

    let maxFileBytes: Int
    private(set) var entries: [String: Entry] = [:]
    private(set) var hashes: [UInt64] = []
    private(set) var counts: [UInt32] = []

    init(maxFileBytes: Int) { self.maxFileBytes = maxFileBytes }

    func entry(_ blobID: String) -> Entry? { entries[blobID] }

    func add(blobID: String, words: Int32, isText: Bool, terms: [UInt64: UInt32]) {
        guard entries[blobID] == nil else { return }
        let start = hashes.count
        for (hash, count) in terms {
            hashes.append(hash)
            counts.append(count)
        }
        entries[blobID] = Entry(words: words, isText: isText, start: start, count: terms.count)
    }

    /// Copies an entry from another cache (keeping entries of files still present).
    func add(blobID: String, from other: TermCache, entry: Entry) {
        guard entries[blobID] == nil else { return }
        let start = hashes.count
        hashes.append(contentsOf: other.hashes[entry.start..<(entry.start + entry.count)])
        counts.append(contentsOf: other.counts[entry.start..<(entry.start + entry.count)])
        entries[blobID] = Entry(words: entry.words, isText: entry.isText, start: start, count: entry.count)
    }

    var count: Int { entries.count }

    /// The cache file for a repository (named by a hash of its common git directory).
    static func url(in directory: URL, repositoryGitDirectory: String) -> URL {
        let name = String(Terms.hash(repositoryGitDirectory), radix: 16)
        return directory.appendingPathComponent("\(name).tkctx")
    }

    /// Loads a cache; nil when missing, unreadable, of another format or for another size limit.
    static func load(from url: URL, maxFileBytes: Int) -> TermCache? {
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { raw -> TermCache? in
            var reader = ByteReader(raw)
            guard reader.bytes(magic.count).elementsEqual(magic),
                  let limit = reader.uint32(), Int(limit) == maxFileBytes,
                  let entryCount = reader.uint32(), let totalTerms = reader.uint64().map(Int.init) else { return nil }
            let cache = TermCache(maxFileBytes: maxFileBytes)
            cache.entries.reserveCapacity(Int(entryCount))
            for _ in 0..<entryCount {
                let idBytes = reader.bytes(40)
                guard idBytes.count == 40, let words = reader.uint32(), let start = reader.uint64().map(Int.init),
                      let count = reader.uint32().map(Int.init), start + count <= totalTerms else { return nil }
                let signedWords = Int32(bitPattern: words)
                cache.entries[String(decoding: idBytes, as: UTF8.self)] =
                    Entry(words: max(0, signedWords), isText: signedWords >= 0, start: start, count: count)
            }
            guard let hashes = reader.array(of: UInt64.self, count: totalTerms),
                  let counts = reader.array(of: UInt32.self, count: totalTerms) else { return nil }
            cache.hashes = hashes
            cache.counts = counts
            return cache
        }
    }

    /// Writes the cache atomically (temp file + rename); errors are the caller's to ignore.
    func save(to url: URL) throws {
        var data = Data(capacity: 24 + entries.count * 56 + hashes.count * 12)
        data.append(contentsOf: Self.magic)
        append(UInt32(maxFileBytes), to: &data)
        append(UInt32(entries.count), to: &data)
        append(UInt64(hashes.count), to: &data)
        for (id, entry) in entries {
            var idBytes = Array(id.utf8.prefix(40))
            idBytes += [UInt8](repeating: 0x30, count: 40 - idBytes.count)
            data.append(contentsOf: idBytes)
            append(UInt32(bitPattern: entry.isText ? entry.words : -1), to: &data)
            append(UInt64(entry.start), to: &data)
            append(UInt32(entry.count), to: &data)
        }
        // Little-endian hosts only write the arrays as they are in memory.
        hashes.map(\.littleEndian).withUnsafeBytes { data.append(contentsOf: $0) }
        counts.map(\.littleEndian).withUnsafeBytes { data.append(contentsOf: $0) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.appendingPathExtension("tmp-\(getpid())")
        try data.write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }

    private func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}

/// Bounds-checked little-endian reads from a byte buffer.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer.SubSequence {
        let end = min(raw.count, offset + count)
        defer { offset = end }
        return raw[offset..<end]
    }

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= raw.count else { return nil }
        defer { offset += 4 }
        return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// `count` consecutive little-endian values, copied in bulk.
    mutating func array<T: FixedWidthInteger>(of type: T.Type, count: Int) -> [T]? {
        let size = MemoryLayout<T>.size * count
        guard count >= 0, offset + size <= raw.count else { return nil }
        defer { offset += size }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if size > 0, let base = raw.baseAddress {
                memcpy(buffer.baseAddress!, base + offset, size)
            }
            initialized = count
        }
        return values.map { T(littleEndian: $0) }
    }

    mutating func uint64() -> UInt64? {
        guard offset + 8 <= raw.count else { return nil }
        defer { offset += 8 }
        return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
