/// The raw bytes of every token in one flat buffer, plus an index from bytes to the id of
/// the normal token with those bytes (what merges are looked up by).
///
/// Built for load speed: the vocabulary (151,936 entries) and merges (151,387) are read on
/// every model load, and Swift `String` keys would hash with Unicode normalization. Bytes
/// are hashed with FNV-1a into a `[UInt64: Int32]` map; the rare 64-bit collision is kept
/// in a second, exact map, and every hit is verified against the stored bytes.
struct TokenByteTable: Sendable {
    private(set) var storage: [UInt8] = []
    /// Token i's bytes are storage[offsets[i]..<offsets[i + 1]].
    private(set) var offsets: [Int] = [0]
    private var idsByHash: [UInt64: Int32] = [:]
    private var collidingIds: [[UInt8]: Int32] = [:]

    var count: Int { offsets.count - 1 }

    init(capacity: Int, averageLength: Int = 8) {
        storage.reserveCapacity(capacity * averageLength)
        offsets.reserveCapacity(capacity + 1)
        idsByHash.reserveCapacity(capacity)
    }

    /// Appends the next token's bytes; `indexed` makes it findable by `id(of:)` (the first
    /// token with given bytes wins, as llama.cpp's first-wins text map).
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, indexed: Bool) {
        let id = Int32(count)
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        guard indexed else { return }
        let hash = Self.hash(bytes)
        if let existing = idsByHash[hash] {
            if !equal(existing, bytes) && collidingIds[Array(bytes)] == nil {
                collidingIds[Array(bytes)] = id
            }
        } else {
            idsByHash[hash] = id
        }
    }

    mutating func append(_ bytes: [UInt8], indexed: Bool) {
        bytes.withUnsafeBufferPointer { append($0, indexed: indexed) }
    }

    func bytes(of id: Int) -> ArraySlice<UInt8> { storage[offsets[id]..<offsets[id + 1]] }

    /// The id of the indexed token whose bytes are exactly `bytes`.
    func id(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let id = idsByHash[Self.hash(bytes)], equal(id, bytes) { return id }
        return collidingIds.isEmpty ? nil : collidingIds[Array(bytes)]
    }

    func id(of bytes: [UInt8]) -> Int32? { bytes.withUnsafeBufferPointer { id(of: $0) } }

    private func equal(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[Int(id)], end = offsets[Int(id) + 1]
        guard end - start == bytes.count else { return false }
        for k in 0..<bytes.count where storage[start + k] != bytes[k] { return false }
        return true
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
