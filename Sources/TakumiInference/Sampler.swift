import Foundation

/// How the next token is chosen from a row of logits.
public struct SamplerSettings: Equatable, Sendable {
    /// 0 (or less) means greedy: always the most likely token.
    public var temperature: Float = 0
    /// Keep only the k most likely tokens (0: no limit).
    public var topK: Int = 40
    /// Keep the most likely tokens whose probabilities add up to p (1: no limit).
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP times the most likely one (0: no limit).
    public var minP: Float = 0.05
    /// Divides positive logits (multiplies negative ones) of recently seen tokens (1: off).
    public var repetitionPenalty: Float = 1.0
    /// How many recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int = 64
    public var seed: UInt64 = 0

    public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1.0, repetitionWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
    }

    public static let greedy = SamplerSettings()
}

/// Chooses tokens from logits: repetition penalty, then top-k, top-p and min-p filtering,
/// then temperature, then a draw from the remaining distribution (llama.cpp's order).
/// Greedy when the temperature is 0. Reproducible: the same settings, seed and logits give
/// the same tokens.
///
/// Works on the caller's logits buffer (151,936 floats for Qwen2) and keeps its scratch
/// buffers between calls, so sampling a token allocates nothing vocabulary-sized.
public struct Sampler {
    public let settings: SamplerSettings
    private var random: SamplerRandom
    /// The last `repetitionWindow` accepted tokens, oldest first.
    private var recentTokens: [Int32] = []
    private var selection: TopKSelection
    /// Scratch for the candidates that survive filtering (id, logit) and their weights.
    private var candidates: [TopKSelection.Candidate] = []
    private var weights: [Double] = []
    private var penalized: Set<Int32> = []
    /// Raw logits of the tokens the current `choose` call changed (penalized or masked).
    private var originalLogits: [Int32: Float] = [:]

    public init(settings: SamplerSettings = .greedy) {
        self.settings = settings
        self.random = SamplerRandom(seed: settings.seed)
        self.selection = TopKSelection(capacity: settings.topK > 0 ? settings.topK : 0)
    }

    /// Records a token as generated (or part of the prompt) for the repetition penalty.
    /// `sample` records the tokens it returns itself.
    public mutating func accept(_ id: Int32) {
        guard settings.repetitionPenalty != 1, settings.repetitionWindow > 0 else { return }
        recentTokens.append(id)
        if recentTokens.count > settings.repetitionWindow {
            recentTokens.removeFirst(recentTokens.count - settings.repetitionWindow)
        }
    }

    /// Forgets the recent tokens and restarts the random sequence from the seed.
    public mutating func reset() {
        recentTokens.removeAll()
        random = SamplerRandom(seed: settings.seed)
    }

    /// Chooses the next token. The repetition penalty is applied to `logits` in place.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        choose(logits).token
    }

    /// A chosen token and what is known about how it was chosen.
    public struct Choice: Equatable, Sendable {
        public var token: Int32
        /// log p(token) under softmax of the raw logits at temperature 1 (before the
        /// repetition penalty, filtering and temperature): comparable across sampling
        /// settings, so candidates can be ranked by it. nil unless asked for.
        public var logProbability: Double?
        /// False when a constraint was given and no candidate it was asked about passed,
        /// so the unconstrained choice was taken.
        public var satisfiedConstraint: Bool
    }

    /// Chooses the next token, optionally constrained. `logits` may be changed in place (the
    /// repetition penalty; rejected tokens are masked with -infinity when sampling).
    ///
    /// With `isAllowed`: greedy walks the tokens in descending logit order (after the penalty)
    /// and takes the first accepted one among the best `maxCandidates`; sampling draws, and
    /// while a draw is rejected masks it and draws again, `maxCandidates` draws in all.
    /// When nothing is accepted, the unconstrained choice (the best token, or the first
    /// draw) is taken and `satisfiedConstraint` is false.
    public mutating func choose(_ logits: UnsafeMutableBufferPointer<Float>, logProbability: Bool = false,
                                maxCandidates: Int = 64, allowing isAllowed: ((Int32) -> Bool)? = nil) -> Choice {
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        let logNormalizer = logProbability ? LogProbabilities.logSumExp(UnsafeBufferPointer(logits)) : 0
        originalLogits.removeAll(keepingCapacity: true)
        applyRepetitionPenalty(logits)
        let first = unconstrainedChoice(logits)
        var chosen = first
        var satisfied = true
        if let isAllowed, !isAllowed(first) {
            satisfied = false
            if settings.temperature <= 0 {
                collectTop(max(1, maxCandidates), of: UnsafeBufferPointer(logits))
                if let found = candidates.first(where: { $0.id != first && isAllowed($0.id) }) {
                    chosen = found.id
                    satisfied = true
                }
            } else {
                var rejected = first
                for _ in 1..<max(1, maxCandidates) {
                    remember(rejected, in: logits)
                    logits[Int(rejected)] = -.infinity
                    guard Self.maximumLogit(UnsafeBufferPointer(logits)).isFinite else { break }
                    let draw = unconstrainedChoice(logits)
                    if isAllowed(draw) {
                        chosen = draw
                        satisfied = true
                        break
                    }
                    rejected = draw
                }
            }
        }
        accept(chosen)
        let raw = originalLogits[chosen] ?? logits[Int(chosen)]
        return Choice(token: chosen, logProbability: logProbability ? Double(raw) - logNormalizer : nil,
                      satisfiedConstraint: satisfied)
    }

    private mutating func unconstrainedChoice(_ logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        settings.temperature <= 0 ? Self.argmax(UnsafeBufferPointer(logits)) : sampleWithTemperature(UnsafeBufferPointer(logits))
    }

    /// Keeps a token's logit as it was before this call changed it (for its log-probability).
    private mutating func remember(_ id: Int32, in logits: UnsafeMutableBufferPointer<Float>) {
        if originalLogits[id] == nil { originalLogits[id] = logits[Int(id)] }
    }

    public mutating func sample(_ logits: inout [Float]) -> Int32 {
        logits.withUnsafeMutableBufferPointer { sample($0) }
    }

    /// How far below the best logit (in nats, before temperature) a token is negligible.
    static let negligibleLogitGap: Float = 30

    private static func maximumLogit(_ logits: UnsafeBufferPointer<Float>) -> Float {
        var maximum = -Float.infinity
        for logit in logits where logit > maximum { maximum = logit }
        return maximum
    }

    /// The index of the largest logit (the lowest index among equals; NaN never wins).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for index in 0..<logits.count where logits[index] > bestValue {
            bestValue = logits[index]
            best = index
        }
        return Int32(best)
    }

    private mutating func applyRepetitionPenalty(_ logits: UnsafeMutableBufferPointer<Float>) {
        let penalty = settings.repetitionPenalty
        guard penalty != 1, penalty > 0, !recentTokens.isEmpty else { return }
        penalized.removeAll(keepingCapacity: true)
        for id in recentTokens where id >= 0 && Int(id) < logits.count && penalized.insert(id).inserted {
            let logit = logits[Int(id)]
            remember(id, in: logits)
            logits[Int(id)] = logit > 0 ? logit / penalty : logit * penalty
        }
    }

    private mutating func sampleWithTemperature(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        let maximum = Self.maximumLogit(logits)
        guard maximum.isFinite else { return Self.argmax(logits) }

        if settings.topK > 0 && settings.topK < logits.count {
            collectTop(settings.topK, of: logits)
            // llama.cpp renormalizes over the top-k candidates before top-p.
            var total = 0.0
            for candidate in candidates { total += exp(Double(candidate.logit - maximum)) }
            return drawFromSortedCandidates(total: total)
        }

        // No top-k. Tokens whose probability relative to the best is below e^-30 both
        // before and after temperature are skipped: together they hold < 151,936 * e^-30
        // < 2e-8 of the mass, and skipping them saves an exp per vocabulary entry.
        let cutoff = maximum - Self.negligibleLogitGap * max(1, settings.temperature)
        var total = 0.0
        for logit in logits where logit >= cutoff { total += exp(Double(logit - maximum)) }

        if settings.topP >= 1 {
            return drawFromAll(logits, maximum: maximum, cutoff: cutoff)
        }
        // Top-p needs the most likely tokens in order, but only as many as reach the mass:
        // usually the top 64 or 1024 do; only a flat distribution needs a full sort.
        for k in [64, 1024] where k < logits.count {
            collectTop(k, of: logits)
            var mass = 0.0
            for candidate in candidates { mass += exp(Double(candidate.logit - maximum)) }
            if mass >= Double(settings.topP) * total { return drawFromSortedCandidates(total: total) }
        }
        candidates.removeAll(keepingCapacity: true)
        for index in 0..<logits.count where logits[index] >= cutoff {
            candidates.append(TopKSelection.Candidate(id: Int32(index), logit: logits[index]))
        }
        candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        return drawFromSortedCandidates(total: total)
    }

    /// Applies top-p, min-p and temperature to `candidates` (sorted, best first) and draws.
    /// `total` is the pre-temperature mass, relative to the best token, of all tokens in play.
    private mutating func drawFromSortedCandidates(total: Double) -> Int32 {
        guard let best = candidates.first else { return 0 }
        weights.removeAll(keepingCapacity: true)
        for candidate in candidates { weights.append(exp(Double(candidate.logit - best.logit))) }

        var keep = candidates.count
        if settings.topP < 1 {
            // Smallest prefix whose probability mass reaches topP (at least one token).
            var mass = 0.0
            for index in 0..<candidates.count {
                mass += weights[index] / total
                if mass >= Double(settings.topP) {
                    keep = index + 1
                    break
                }
            }
        }
        if settings.minP > 0 {
            // weights are relative to the best token, so p_i / p_max is the weight itself.
            var index = 1
            while index < keep && weights[index] >= Double(settings.minP) { index += 1 }
            keep = index
        }

        // Temperature, then a draw proportional to the tempered probabilities.
        let inverseTemperature = 1 / Double(settings.temperature)
        var temperedTotal = 0.0
        for index in 0..<keep {
            let weight = exp(Double(candidates[index].logit - best.logit) * inverseTemperature)
            weights[index] = weight
            temperedTotal += weight
        }
        let target = random.nextUnitDouble() * temperedTotal
        var cumulative = 0.0
        for index in 0..<keep {
            cumulative += weights[index]
            if target < cumulative { return candidates[index].id }
        }
        return candidates[keep - 1].id
    }

    /// Draws from every token at or above `cutoff` and min-p, by tempered probability, in
    /// two linear passes (no sorting is needed without top-k and top-p).
    private mutating func drawFromAll(_ logits: UnsafeBufferPointer<Float>, maximum: Float, cutoff: Float) -> Int32 {
        let floor = settings.minP > 0 ? max(cutoff, maximum + log(settings.minP)) : cutoff
        let inverseTemperature = 1 / Double(settings.temperature)
        var temperedTotal = 0.0
        for logit in logits where logit >= floor {
            temperedTotal += exp(Double(logit - maximum) * inverseTemperature)
        }
        let target = random.nextUnitDouble() * temperedTotal
        var cumulative = 0.0
        var last = Self.argmax(logits)
        for index in 0..<logits.count where logits[index] >= floor {
            cumulative += exp(Double(logits[index] - maximum) * inverseTemperature)
            last = Int32(index)
            if target < cumulative { return last }
        }
        return last
    }

    /// Fills `candidates` with the `k` best tokens, best first (ties: lower id first).
    private mutating func collectTop(_ k: Int, of logits: UnsafeBufferPointer<Float>) {
        if selection.capacity != k { selection = TopKSelection(capacity: k) }
        selection.reset()
        for index in 0..<logits.count { selection.offer(id: Int32(index), logit: logits[index]) }
        candidates.removeAll(keepingCapacity: true)
        candidates.append(contentsOf: selection.sortedDescending())
        // -infinity logits can fill a selection larger than the finite tokens; drop them.
        while let last = candidates.last, last.logit == -.infinity, candidates.count > 1 { candidates.removeLast() }
    }
}
