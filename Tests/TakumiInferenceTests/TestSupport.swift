import Foundation
import Testing
import TakumiInference

/// Where the real default model is, honoring TAKUMI_HOME, and whether tests must have it.
enum RealModel {
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        let home = env["TAKUMI_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache/takumi")
        return home + "/models/qwen2.5-coder-0.5b-instruct.gguf"
    }

    static var required: Bool { ProcessInfo.processInfo.environment["TAKUMI_REQUIRE_MODEL"] == "1" }

    /// The model path when present; nil (skip) when absent, unless TAKUMI_REQUIRE_MODEL=1,
    /// in which case a missing model records a test failure.
    static func pathOrSkip() -> String? {
        if FileManager.default.fileExists(atPath: path) { return path }
        if required { Issue.record("TAKUMI_REQUIRE_MODEL=1 but the model is missing at \(path)") }
        return nil
    }

    static var available: Bool { FileManager.default.fileExists(atPath: path) || required }
}

/// A deterministic pseudo-random generator (SplitMix64) so test data is reproducible.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// Uniform in [-scale, scale).
    mutating func float(_ scale: Float = 1) -> Float {
        (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in float(scale) } }
}
