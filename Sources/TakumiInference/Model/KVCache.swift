/// Keys and values of every layer for positions 0..<capacity, float32.
/// Per layer, keys are stored transposed, (kv_heads, head_dim, capacity), so attention
/// scores over many positions are plain vector FMAs; values are (capacity, kv_heads *
/// head_dim), one row per position, so the v projection writes new rows in place.
final class KVCache {
    let capacity: Int
    let rowWidth: Int
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    init(layers: Int, capacity: Int, rowWidth: Int) {
        self.capacity = capacity
        self.rowWidth = rowWidth
        // Large allocations are mapped lazily by the OS: pages never written cost no memory.
        keys = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity * rowWidth) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity * rowWidth) }
    }

    var byteCount: Int { 2 * keys.count * capacity * rowWidth * MemoryLayout<Float>.size }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }
}
