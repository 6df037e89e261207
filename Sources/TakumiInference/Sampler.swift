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
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        applyRepetitionPenalty(logits)
        let chosen: Int32
        if settings.temperature <= 0 {
            chosen = Self.argmax(UnsafeBufferPointer(logits))
        } else {
            chosen = sampleWithTemperature(UnsafeBufferPointer(logits))
        }
        accept(chosen)
        return chosen
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
            logits[Int(id)] = logit > 0 ? logit / penalty : logit * penalty
        }
    }

    private mutating func sampleWithTemperature(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        collectCandidates(logits)
        guard let best = candidates.first else { return Self.argmax(logits) }

        // Probabilities before temperature, as llama.cpp filters (candidates are sorted).
        weights.removeAll(keepingCapacity: true)
        var total = 0.0
        for candidate in candidates {
            let weight = exp(Double(candidate.logit - best.logit))
            weights.append(weight)
            total += weight
        }

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

    /// Fills `candidates` with the top-k tokens (or every finite-logit token when top-k is
    /// off), best first.
    private mutating func collectCandidates(_ logits: UnsafeBufferPointer<Float>) {
        candidates.removeAll(keepingCapacity: true)
        if settings.topK > 0 && settings.topK < logits.count {
            selection.reset()
            for index in 0..<logits.count { selection.offer(id: Int32(index), logit: logits[index]) }
            candidates.append(contentsOf: selection.sortedDescending())
        } else {
            // Without top-k, skip tokens so unlikely they can never matter: those whose
            // probability relative to the best is below e^-30 both before and after
            // temperature. Together they hold < 151,936 * e^-30 < 2e-8 of the mass, and
            // skipping them avoids sorting the whole vocabulary for every token.
            let maximum = Self.maximumLogit(logits)
            let cutoff = maximum - Self.negligibleLogitGap * max(1, settings.temperature)
            for index in 0..<logits.count where logits[index] >= cutoff && logits[index] > -Float.infinity {
                candidates.append(TopKSelection.Candidate(id: Int32(index), logit: logits[index]))
            }
            candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        }
    }
}
