/// Where a tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Equatable, Sendable {
    public var name: String
    public var type: GGMLType
    /// ne[0] first: the contiguous (input) dimension. A weight with dims [in, out] is
    /// `out` rows of `in` values.
    public var dims: [Int]
    /// Offset of the data relative to the start of the data section.
    public var relativeOffset: UInt64
    /// Absolute offset of the data in the file.
    public var fileOffset: Int
    public var byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    /// Number of rows (product of all dims but the first).
    public var rowCount: Int { dims.dropFirst().reduce(1, *) }
    public var rowLength: Int { dims.first ?? 1 }
}

/// A tensor's metadata plus a pointer to its bytes inside the mapping. The pointer is valid
/// as long as the `GGUFFile` it came from is alive.
public struct GGUFTensor: @unchecked Sendable {
    public let info: GGUFTensorInfo
    public let data: UnsafeRawPointer

    public var name: String { info.name }
    public var type: GGMLType { info.type }
    public var dims: [Int] { info.dims }
    public var byteCount: Int { info.byteCount }
}
