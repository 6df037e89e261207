import Foundation
import Testing
import TakumiInference

@Suite("Sampler")
struct SamplerTests {
    static func settings(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                         repetitionPenalty: Float = 1, seed: UInt64 = 1) -> SamplerSettings {
        SamplerSettings(temperature: temperature, topK: topK, topP: topP, minP: minP,
                        repetitionPenalty: repetitionPenalty, seed: seed)
    }

    /// How often each id is drawn in `draws` samples from the same logits.
    static func frequencies(_ logits: [Float], _ settings: SamplerSettings, draws: Int = 20_000) -> [Double] {
        var sampler = Sampler(settings: settings)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws {
            var row = logits
            counts[Int(sampler.sample(&row))] += 1
        }
        return counts.map { Double($0) / Double(draws) }
    }

    @Test("greedy picks the largest logit, the lowest id among ties, never NaN")
    func greedy() {
        var sampler = Sampler(settings: .greedy)
        var logits: [Float] = [0.1, 3, -1, 3, .nan]
        #expect(sampler.sample(&logits) == 1)
        var nanFirst: [Float] = [.nan, -2, -1]
        #expect(sampler.sample(&nanFirst) == 2)
    }

    @Test("the same seed reproduces the same tokens; another seed does not")
    func reproducible() {
        var rng = TestRNG(seed: 3)
        let logits = rng.floats(1000, scale: 3)
        func run(_ seed: UInt64) -> [Int32] {
            var sampler = Sampler(settings: Self.settings(temperature: 1.2, topK: 100, topP: 0.98, seed: seed))
            return (0..<200).map { _ in var row = logits; return sampler.sample(&row) }
        }
        #expect(run(42) == run(42))
        #expect(run(42) != run(43))
        var sampler = Sampler(settings: Self.settings(temperature: 1.2, seed: 42))
        var row = logits
        let first = sampler.sample(&row)
        sampler.reset()
        row = logits
        #expect(sampler.sample(&row) == first)
    }

    @Test("temperature 1 draws tokens with their softmax probabilities")
    func distribution() {
        let probabilities = [0.5, 0.3, 0.2]
        let logits = probabilities.map { Float(log($0)) }
        let observed = Self.frequencies(logits, Self.settings())
        for (p, f) in zip(probabilities, observed) { #expect(abs(p - f) < 0.015, "expected \(p), drew \(f)") }
        // A low temperature sharpens toward the best token.
        let cold = Self.frequencies(logits, Self.settings(temperature: 0.25))
        #expect(cold[0] > 0.85)
    }

    @Test("top-k keeps only the k best tokens")
    func topK() {
        let logits: [Float] = [1, 2, 3, 2.5, 0]
        let observed = Self.frequencies(logits, Self.settings(temperature: 5, topK: 2), draws: 4000)
        #expect(observed[2] > 0 && observed[3] > 0)
        #expect(observed[0] == 0 && observed[1] == 0 && observed[4] == 0)
        let one = Self.frequencies(logits, Self.settings(temperature: 100, topK: 1), draws: 500)
        #expect(one[2] == 1)
    }

    @Test("top-p keeps the smallest set reaching the probability mass")
    func topP() {
        let logits = [0.5, 0.3, 0.15, 0.05].map { Float(log($0)) }
        let observed = Self.frequencies(logits, Self.settings(topP: 0.75), draws: 4000)
        #expect(observed[0] > 0 && observed[1] > 0)
        #expect(observed[2] == 0 && observed[3] == 0)
        #expect(abs(observed[0] - 0.625) < 0.03)   // 0.5 / (0.5 + 0.3)
    }

    @Test("top-p over a large vocabulary without top-k (partial selection) keeps the right tokens")
    func topPLargeVocabulary() {
        var logits = [Float](repeating: -20, count: 5000)
        for (id, p) in [(17, 0.4), (4000, 0.3), (2, 0.2), (999, 0.05)] { logits[id] = Float(log(p)) }
        let observed = Self.frequencies(logits, Self.settings(topP: 0.85), draws: 6000)
        #expect(abs(observed[17] - 0.4 / 0.9) < 0.03)
        #expect(abs(observed[4000] - 0.3 / 0.9) < 0.03)
        #expect(abs(observed[2] - 0.2 / 0.9) < 0.03)
        #expect(abs(observed[17] + observed[4000] + observed[2] - 1) < 1e-12)
    }

    @Test("min-p drops tokens far less likely than the best")
    func minP() {
        let logits = [0.6, 0.3, 0.1].map { Float(log($0)) }
        let observed = Self.frequencies(logits, Self.settings(minP: 0.2), draws: 4000)
        #expect(observed[0] > 0 && observed[1] > 0)
        #expect(observed[2] == 0)
    }

    @Test("repetition penalty lowers recently seen tokens (divides positive, multiplies negative)")
    func repetitionPenalty() {
        var sampler = Sampler(settings: SamplerSettings(temperature: 0, repetitionPenalty: 1.5))
        var logits: [Float] = [2.0, 1.9, -1]
        #expect(sampler.sample(&logits) == 0)      // chosen tokens count as seen
        logits = [2.0, 1.9, -1]
        #expect(sampler.sample(&logits) == 1)      // 2.0 / 1.5 < 1.9
        #expect(logits[0] == Float(2.0) / 1.5)
        sampler.accept(2)
        logits = [2.0, 1.9, -1]
        _ = sampler.sample(&logits)
        #expect(logits[2] == -1.5)
        #expect(logits[1] == Float(1.9) / 1.5)
    }

    @Test("without top-k, tokens far below the best are never drawn; all -infinity falls back to argmax")
    func negligibleTokens() {
        var logits: [Float] = [0, -29, -31, -Float.infinity, .nan]
        let observed = Self.frequencies(logits, Self.settings(temperature: 1), draws: 2000)
        #expect(observed[2] == 0 && observed[3] == 0 && observed[4] == 0)
        // At temperature 4 the window widens to 120 nats, so -31 is a candidate (p ≈ e^-7.75 each).
        var sampler = Sampler(settings: Self.settings(temperature: 4))
        var hot = [Float](repeating: -31, count: 1000)
        hot[0] = 0
        var drawn = Set<Int32>()
        for _ in 0..<200 { var row = hot; drawn.insert(sampler.sample(&row)) }
        #expect(drawn.count > 1)
        var dead = [Float](repeating: -.infinity, count: 4)
        logits = dead
        #expect(Sampler(settings: Self.settings()).sampleCopy(&logits) == 0)
        dead[2] = 1
        #expect(Sampler(settings: Self.settings()).sampleCopy(&dead) == 2)
    }

    @Test("samples from a full 151,936-entry row with every filter on")
    func fullVocabulary() {
        var rng = TestRNG(seed: 9)
        var logits = rng.floats(151_936, scale: 8)
        logits[123_456] = 40
        var sampler = Sampler(settings: SamplerSettings(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05,
                                                        repetitionPenalty: 1.1, seed: 5))
        #expect(sampler.sample(&logits) == 123_456)
        var unlimited = Sampler(settings: Self.settings(temperature: 1, seed: 5))
        var flat = rng.floats(151_936, scale: 1)
        let id = unlimited.sample(&flat)
        #expect(id >= 0 && id < 151_936)
    }
}

extension Sampler {
    /// Samples with a fresh copy of the sampler (for one-off checks in tests).
    func sampleCopy(_ logits: inout [Float]) -> Int32 {
        var copy = self
        return copy.sample(&logits)
    }
}

@Suite("Sampler speed")
struct SamplerSpeedTests {
    @Test("sampling from 151,936 logits takes well under a token's compute time")
    func speed() {
        var rng = TestRNG(seed: 21)
        let row = rng.floats(151_936, scale: 6)
        let configurations: [(String, SamplerSettings)] = [
            ("greedy", .greedy),
            ("temperature 0.7, top-k 40, top-p 0.95, min-p 0.05, penalty 1.1",
             SamplerSettings(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1.1, seed: 1)),
            ("temperature 1, no top-k, top-p 0.95 (flat logits: full sort)",
             SamplerSettings(temperature: 1, topK: 0, topP: 0.95, minP: 0, seed: 1)),
            ("temperature 1, no top-k, no top-p (linear draw)",
             SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0.05, seed: 1)),
        ]
        for (name, settings) in configurations {
            var sampler = Sampler(settings: settings)
            var logits = row
            let rounds = 20
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds {
                logits.withUnsafeMutableBufferPointer { buffer in
                    _ = buffer.initialize(from: row)
                    _ = sampler.sample(buffer)
                }
            }
            let perToken = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(rounds)
            FileHandle.standardError.write(Data(String(format: "sampler: %@: %.3f ms per token\n", name, perToken).utf8))
            #if !DEBUG
            #expect(perToken < 250)   // catches pathological behavior, not a busy machine
            #endif
        }
    }
}

@Suite("LogProbabilities")
struct LogProbabilitiesTests {
    @Test("log-softmax agrees with the direct formula")
    func direct() {
        let logits: [Float] = [1, 2, 3, -4, 0.5]
        let total = logits.map { exp(Double($0)) }.reduce(0, +)
        for (index, logit) in logits.enumerated() {
            let expected = log(exp(Double(logit)) / total)
            #expect(abs(LogProbabilities.logProbability(of: Int32(index), in: logits) - expected) < 1e-9)
        }
        #expect(LogProbabilities.logProbability(of: 9, in: logits) == -.infinity)
    }

    @Test("top-k log-probabilities are the k best, best first, and stable for huge logits")
    func topK() {
        var rng = TestRNG(seed: 11)
        var logits = rng.floats(151_936, scale: 5)
        logits[7] = 1000
        logits[42] = 999
        let top = LogProbabilities.top(5, in: logits)
        #expect(top.count == 5)
        #expect(top[0].id == 7 && top[1].id == 42)
        #expect(abs(top[0].logProbability - (-log(1 + exp(-1.0)))) < 1e-6)
        for pair in zip(top, top.dropFirst()) { #expect(pair.0.logProbability >= pair.1.logProbability) }
        let sorted = logits.enumerated().sorted { $0.element > $1.element }.prefix(5).map { Int32($0.offset) }
        #expect(top.map(\.id) == sorted)
    }

    @Test("the sampler's random numbers are uniform in [0, 1) and seed-determined")
    func random() {
        var a = SamplerRandom(seed: 0), b = SamplerRandom(seed: 0)
        var sum = 0.0
        for _ in 0..<10_000 {
            let x = a.nextUnitDouble()
            #expect(x >= 0 && x < 1)
            #expect(x == b.nextUnitDouble())
            sum += x
        }
        #expect(abs(sum / 10_000 - 0.5) < 0.02)
    }
}
