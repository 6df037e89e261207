import Foundation
import Testing
import TakumiInference

/// Stopping a prefill from its progress callback, decoding constraints and token
/// log-probabilities, on tiny random models with the byte-level tiny vocabulary.
@Suite("Generator: cancellation inside prefill, constraints, log-probabilities")
struct GeneratorControlTests {
    static func makeGenerator(layers: Int = 2, context: Int = 512) throws -> Generator {
        let file = try GGUFFile(bytes: TinyModel(layers: layers, seed: 3, withTokenizer: true).bytes(), name: "tiny-tok.gguf")
        return try Generator(model: Model(file: file), tokenizer: Tokenizer(gguf: file), contextLength: context, threads: 2)
    }

    static let prompt = "def add(a, b):\n    return"

    func generate(_ g: Generator, _ prompt: String = prompt, options: Generator.Options,
                  settings: SamplerSettings = .greedy) throws -> Generator.Output {
        var sampler = Sampler(settings: settings)
        return try g.generate(promptTokens: g.tokenizer.encode(prompt), options: options, sampler: &sampler)
    }

    // MARK: - Cancellation

    @Test func stoppingFromTheProgressCallbackEndsThePrefillAfterThatLayer() throws {
        let g = try Self.makeGenerator(layers: 4, context: 1024)
        // 600 prompt tokens: three chunks (256, 256, 88) of 4 layers each.
        let prompt = String(repeating: "x = y + 1\n", count: 60)
        let tokens = g.tokenizer.encode(prompt)
        try #require(tokens.count == 600)
        var calls: [Int] = []
        var sampler = Sampler(settings: .greedy)
        // Stop after the 2nd layer of the 2nd chunk: the 6th call.
        let out = try g.generate(promptTokens: tokens, options: .init(maxTokens: 8), sampler: &sampler,
                                 onPrefill: { done, _ in calls.append(done); return calls.count < 6 })
        #expect(calls == [64, 128, 192, 256, 320, 384], "progress after every layer, nothing after the stop")
        #expect(out.finishReason == .cancelled)
        #expect(out.tokens.isEmpty && out.text.isEmpty)
        // The finished first chunk stays cached; the chunk in flight is dropped.
        #expect(g.session.tokens == Array(tokens.prefix(256)))

        // The state is usable: the next request equals one on a fresh generator, and reuses the chunk.
        let again = try generate(g, prompt, options: .init(maxTokens: 8))
        let fresh = try generate(try Self.makeGenerator(layers: 4, context: 1024), prompt, options: .init(maxTokens: 8))
        #expect(again.reusedPromptTokens == 256)
        #expect(again.tokens == fresh.tokens)
        #expect(again.text == fresh.text)
        #expect(again.finishReason == fresh.finishReason)
    }

    @Test func stoppingBeforeTheFirstChunkEndsCachesNothingNew() throws {
        let g = try Self.makeGenerator()
        _ = try generate(g, options: .init(maxTokens: 4))
        let cached = g.session.tokens
        var sampler = Sampler(settings: .greedy)
        let longer = g.tokenizer.encode(Self.prompt + " a + b")
        let out = try g.generate(promptTokens: longer, options: .init(maxTokens: 4), sampler: &sampler,
                                 onPrefill: { _, _ in false })
        #expect(out.finishReason == .cancelled)
        #expect(out.reusedPromptTokens >= g.tokenizer.encode(Self.prompt).count - 1)
        #expect(g.session.tokens.count == out.reusedPromptTokens)
        #expect(Array(cached.prefix(g.session.tokens.count)) == g.session.tokens)
    }

    // MARK: - Constraints

    /// Allows only answers that stay a substring of `text` (the SEARCH-block use case).
    static func substring(of text: String) -> (_ generated: [UInt8], _ candidate: [UInt8]) -> Bool {
        let haystack = Array(text.utf8)
        return { generated, candidate in
            let needle = generated + candidate
            guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
            for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
                return true
            }
            return false
        }
    }

    @Test func greedyConstraintTakesTheBestAllowedTokenEveryStep() throws {
        let g = try Self.makeGenerator()
        let allowed = "    return a + b\n\ndef sub(a, b):\n    return a - b\n"
        let vocabulary = g.tokenizer.vocabularySize
        let out = try generate(g, options: .init(maxTokens: 24, draftTokens: 0, acceptCandidate: Self.substring(of: allowed),
                                                 constraintCandidates: vocabulary))
        #expect(out.unconstrainedTokens == 0, "control tokens (empty bytes) are always allowed, so a candidate always passes")
        #expect(allowed.contains(out.text), "\(out.text.debugDescription) is not a substring of the allowed text")

        // Each token is the most likely allowed one, checked against teacher-forced logits.
        let promptTokens = g.tokenizer.encode(Self.prompt)
        let check = try InferenceSession(model: g.model, contextLength: 512, threads: 2)
        let rows = try check.evaluateAllLogits(promptTokens + out.tokens.dropLast())
        let accept = Self.substring(of: allowed)
        var bytes: [UInt8] = []
        for (i, token) in out.tokens.enumerated() {
            let row = Array(rows[((promptTokens.count - 1 + i) * vocabulary)..<((promptTokens.count + i) * vocabulary)])
            func bytesOf(_ t: Int32) -> [UInt8] { g.tokenizer.isControl(t) ? [] : g.tokenizer.tokenBytes(t) }
            var best: Int32 = -1
            var bestLogit = -Float.infinity
            for candidate in 0..<vocabulary where row[candidate] > bestLogit && accept(bytes, bytesOf(Int32(candidate))) {
                best = Int32(candidate)
                bestLogit = row[candidate]
            }
            #expect(token == best, "step \(i)")
            bytes += bytesOf(token)
        }
    }

    @Test func constraintChangesTheAnswerWhenItRejectsTheFirstChoice() throws {
        let g = try Self.makeGenerator()
        let plain = try generate(g, options: .init(maxTokens: 6, draftTokens: 0))
        let firstBytes = g.tokenizer.tokenBytes(try #require(plain.tokens.first))
        let out = try generate(try Self.makeGenerator(), options: .init(
            maxTokens: 6, draftTokens: 0, acceptCandidate: { generated, candidate in !(generated.isEmpty && candidate == firstBytes) }))
        #expect(out.tokens.first != plain.tokens.first)
        #expect(out.unconstrainedTokens == 0)
    }

    @Test func whenNothingIsAllowedTheUnconstrainedChoiceIsTaken() throws {
        let g = try Self.makeGenerator()
        let plain = try generate(g, options: .init(maxTokens: 5, draftTokens: 0))
        let out = try generate(try Self.makeGenerator(), options: .init(maxTokens: 5, draftTokens: 0,
                                                                       acceptCandidate: { _, _ in false }))
        #expect(out.tokens == plain.tokens)
        #expect(out.unconstrainedTokens == out.tokens.count)
    }

    @Test func sampledConstraintRedrawsAndIsReproducible() throws {
        // Full-vocabulary sampling: the random tiny model draws non-ASCII bytes often.
        let settings = SamplerSettings(temperature: 1.0, topK: 0, topP: 1, minP: 0, seed: 11)
        let printable: (_ generated: [UInt8], _ candidate: [UInt8]) -> Bool = { _, candidate in
            candidate.allSatisfy { (0x20...0x7e).contains($0) }
        }
        func run(_ accept: ((_ generated: [UInt8], _ candidate: [UInt8]) -> Bool)?) throws -> Generator.Output {
            try generate(try Self.makeGenerator(), options: .init(maxTokens: 40, acceptCandidate: accept), settings: settings)
        }
        let free = try run(nil)
        #expect(free.text.unicodeScalars.contains { !(0x20...0x7e).contains($0.value) },
                "the seed must give a non-ASCII answer without the constraint: \(free.text.debugDescription)")
        let a = try run(printable), b = try run(printable)
        #expect(a.tokens == b.tokens)
        #expect(a.unconstrainedTokens == 0)
        #expect(a.text.unicodeScalars.allSatisfy { (0x20...0x7e).contains($0.value) }, "\(a.text.debugDescription)")
    }

    @Test func draftsPassTheConstraintAndSpeculationKeepsTheAnswer() throws {
        let prompt = String(repeating: "abc abd abc ", count: 6)
        var asked = 0
        let noD: (_ generated: [UInt8], _ candidate: [UInt8]) -> Bool = { _, candidate in
            asked += 1
            return !candidate.contains(UInt8(ascii: "d"))
        }
        func run(draft: Int) throws -> Generator.Output {
            try generate(try Self.makeGenerator(), prompt, options: .init(maxTokens: 48, draftTokens: draft, acceptCandidate: noD))
        }
        let plain = try run(draft: 0)
        let speculative = try run(draft: 8)
        #expect(speculative.draftedTokens > 0)
        #expect(speculative.tokens == plain.tokens)
        #expect(!speculative.text.contains("d"))
        #expect(asked > 0)
    }

    // MARK: - Log-probabilities

    @Test func tokenLogProbabilitiesMatchTeacherForcedLogits() throws {
        let g = try Self.makeGenerator()
        let out = try generate(g, String(repeating: "abc abd abc ", count: 4), options: .init(maxTokens: 20, logProbabilities: true))
        #expect(out.tokenLogProbabilities.count == out.tokens.count)
        #expect(out.acceptedDraftTokens > 0, "the speculative rows must be covered too")
        let promptTokens = g.tokenizer.encode(String(repeating: "abc abd abc ", count: 4))
        let check = try InferenceSession(model: g.model, contextLength: 512, threads: 2)
        let v = g.tokenizer.vocabularySize
        let rows = try check.evaluateAllLogits(promptTokens + out.tokens.dropLast())
        for (i, token) in out.tokens.enumerated() {
            let row = Array(rows[((promptTokens.count - 1 + i) * v)..<((promptTokens.count + i) * v)])
            let want = LogProbabilities.logProbability(of: token, in: row)
            #expect(abs(out.tokenLogProbabilities[i] - want) < 1e-3, "token \(i): \(out.tokenLogProbabilities[i]) vs \(want)")
            // Greedy: the chosen token is the most likely one.
            #expect(abs(out.tokenLogProbabilities[i] - LogProbabilities.top(1, in: row)[0].logProbability) < 1e-3)
        }
        let mean = try #require(out.meanLogProbability)
        #expect(abs(mean - out.tokenLogProbabilities.reduce(0, +) / Double(out.tokens.count)) < 1e-12)
        let off = try generate(try Self.makeGenerator(), options: .init(maxTokens: 5))
        #expect(off.tokenLogProbabilities.isEmpty && off.meanLogProbability == nil)
    }

    @Test func logProbabilityIgnoresTheRepetitionPenalty() {
        var sampler = Sampler(settings: SamplerSettings(repetitionPenalty: 2))
        sampler.accept(2)
        var logits: [Float] = [1, 2, 3]
        let choice = logits.withUnsafeMutableBufferPointer { sampler.choose($0, logProbability: true) }
        // The penalty halves token 2's logit (3 -> 1.5), so greedy takes token 1, whose
        // log-probability is taken under the raw logits.
        #expect(choice.token == 1)
        let raw: [Float] = [1, 2, 3]
        #expect(abs(choice.logProbability! - LogProbabilities.logProbability(of: 1, in: raw)) < 1e-6)
        #expect(choice.satisfiedConstraint)
    }

    @Test func logSumExpMatchesADoubleReference() {
        var rng = TestRNG(seed: 5)
        let row = rng.floats(151_936, scale: 12)
        let reference = { () -> Double in
            let m = Double(row.max()!)
            return m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
        }()
        let got = row.withUnsafeBufferPointer { LogProbabilities.logSumExp($0) }
        #expect(abs(got - reference) < 1e-5)
        #expect([Float]().withUnsafeBufferPointer { LogProbabilities.logSumExp($0) } == -.infinity)
    }
}
