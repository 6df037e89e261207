import CKernels

/// Keys and values of every layer for positions 0..<capacity, as IEEE half floats (the bits,
/// `UInt16`): half the memory and half the bytes attention streams per position compared with
/// float32, the same storage as llama.cpp's default cache; attention widens them to float.
/// Per layer, keys are stored transposed in blocks of 64 positions (tk_ops.h: kv_heads,
/// blocks, head_dim, 64), so attention scores over many positions are plain vector FMAs on
/// contiguous memory; values are (capacity, kv_heads * head_dim), one row per position.
final class KVCache {
    let capacity: Int
    let rowWidth: Int
    let headDim: Int
    let keys: [UnsafeMutablePointer<UInt16>]
    let values: [UnsafeMutablePointer<UInt16>]

    /// `rowWidth` = kv heads * `headDim`.
    init(layers: Int, capacity: Int, rowWidth: Int, headDim: Int) {
        self.capacity = capacity
        self.rowWidth = rowWidth
        self.headDim = headDim
        let keyElements = Self.keyElements(rowWidth: rowWidth, headDim: headDim, capacity: capacity)
        // Large allocations are mapped lazily by the OS: pages never written cost no memory.
        keys = (0..<layers).map { _ in UnsafeMutablePointer<UInt16>.allocate(capacity: keyElements) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<UInt16>.allocate(capacity: capacity * rowWidth) }
    }

    var byteCount: Int {
        let keyElements = Self.keyElements(rowWidth: rowWidth, headDim: headDim, capacity: capacity)
        return keys.count * (keyElements + capacity * rowWidth) * MemoryLayout<UInt16>.size
    }

    private static func keyElements(rowWidth: Int, headDim: Int, capacity: Int) -> Int {
        Int(tk_key_cache_elements(Int64(rowWidth / headDim), Int64(headDim), Int64(capacity)))
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }
}
