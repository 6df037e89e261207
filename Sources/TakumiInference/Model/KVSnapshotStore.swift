import CKernels
import Foundation

/// Persistent KV snapshots: the keys and values of a prompt, saved under a directory (by
/// default `$TAKUMI_HOME/kv/`) so the next process whose prompt starts the same way (the
/// next edit attempt on the same files, the next completion in the same buffer, the next hook
/// run) restores the shared prefix instead of recomputing it.
///
/// A snapshot restores any prefix of its tokens (position i's keys and values depend only on
/// tokens 0...i), so the best snapshot is the one sharing the longest token prefix with the
/// new prompt. Files carry the model's fingerprint, the shape, the tokens and a checksum of
/// everything; a snapshot that does not match all of them is ignored (and deleted), never
/// trusted. The directory is bounded (`maxBytes`): saving evicts the least recently used
/// snapshots (restoring one marks it used). Writes are atomic (temporary file + rename), so
/// concurrent processes see whole snapshots or none.
public final class KVSnapshotStore {
    public let directory: String
    public let maxBytes: Int
    /// Prefixes shorter than this are not worth a file (or a restore).
    public let minimumTokens: Int

    public init(directory: String, maxBytes: Int = 512 << 20, minimumTokens: Int = 64) {
        self.directory = directory
        self.maxBytes = max(0, maxBytes)
        self.minimumTokens = max(1, minimumTokens)
    }

    /// `$TAKUMI_HOME/kv` (default `~/.cache/takumi/kv`); size from `TAKUMI_KV_CACHE_MB`
    /// (default 512; 0 turns snapshots off: nil).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> KVSnapshotStore? {
        let megabytes = environment["TAKUMI_KV_CACHE_MB"].flatMap { Int($0) } ?? 512
        guard megabytes > 0 else { return nil }
        return KVSnapshotStore(directory: ModelLocator(environment: environment).home + "/kv", maxBytes: megabytes << 20)
    }

    static let magic: UInt32 = 0x564B_4B54 // "TKKV"
    /// 2: keys and values as halves (the cache's own storage); version 1 files held floats and
    /// are ignored.
    static let version: UInt32 = 2
    static let headerBytes = 48

    struct Header {
        var model: UInt64
        var layers: UInt32
        var rowWidth: UInt32
        var count: UInt32
        var checksum: UInt64
    }

    /// The file of the snapshot sharing the longest prefix with `tokens` (at least
    /// `minimumTokens`), and that length; nil when none does.
    func bestMatch(model: UInt64, layers: Int, rowWidth: Int, tokens: [Int32]) -> (path: String, shared: Int)? {
        var best: (path: String, shared: Int)?
        for path in snapshotPaths() {
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            guard let head = try? handle.read(upToCount: Self.headerBytes), let header = Self.parseHeader(head),
                  header.model == model, Int(header.layers) == layers, Int(header.rowWidth) == rowWidth else { continue }
            let wanted = min(Int(header.count), tokens.count)
            guard wanted >= minimumTokens, let raw = try? handle.read(upToCount: wanted * 4), raw.count == wanted * 4 else { continue }
            var shared = 0
            raw.withUnsafeBytes { bytes in
                while shared < wanted, Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * shared, as: Int32.self)) == tokens[shared] {
                    shared += 1
                }
            }
            if shared >= minimumTokens, shared > (best?.shared ?? 0) { best = (path, shared) }
        }
        return best
    }

    /// Saves positions 0..<tokens.count of `cache` (which must hold them) for `model`.
    /// Best effort: a full disk or an unwritable directory only means no snapshot.
    func save(model: UInt64, tokens: [Int32], cache: KVCache) {
        guard tokens.count >= minimumTokens, tokens.count <= cache.capacity else { return }
        let n = tokens.count, width = cache.rowWidth, layers = cache.keys.count
        let payloadBytes = Self.payloadBytes(tokens: n, layers: layers, rowWidth: width)
        guard Self.headerBytes + payloadBytes <= maxBytes else { return }
        var data = Data(count: Self.headerBytes + payloadBytes)
        let checksum: UInt64 = data.withUnsafeMutableBytes { raw -> UInt64 in
            guard let base = raw.baseAddress else { return 0 }
            let payload = base + Self.headerBytes
            tokens.withUnsafeBytes { payload.copyMemory(from: $0.baseAddress!, byteCount: n * 4) }
            var out = (payload + n * 4).assumingMemoryBound(to: UInt16.self)
            for l in 0..<layers {
                // Keys are transposed in the cache; a file row is one kv head's dimension (row =
                // kv head * head dim + i), positions 0..<n.
                for row in 0..<width {
                    tk_keys_read_row(cache.keys[l], Int64(row), Int64(n), Int64(cache.headDim), Int64(cache.capacity), out)
                    out += n
                }
                out.update(from: cache.values[l], count: n * width)
                out += n * width
            }
            let sum = tk_checksum64(payload, payloadBytes, 0)
            Self.writeHeader(Header(model: model, layers: UInt32(layers), rowWidth: UInt32(width), count: UInt32(n), checksum: sum), into: base)
            return sum
        }
        guard checksum != 0 || payloadBytes == 0 else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let name = String(format: "%016llx-%016llx.kv", model, tk_checksum64(tokens, n * 4, 1))
            let final = directory + "/" + name
            let temporary = directory + "/.\(name).\(ProcessInfo.processInfo.processIdentifier).tmp"
            try data.write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, final) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
        } catch {
            return
        }
        evict()
    }

    /// Restores positions 0..<count of the snapshot at `path` into `cache`, after checking
    /// the whole file; false (the file deleted) when it is corrupt or does not fit.
    func restore(path: String, model: UInt64, count: Int, into cache: KVCache) -> Bool {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return false }
        let ok: Bool = data.withUnsafeBytes { raw in
            guard raw.count >= Self.headerBytes, let base = raw.baseAddress,
                  let header = Self.parseHeader(Data(bytes: base, count: Self.headerBytes)),
                  header.model == model, Int(header.layers) == cache.keys.count, Int(header.rowWidth) == cache.rowWidth
            else { return false }
            let n = Int(header.count), width = cache.rowWidth, layers = cache.keys.count
            let payloadBytes = Self.payloadBytes(tokens: n, layers: layers, rowWidth: width)
            guard raw.count == Self.headerBytes + payloadBytes, count <= n, count <= cache.capacity,
                  tk_checksum64(base + Self.headerBytes, payloadBytes, 0) == header.checksum else { return false }
            var src = (base + Self.headerBytes + n * 4).assumingMemoryBound(to: UInt16.self)
            for l in 0..<layers {
                for row in 0..<width {
                    tk_keys_write_row(cache.keys[l], Int64(row), Int64(count), Int64(cache.headDim), Int64(cache.capacity), src)
                    src += n
                }
                cache.values[l].update(from: src, count: count * width)
                src += n * width
            }
            return true
        }
        if ok {
            touch(path)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
        return ok
    }

    /// The tokens (Int32) and, per layer, the keys then the values of `tokens` positions (halves).
    private static func payloadBytes(tokens n: Int, layers: Int, rowWidth: Int) -> Int {
        n * 4 + layers * 2 * n * rowWidth * MemoryLayout<UInt16>.size
    }

    /// Total bytes of the snapshots in the directory.
    public var byteCount: Int {
        snapshotPaths().reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    }

    private func snapshotPaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".kv") && !$0.hasPrefix(".") }.map { directory + "/" + $0 }
    }

    private func touch(_ path: String) {
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
    }

    /// Deletes least recently used snapshots until the directory fits `maxBytes`.
    private func evict() {
        let fm = FileManager.default
        var entries = snapshotPaths().compactMap { path -> (path: String, size: Int, used: Date)? in
            guard let a = try? fm.attributesOfItem(atPath: path) else { return nil }
            return (path, (a[.size] as? Int) ?? 0, (a[.modificationDate] as? Date) ?? .distantPast)
        }
        var total = entries.reduce(0) { $0 + $1.size }
        entries.sort { $0.used < $1.used }
        for entry in entries where total > maxBytes {
            try? fm.removeItem(atPath: entry.path)
            total -= entry.size
        }
    }

    private static func writeHeader(_ h: Header, into base: UnsafeMutableRawPointer) {
        base.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
        base.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: h.model.littleEndian, toByteOffset: 8, as: UInt64.self)
        base.storeBytes(of: h.layers.littleEndian, toByteOffset: 16, as: UInt32.self)
        base.storeBytes(of: h.rowWidth.littleEndian, toByteOffset: 20, as: UInt32.self)
        base.storeBytes(of: h.count.littleEndian, toByteOffset: 24, as: UInt32.self)
        base.storeBytes(of: UInt32(0), toByteOffset: 28, as: UInt32.self)
        base.storeBytes(of: h.checksum.littleEndian, toByteOffset: 32, as: UInt64.self)
        base.storeBytes(of: UInt64(0), toByteOffset: 40, as: UInt64.self)
    }

    private static func parseHeader(_ data: Data) -> Header? {
        guard data.count >= headerBytes else { return nil }
        return data.withUnsafeBytes { b -> Header? in
            func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
            func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
            guard u32(0) == magic, u32(4) == version else { return nil }
            return Header(model: u64(8), layers: u32(16), rowWidth: u32(20), count: u32(24), checksum: u64(32))
        }
    }
}
