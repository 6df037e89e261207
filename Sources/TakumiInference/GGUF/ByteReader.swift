/// A bounds-checked little-endian reader over the bytes of a GGUF file.
///
/// Every read checks the remaining length first and throws `InferenceError.truncated`
/// naming the offset and the structure being read, so a damaged file can never make the
/// parser read outside the mapping.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer, count: Int, path: String) {
        self.base = base
        self.count = count
        self.path = path
    }

    var remaining: Int { count - offset }

    mutating func require(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        guard bytes >= 0, bytes <= remaining else {
            throw InferenceError.truncated(path: path, offset: offset, needed: bytes, what: what())
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: u64 length, then that many UTF-8 bytes (no NUL). Invalid UTF-8 is
    /// repaired with U+FFFD rather than rejected (names and tokens are still usable).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw InferenceError.truncated(path: path, offset: offset, needed: Int(clamping: length), what: what())
        }
        let n = Int(length)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: n)
        offset += n
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads `count` fixed-width values in one go (array payloads).
    mutating func readArray<T: FixedWidthInteger>(_: T.Type, count n: Int, _ what: @autoclosure () -> String) throws -> [T] {
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !overflow else { throw InferenceError.truncated(path: path, offset: offset, needed: Int.max, what: what()) }
        try require(bytes, what())
        let start = base + offset
        let out = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n {
                buffer[i] = T(littleEndian: start.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            initialized = n
        }
        offset += bytes
        return out
    }

    mutating func seek(to newOffset: Int) throws {
        guard newOffset >= 0, newOffset <= count else {
            throw InferenceError.truncated(path: path, offset: offset, needed: newOffset - offset, what: "padding before the tensor data")
        }
        offset = newOffset
    }
}
