import CKernels
import Foundation

/// A parsed, memory-mapped GGUF file: metadata, tensor infos, and tensor data in place.
///
/// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count,
/// metadata entries (key string, u32 value type, value), tensor infos (name, u32 n_dims,
/// u64 dims[n_dims], u32 type, u64 offset), padding to `general.alignment` (default 32),
/// then the data section that tensor offsets are relative to.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order (keys are unique; later duplicates are rejected).
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensorInfos: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    public var fileSize: Int { storage.count }

    private let storage: MappedFile
    private let tensorIndex: [String: Int]

    /// Limits that keep a damaged header from making us allocate or loop absurdly.
    static let maxDims = 4
    static let maxNestingDepth = 8

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws {
        try self.init(storage: MappedFile(path: path), path: path)
    }

    /// Parses GGUF bytes held in memory (`name` is used in error messages).
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        try self.init(storage: MappedFile(bytes: bytes), path: name)
    }

    private init(storage: MappedFile, path: String) throws {
        self.storage = storage
        self.path = path
        var r = ByteReader(base: storage.base, count: storage.count, path: path)

        try r.require(4, "the magic bytes")
        let magic = (0..<4).map { storage.base.load(fromByteOffset: $0, as: UInt8.self) }
        guard magic == Array("GGUF".utf8) else { throw InferenceError.badMagic(path: path, found: magic) }
        _ = try r.read(UInt32.self, "the magic bytes")
        version = try r.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw InferenceError.unsupportedVersion(path: path, version: version) }
        let tensorCount = try r.read(UInt64.self, "the tensor count")
        let metadataCount = try r.read(UInt64.self, "the metadata count")
        // Each metadata entry takes at least 8 (key length) + 4 (type) + 1 bytes; each
        // tensor info at least 8 + 4 + 4 + 8. Reject counts the file cannot possibly hold.
        guard metadataCount <= UInt64(r.remaining / 13) else {
            throw InferenceError.badMetadata(path: path, key: "<header>", reason: "metadata count \(metadataCount) is larger than the file can hold")
        }
        guard tensorCount <= UInt64(r.remaining / 24) else {
            throw InferenceError.badTensorInfo(path: path, tensor: "<header>", reason: "tensor count \(tensorCount) is larger than the file can hold")
        }

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for i in 0..<Int(metadataCount) {
            let key = try r.readString("the key of metadata entry \(i)")
            let rawType = try r.read(UInt32.self, "the value type of '\(key)'")
            let value = try Self.readValue(&r, rawType: rawType, key: key, depth: 0)
            guard values[key] == nil else {
                throw InferenceError.badMetadata(path: path, key: key, reason: "key appears twice")
            }
            keys.append(key)
            values[key] = value
        }
        metadataKeys = keys
        metadata = values

        var align = 32
        if let a = values["general.alignment"] {
            guard let n = a.integer, n > 0, n <= 1 << 20, n & (n - 1) == 0 else {
                throw InferenceError.badMetadata(path: path, key: "general.alignment", reason: "must be a power of two up to 1 MiB, found \(a)")
            }
            align = n
        }
        alignment = align

        struct RawInfo { var name: String; var type: GGMLType; var dims: [Int]; var offset: UInt64; var bytes: Int }
        var raw: [RawInfo] = []
        raw.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let name = try r.readString("the name of tensor \(i)")
            let nDims = try r.read(UInt32.self, "the dimension count of tensor '\(name)'")
            guard nDims >= 1, nDims <= UInt32(Self.maxDims) else {
                throw InferenceError.badTensorInfo(path: path, tensor: name, reason: "has \(nDims) dimensions (supported: 1...\(Self.maxDims))")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let v = try r.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
                guard v >= 1, v <= UInt64(1) << 40 else {
                    throw InferenceError.badTensorInfo(path: path, tensor: name, reason: "dimension \(d) is \(v)")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(v))
                guard !overflow, product <= 1 << 48 else {
                    throw InferenceError.badTensorInfo(path: path, tensor: name, reason: "element count overflows")
                }
                elements = product
                dims.append(Int(v))
            }
            let rawType = try r.read(UInt32.self, "the type of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw InferenceError.unknownTensorType(path: path, tensor: name, type: rawType)
            }
            let offset = try r.read(UInt64.self, "the data offset of tensor '\(name)'")
            guard let rowBytes = type.rowBytes(dims[0]) else {
                throw InferenceError.badTensorInfo(path: path, tensor: name, reason: "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            let bytes = rowBytes * (elements / dims[0])
            guard index[name] == nil else {
                throw InferenceError.badTensorInfo(path: path, tensor: name, reason: "name appears twice")
            }
            index[name] = i
            raw.append(RawInfo(name: name, type: type, dims: dims, offset: offset, bytes: bytes))
        }

        let headerEnd = r.offset
        let dataStart = (headerEnd + align - 1) / align * align
        // The data section may be empty (no tensors), in which case the padding may be absent.
        if !raw.isEmpty { try r.seek(to: dataStart) }
        dataOffset = dataStart

        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(raw.count)
        for t in raw {
            guard t.offset % UInt64(align) == 0 else {
                throw InferenceError.badTensorInfo(path: path, tensor: t.name, reason: "data offset \(t.offset) is not a multiple of the alignment \(align)")
            }
            let (absolute, o1) = UInt64(dataStart).addingReportingOverflow(t.offset)
            let (end, o2) = absolute.addingReportingOverflow(UInt64(t.bytes))
            guard !o1, !o2, end <= UInt64(storage.count) else {
                throw InferenceError.tensorOutOfBounds(path: path, tensor: t.name, offset: absolute, bytes: UInt64(t.bytes), fileSize: storage.count)
            }
            infos.append(GGUFTensorInfo(name: t.name, type: t.type, dims: t.dims, relativeOffset: t.offset,
                                        fileOffset: Int(absolute), byteCount: t.bytes))
        }
        tensorInfos = infos
        tensorIndex = index
    }

    // MARK: - Metadata values

    private static func readValue(_ r: inout ByteReader, rawType: UInt32, key: String, depth: Int) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw InferenceError.badMetadata(path: r.path, key: key, reason: "unknown value type \(rawType)")
        }
        let what = "the value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, what))
        case .int8: return .int8(try r.read(Int8.self, what))
        case .uint16: return .uint16(try r.read(UInt16.self, what))
        case .int16: return .int16(try r.read(Int16.self, what))
        case .uint32: return .uint32(try r.read(UInt32.self, what))
        case .int32: return .int32(try r.read(Int32.self, what))
        case .uint64: return .uint64(try r.read(UInt64.self, what))
        case .int64: return .int64(try r.read(Int64.self, what))
        case .float32: return .float32(try r.readFloat(what))
        case .float64: return .float64(try r.readDouble(what))
        case .bool:
            let b = try r.read(UInt8.self, what)
            guard b <= 1 else { throw InferenceError.badMetadata(path: r.path, key: key, reason: "bool value is \(b), expected 0 or 1") }
            return .bool(b == 1)
        case .string: return .string(try r.readString(what))
        case .array: return .array(try readArray(&r, key: key, depth: depth))
        }
    }

    private static func readArray(_ r: inout ByteReader, key: String, depth: Int) throws -> GGUFArray {
        guard depth < maxNestingDepth else {
            throw InferenceError.badMetadata(path: r.path, key: key, reason: "arrays nested deeper than \(maxNestingDepth)")
        }
        let rawElement = try r.read(UInt32.self, "the element type of array '\(key)'")
        guard let element = GGUFValueType(rawValue: rawElement) else {
            throw InferenceError.badMetadata(path: r.path, key: key, reason: "unknown array element type \(rawElement)")
        }
        let count64 = try r.read(UInt64.self, "the length of array '\(key)'")
        guard count64 <= UInt64(r.remaining / element.minimumBytes) else {
            throw InferenceError.badMetadata(path: r.path, key: key, reason: "array length \(count64) is larger than the rest of the file can hold")
        }
        let n = Int(count64)
        let what = "the elements of array '\(key)'"
        switch element {
        case .uint8: return .uint8(try r.readArray(UInt8.self, count: n, what))
        case .int8: return .int8(try r.readArray(Int8.self, count: n, what))
        case .uint16: return .uint16(try r.readArray(UInt16.self, count: n, what))
        case .int16: return .int16(try r.readArray(Int16.self, count: n, what))
        case .uint32: return .uint32(try r.readArray(UInt32.self, count: n, what))
        case .int32: return .int32(try r.readArray(Int32.self, count: n, what))
        case .uint64: return .uint64(try r.readArray(UInt64.self, count: n, what))
        case .int64: return .int64(try r.readArray(Int64.self, count: n, what))
        case .float32: return .float32(try r.readArray(UInt32.self, count: n, what).map(Float.init(bitPattern:)))
        case .float64: return .float64(try r.readArray(UInt64.self, count: n, what).map(Double.init(bitPattern:)))
        case .bool:
            let bytes = try r.readArray(UInt8.self, count: n, what)
            if let bad = bytes.first(where: { $0 > 1 }) {
                throw InferenceError.badMetadata(path: r.path, key: key, reason: "bool array element is \(bad), expected 0 or 1")
            }
            return .bool(bytes.map { $0 == 1 })
        case .string:
            var out: [String] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(try r.readString("element \(i) of array '\(key)'")) }
            return .string(out)
        case .array:
            var out: [GGUFArray] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try readArray(&r, key: key, depth: depth + 1)) }
            return .array(out)
        }
    }

    // MARK: - Typed accessors (throw naming the key when missing or of another type)

    public func value(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw InferenceError.missingKey(path: path, key: key) }
        return v
    }

    public func contains(_ key: String) -> Bool { metadata[key] != nil }

    public func string(_ key: String) throws -> String {
        let v = try value(key)
        guard case let .string(s) = v else { throw wrongType(key, "string", v) }
        return s
    }

    /// Any unsigned or signed integer value that fits a UInt32.
    public func uint32(_ key: String) throws -> UInt32 {
        let v = try value(key)
        guard let i = v.integer, let u = UInt32(exactly: i) else { throw wrongType(key, "u32", v) }
        return u
    }

    public func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard let i = v.integer else { throw wrongType(key, "integer", v) }
        return i
    }

    /// Any numeric value, as Float (files store rope bases and epsilons as f32).
    public func float32(_ key: String) throws -> Float {
        let v = try value(key)
        guard let d = v.floatingPoint else { throw wrongType(key, "f32", v) }
        return Float(d)
    }

    public func bool(_ key: String) throws -> Bool {
        let v = try value(key)
        guard case let .bool(b) = v else { throw wrongType(key, "bool", v) }
        return b
    }

    public func array(_ key: String) throws -> GGUFArray {
        let v = try value(key)
        guard case let .array(a) = v else { throw wrongType(key, "array", v) }
        return a
    }

    public func stringArray(_ key: String) throws -> [String] {
        let v = try value(key)
        guard case let .array(.string(a)) = v else { throw wrongType(key, "array of string", v) }
        return a
    }

    /// Integer arrays of any integer element type, as Int32 (token types, ids).
    public func int32Array(_ key: String) throws -> [Int32] {
        let v = try value(key)
        guard case let .array(a) = v, let ints = a.integers else { throw wrongType(key, "array of integers", v) }
        var out: [Int32] = []
        out.reserveCapacity(ints.count)
        for i in ints {
            guard let x = Int32(exactly: i) else { throw wrongType(key, "array of i32", v) }
            out.append(x)
        }
        return out
    }

    public func floatArray(_ key: String) throws -> [Float] {
        let v = try value(key)
        switch v {
        case let .array(.float32(a)): return a
        case let .array(.float64(a)): return a.map(Float.init)
        default: throw wrongType(key, "array of f32", v)
        }
    }

    private func wrongType(_ key: String, _ expected: String, _ found: GGUFValue) -> InferenceError {
        .wrongKeyType(path: path, key: key, expected: expected, found: found.typeName)
    }

    // MARK: - Tensors

    public func hasTensor(_ name: String) -> Bool { tensorIndex[name] != nil }

    public func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensorInfos[$0] }
    }

    /// The tensor called `name`, with a pointer to its bytes inside the mapping.
    public func tensor(_ name: String) throws -> GGUFTensor {
        guard let info = tensorInfo(name) else { throw InferenceError.missingTensor(path: path, tensor: name) }
        return GGUFTensor(info: info, data: storage.base + info.fileOffset)
    }

    /// Drops the resident pages of tensor `name` (used after copying it elsewhere, so memory
    /// stays near the file size). The tensor stays readable: pages come back on access.
    /// Identifies the file's contents for caches (KV snapshots): a checksum of the header
    /// (metadata and tensor table), the size, and 16 samples of 4 KB spread over the tensor
    /// data. Reads about 64 KB, so it is cheap at load; two files that differ only outside
    /// the samples would collide, which no real pair of models does (their headers differ).
    public lazy var contentFingerprint: UInt64 = {
        var h = tk_checksum64(storage.base, min(dataOffset, storage.count), UInt64(storage.count))
        let dataBytes = storage.count - dataOffset
        if dataBytes > 0 {
            for i in 0..<16 {
                let offset = dataOffset + dataBytes / 16 * i
                h = tk_checksum64(storage.base + offset, min(4096, storage.count - offset), h)
            }
        }
        return h
    }()

    public func releasePages(ofTensor name: String) {
        guard let info = tensorInfo(name) else { return }
        storage.releasePages(offset: info.fileOffset, count: info.byteCount)
    }

    /// Like `tensor(_:)` but also checks the dims (ne[0] first).
    public func tensor(_ name: String, dims expected: [Int]) throws -> GGUFTensor {
        let t = try tensor(name)
        guard t.dims == expected else {
            throw InferenceError.badTensorShape(path: path, tensor: name, expected: "dims \(expected)", found: "dims \(t.dims)")
        }
        return t
    }
}
