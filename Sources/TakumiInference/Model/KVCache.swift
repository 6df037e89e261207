import CKernels

/// Keys and values of every layer for positions 0..<capacity, float32.
/// Per layer, keys are stored transposed in blocks of 64 positions (tk_ops.h: kv_heads,
/// blocks, head_dim, 64), so attention scores over many positions are plain vector FMAs on
/// contiguous memory; values are (capacity, kv_heads * head_dim), one row per position, so
/// the v projection writes new rows in place.
final class KVCache {
    let capacity: Int
    let rowWidth: Int
    let headDim: Int
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    /// `rowWidth` = kv heads * `headDim`.
    init(layers: Int, capacity: Int, rowWidth: Int, headDim: Int) {
        self.capacity = capacity
        self.rowWidth = rowWidth
        self.headDim = headDim
        let keyFloats = Int(tk_key_cache_floats(Int64(rowWidth / headDim), Int64(headDim), Int64(capacity)))
        // Large allocations are mapped lazily by the OS: pages never written cost no memory.
        keys = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: keyFloats) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity * rowWidth) }
    }

    var byteCount: Int {
        let keyFloats = Int(tk_key_cache_floats(Int64(rowWidth / headDim), Int64(headDim), Int64(capacity)))
        return keys.count * (keyFloats + capacity * rowWidth) * MemoryLayout<Float>.size
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }
}
