import CKernels
import Foundation

/// Log-softmax helpers over a logits row (for comparing with llama.cpp's top-5
/// log-probabilities, for generated tokens' log-probabilities and `--json` reports).
public enum LogProbabilities {
    /// log(sum(exp(logits))), computed stably around the maximum.
    public static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Double {
        guard let base = logits.baseAddress else { return -.infinity }
        return tk_log_sum_exp(base, Int64(logits.count))
    }

    /// log p(id) under softmax(logits); -infinity for an id outside the row.
    public static func logProbability(of id: Int32, in logits: UnsafeBufferPointer<Float>) -> Double {
        guard id >= 0, Int(id) < logits.count else { return -.infinity }
        return Double(logits[Int(id)]) - logSumExp(logits)
    }

    /// The `k` most likely ids with their log-probabilities, most likely first (ties: lower
    /// id first). Uses a k-sized selection, not a sort of the whole row.
    public static func top(_ k: Int, in logits: UnsafeBufferPointer<Float>) -> [(id: Int32, logProbability: Double)] {
        let normalizer = logSumExp(logits)
        var selection = TopKSelection(capacity: k)
        for index in 0..<logits.count { selection.offer(id: Int32(index), logit: logits[index]) }
        return selection.sortedDescending().map { ($0.id, Double($0.logit) - normalizer) }
    }

    public static func logProbability(of id: Int32, in logits: [Float]) -> Double {
        logits.withUnsafeBufferPointer { logProbability(of: id, in: $0) }
    }

    public static func top(_ k: Int, in logits: [Float]) -> [(id: Int32, logProbability: Double)] {
        logits.withUnsafeBufferPointer { top(k, in: $0) }
    }
}

/// Keeps the `capacity` largest (logit, id) pairs seen, in a min-heap, so selecting the top
/// k of a 151,936-entry row costs O(n log k) and allocates only k entries.
struct TopKSelection {
    struct Candidate: Equatable {
        var id: Int32
        var logit: Float
    }

    let capacity: Int
    private(set) var heap: [Candidate] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        heap.reserveCapacity(self.capacity)
    }

    /// Orders candidates: a higher logit ranks higher; among equal logits the lower id does.
    private static func ranksBelow(_ a: Candidate, _ b: Candidate) -> Bool {
        a.logit != b.logit ? a.logit < b.logit : a.id > b.id
    }

    mutating func reset() { heap.removeAll(keepingCapacity: true) }

    mutating func offer(id: Int32, logit: Float) {
        guard capacity > 0, !logit.isNaN else { return }
        let candidate = Candidate(id: id, logit: logit)
        if heap.count < capacity {
            heap.append(candidate)
            siftUp(heap.count - 1)
        } else if Self.ranksBelow(heap[0], candidate) {
            heap[0] = candidate
            siftDown(0)
        }
    }

    /// The kept candidates, best first.
    func sortedDescending() -> [Candidate] {
        heap.sorted { Self.ranksBelow($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.ranksBelow(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && Self.ranksBelow(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.ranksBelow(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
