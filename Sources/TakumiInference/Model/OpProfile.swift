import Foundation

/// Where forward-pass time goes, per kind of op. Filled only when profiling is on (the
/// bench command turns it on); otherwise recording costs one branch per op.
public struct OpProfile: Sendable {
    public enum Op: Int, CaseIterable, Sendable {
        case embedding, norm, qkvMatmul, biasRope, attention, outputMatmul, gateUpMatmul, siluMul
        case downMatmul, residualAdd, lmHead

        public var label: String {
            switch self {
            case .embedding: return "embedding lookup"
            case .norm: return "rmsnorm"
            case .qkvMatmul: return "q/k/v matmul"
            case .biasRope: return "bias + rotary"
            case .attention: return "attention"
            case .outputMatmul: return "attn output matmul"
            case .gateUpMatmul: return "ffn gate/up matmul"
            case .siluMul: return "silu * up"
            case .downMatmul: return "ffn down matmul"
            case .residualAdd: return "residual add"
            case .lmHead: return "lm head (+ final norm)"
            }
        }
    }

    public private(set) var seconds: [Double] = Array(repeating: 0, count: Op.allCases.count)

    public init() {}

    public subscript(op: Op) -> Double { seconds[op.rawValue] }
    public var total: Double { seconds.reduce(0, +) }

    mutating func add(_ op: Op, _ s: Double) { seconds[op.rawValue] += s }
    public mutating func reset() { seconds = Array(repeating: 0, count: Op.allCases.count) }
}

/// Monotonic seconds.
@inline(__always) func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
