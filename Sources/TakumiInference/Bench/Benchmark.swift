import Foundation

/// llama-bench style measurement: one prefill of `promptTokens` tokens of real source text,
/// then `generateTokens` greedy decode steps, on a fresh cache.
public struct Benchmark {
    public struct Result: Sendable {
        public var promptTokens: Int
        public var generatedTokens: Int
        public var threads: Int
        public var prefillSeconds: Double
        public var decodeSeconds: Double
        /// Seconds per op kind over the whole run (prefill + decode), when profiled.
        public var prefillProfile: OpProfile
        public var decodeProfile: OpProfile
        public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
        public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
    }

    public let model: Model
    public let tokenizer: Tokenizer

    public init(model: Model, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// The first `count` tokens of the bench text (repeated as needed).
    public func promptTokens(_ count: Int) -> [Int32] {
        let piece = tokenizer.encode(BenchText.source, parseSpecial: false)
        guard !piece.isEmpty else { return [] }
        var out: [Int32] = []
        while out.count < count { out += piece }
        return Array(out.prefix(count))
    }

    public func run(promptTokens: Int, generateTokens: Int, threads: Int, profile: Bool) throws -> Result {
        let session = try InferenceSession(model: model, contextLength: max(16, promptTokens + generateTokens + 1),
                                           threads: threads)
        let prompt = self.promptTokens(promptTokens)
        session.profilingEnabled = profile
        let t0 = monotonicSeconds()
        try session.evaluate(prompt)
        let prefill = monotonicSeconds() - t0
        let prefillProfile = session.profile
        session.resetProfile()

        var next = Sampler.argmax(session.lastLogits)
        let t1 = monotonicSeconds()
        for _ in 0..<generateTokens {
            try session.evaluate(token: next)
            next = Sampler.argmax(session.lastLogits)
        }
        let decode = monotonicSeconds() - t1
        return Result(promptTokens: prompt.count, generatedTokens: generateTokens, threads: threads,
                      prefillSeconds: prefill, decodeSeconds: decode,
                      prefillProfile: prefillProfile, decodeProfile: session.profile)
    }
}
