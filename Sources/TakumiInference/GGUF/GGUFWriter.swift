import Foundation

/// Writes GGUF v3 files. Used by tests to build tiny models, and by anyone who needs to
/// produce a GGUF from Swift. Tensor bytes must already be in the tensor's type
/// (quantize with the kernels' `tk_quantize_row` first).
public struct GGUFWriter {
    public var alignment: Int
    private var entries: [(String, GGUFValue)] = []
    private var tensors: [(name: String, type: GGMLType, dims: [Int], bytes: [UInt8])] = []

    public init(alignment: Int = 32) {
        self.alignment = alignment
    }

    /// Sets a metadata value (replacing an earlier one with the same key, keeping its place).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = entries.firstIndex(where: { $0.0 == key }) {
            entries[i].1 = value
        } else {
            entries.append((key, value))
        }
    }

    /// Adds a tensor. `dims` has ne[0] (the contiguous dimension) first; `bytes` must hold
    /// exactly the tensor's data in `type`.
    public mutating func addTensor(name: String, type: GGMLType, dims: [Int], bytes: [UInt8]) throws {
        guard let rowBytes = type.rowBytes(dims.first ?? 0), !dims.isEmpty else {
            throw InferenceError.badTensorInfo(path: "<writer>", tensor: name, reason: "row length \(dims.first ?? 0) is not a multiple of the \(type) block size")
        }
        let expected = rowBytes * dims.dropFirst().reduce(1, *)
        guard bytes.count == expected else {
            throw InferenceError.badTensorInfo(path: "<writer>", tensor: name, reason: "has \(bytes.count) bytes, \(type) \(dims) needs \(expected)")
        }
        tensors.append((name, type, dims, bytes))
    }

    /// Adds an F32 tensor from floats.
    public mutating func addTensor(name: String, dims: [Int], floats: [Float]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * 4)
        for f in floats { appendLE(&bytes, f.bitPattern) }
        try addTensor(name: name, type: .f32, dims: dims, bytes: bytes)
    }

    /// The complete file.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        appendLE(&out, UInt32(3))
        appendLE(&out, UInt64(tensors.count))
        var meta = entries
        if alignment != 32, !meta.contains(where: { $0.0 == "general.alignment" }) {
            meta.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        appendLE(&out, UInt64(meta.count))
        for (key, value) in meta {
            appendString(&out, key)
            appendLE(&out, value.type.rawValue)
            appendValue(&out, value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.bytes.count + alignment - 1) / alignment * alignment
        }
        for (t, off) in zip(tensors, offsets) {
            appendString(&out, t.name)
            appendLE(&out, UInt32(t.dims.count))
            for d in t.dims { appendLE(&out, UInt64(d)) }
            appendLE(&out, t.type.rawValue)
            appendLE(&out, UInt64(off))
        }
        pad(&out)
        for t in tensors {
            out.append(contentsOf: t.bytes)
            pad(&out)
        }
        return out
    }

    public func write(to path: String) throws {
        do {
            try Data(bytes()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InferenceError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    private func pad(_ out: inout [UInt8]) {
        let rem = out.count % alignment
        if rem != 0 { out.append(contentsOf: repeatElement(0, count: alignment - rem)) }
    }

    private func appendValue(_ out: inout [UInt8], _ value: GGUFValue) {
        switch value {
        case let .uint8(v): out.append(v)
        case let .int8(v): out.append(UInt8(bitPattern: v))
        case let .uint16(v): appendLE(&out, v)
        case let .int16(v): appendLE(&out, v)
        case let .uint32(v): appendLE(&out, v)
        case let .int32(v): appendLE(&out, v)
        case let .uint64(v): appendLE(&out, v)
        case let .int64(v): appendLE(&out, v)
        case let .float32(v): appendLE(&out, v.bitPattern)
        case let .float64(v): appendLE(&out, v.bitPattern)
        case let .bool(v): out.append(v ? 1 : 0)
        case let .string(s): appendString(&out, s)
        case let .array(a): appendArray(&out, a)
        }
    }

    private func appendArray(_ out: inout [UInt8], _ a: GGUFArray) {
        appendLE(&out, a.elementType.rawValue)
        appendLE(&out, UInt64(a.count))
        switch a {
        case let .uint8(v): out.append(contentsOf: v)
        case let .int8(v): out.append(contentsOf: v.map { UInt8(bitPattern: $0) })
        case let .uint16(v): v.forEach { appendLE(&out, $0) }
        case let .int16(v): v.forEach { appendLE(&out, $0) }
        case let .uint32(v): v.forEach { appendLE(&out, $0) }
        case let .int32(v): v.forEach { appendLE(&out, $0) }
        case let .uint64(v): v.forEach { appendLE(&out, $0) }
        case let .int64(v): v.forEach { appendLE(&out, $0) }
        case let .float32(v): v.forEach { appendLE(&out, $0.bitPattern) }
        case let .float64(v): v.forEach { appendLE(&out, $0.bitPattern) }
        case let .bool(v): out.append(contentsOf: v.map { $0 ? 1 : 0 })
        case let .string(v): v.forEach { appendString(&out, $0) }
        case let .array(v): v.forEach { appendArray(&out, $0) }
        }
    }

    private func appendString(_ out: inout [UInt8], _ s: String) {
        appendLE(&out, UInt64(s.utf8.count))
        out.append(contentsOf: s.utf8)
    }
}

private func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}
