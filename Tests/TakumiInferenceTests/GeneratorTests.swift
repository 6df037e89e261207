import Foundation
import Testing
import TakumiInference

@Suite("Generator on a tiny random model with a tiny vocabulary")
struct GeneratorTests {
    static func makeGenerator(context: Int = 256) throws -> Generator {
        let file = try GGUFFile(bytes: TinyModel(seed: 3, withTokenizer: true).bytes(), name: "tiny-tok.gguf")
        return try Generator(model: Model(file: file), tokenizer: Tokenizer(gguf: file), contextLength: context, threads: 2)
    }

    static let prompt = "def add(a, b):\n    return"

    func run(_ g: Generator, _ prompt: String = prompt, maxTokens: Int = 40, stops: [String] = [],
             stopTokens: Set<Int32> = []) throws -> (Generator.Output, [String]) {
        var pieces: [String] = []
        var sampler = Sampler(settings: .greedy)
        let out = try g.generate(promptTokens: g.tokenizer.encode(prompt),
                                 options: .init(maxTokens: maxTokens, stopStrings: stops, stopTokens: stopTokens),
                                 sampler: &sampler) { piece in pieces.append(piece); return true }
        return (out, pieces)
    }

    @Test func streamsWholeTextAndStopsAtMaxTokens() throws {
        let g = try Self.makeGenerator()
        let (out, pieces) = try run(g, maxTokens: 30)
        #expect(out.tokens.count <= 30)
        if out.finishReason == .maxTokens { #expect(out.tokens.count == 30) }
        #expect(pieces.joined() == out.text)
        #expect(out.text == g.tokenizer.decode(out.tokens.filter { !g.tokenizer.isEndOfGeneration($0) }, skipControl: true))
        #expect(out.promptTokens == g.tokenizer.encode(Self.prompt).count)
        #expect(out.prefillSeconds > 0)
    }

    @Test func stopStringEndsGenerationBeforeIt() throws {
        let g = try Self.makeGenerator()
        let (full, _) = try run(g, maxTokens: 40)
        let chars = Array(full.text)
        try #require(chars.count >= 8, "the tiny model generated too little text: \(full.text.debugDescription)")
        // A stop string that first occurs a few characters in.
        let stop = String(chars[4..<6])
        let firstAt = try #require(full.text.range(of: stop))
        let (out, pieces) = try run(try Self.makeGenerator(), maxTokens: 40, stops: [stop])
        #expect(out.finishReason == .stopString)
        #expect(out.text == String(full.text[..<firstAt.lowerBound]))
        #expect(pieces.joined() == out.text)
        #expect(!pieces.joined().contains(stop))
    }

    @Test func stopTokenEndsTheTurn() throws {
        let g = try Self.makeGenerator()
        let (full, _) = try run(g, maxTokens: 5)
        let first = try #require(full.tokens.first)
        let (out, _) = try run(try Self.makeGenerator(), maxTokens: 5, stopTokens: [first])
        #expect(out.finishReason == .endOfTurn)
        #expect(out.tokens == [first])
        #expect(out.text == "")
    }

    @Test func reusesTheCachedPromptPrefix() throws {
        let g = try Self.makeGenerator()
        let (first, _) = try run(g, maxTokens: 6)
        #expect(first.reusedPromptTokens == 0)
        let longer = Self.prompt + " a + b"
        let (second, _) = try run(g, longer, maxTokens: 12)
        let promptCount = g.tokenizer.encode(Self.prompt).count
        #expect(second.reusedPromptTokens >= promptCount)
        // Same answer as a generator that computed everything from scratch.
        let (fresh, _) = try run(try Self.makeGenerator(), longer, maxTokens: 12)
        #expect(second.tokens == fresh.tokens)
        #expect(second.text == fresh.text)
        // The same prompt again recomputes only its last token.
        let (third, _) = try run(g, longer, maxTokens: 12)
        #expect(third.reusedPromptTokens == g.tokenizer.encode(longer).count - 1)
        #expect(third.tokens == fresh.tokens)
    }

    @Test func cancellingStopsEarly() throws {
        let g = try Self.makeGenerator()
        var sampler = Sampler(settings: .greedy)
        var calls = 0
        let out = try g.generate(promptTokens: g.tokenizer.encode(Self.prompt), options: .init(maxTokens: 40),
                                 sampler: &sampler) { _ in calls += 1; return false }
        if !out.text.isEmpty {
            #expect(out.finishReason == .cancelled)
            #expect(calls == 1)
        }
    }

    @Test func promptLongerThanTheContextIsAClearError() throws {
        let g = try Self.makeGenerator(context: 16)
        #expect(throws: InferenceError.self) { try run(g, String(repeating: "x ", count: 40), maxTokens: 4) }
        do {
            _ = try run(g, String(repeating: "x ", count: 40), maxTokens: 4)
        } catch let e as InferenceError {
            #expect(e.description.contains("KV cache holds 16"))
        }
    }

    @Test func sampledGenerationIsReproducibleForASeed() throws {
        func sample(seed: UInt64) throws -> [Int32] {
            let g = try Self.makeGenerator()
            var sampler = Sampler(settings: SamplerSettings(temperature: 0.9, seed: seed))
            return try g.generate(promptTokens: g.tokenizer.encode(Self.prompt), options: .init(maxTokens: 20),
                                  sampler: &sampler).tokens
        }
        #expect(try sample(seed: 7) == sample(seed: 7))
    }
}

@Suite("Prompt-lookup speculative decoding")
struct SpeculativeDecodingTests {
    @Test func draftsWhatFollowedTheLatestMatch() {
        // ... 5 6 7 8 | 9 ... 5 6 7 -> drafts 8 9 (latest occurrence of the 3-gram 5 6 7).
        #expect(PromptLookup.draft(after: [1, 5, 6, 7, 8, 9, 2, 5, 6, 7], maxTokens: 2) == [8, 9])
        #expect(PromptLookup.draft(after: [1, 5, 6, 7, 8, 9, 2, 5, 6, 7], maxTokens: 10) == [8, 9, 2, 5, 6, 7])
        // Most recent occurrence wins.
        #expect(PromptLookup.draft(after: [4, 4, 1, 4, 4, 2, 4, 4], maxTokens: 1) == [2])
        // Falls back to 2-grams; a lone token is not enough.
        #expect(PromptLookup.draft(after: [3, 9, 1, 7, 3, 9], maxTokens: 3) == [1, 7, 3])
        #expect(PromptLookup.draft(after: [1, 2, 3, 4, 1], maxTokens: 3) == [])
        #expect(PromptLookup.draft(after: [1, 2], maxTokens: 3) == [])
        #expect(PromptLookup.draft(after: [1, 2, 1, 2], maxTokens: 0) == [])
    }

    @Test func speculationNeverChangesGreedyOutput() throws {
        // A repetitive prompt so the tiny model's answer repeats n-grams and drafts happen.
        let prompt = String(repeating: "abc abd abc ", count: 6)
        func generate(draft: Int) throws -> Generator.Output {
            let g = try GeneratorTests.makeGenerator()
            var sampler = Sampler(settings: .greedy)
            return try g.generate(promptTokens: g.tokenizer.encode(prompt),
                                  options: .init(maxTokens: 48, draftTokens: draft), sampler: &sampler)
        }
        let plain = try generate(draft: 0)
        let speculative = try generate(draft: 8)
        #expect(plain.draftedTokens == 0)
        #expect(speculative.draftedTokens > 0)
        #expect(speculative.acceptedDraftTokens > 0, "no draft was accepted: the test would not cover acceptance")
        #expect(speculative.tokens == plain.tokens)
        #expect(speculative.text == plain.text)
        #expect(speculative.finishReason == plain.finishReason)
    }
}
