import Foundation
import Testing
import TakumiInference

@Suite("Teacher-forced scoring (Generator.score) on a tiny random model")
struct GeneratorScoreTests {
    static let prompt = "def add(a, b):\n"
    static let text = "    return a + b\n\nprint(add(1, 2))\n"

    /// log p of each continuation token from one plain pass over prompt + continuation
    /// (every position's logits), the reference the batched scoring must match.
    func reference(_ g: Generator, _ prompt: [Int32], _ continuation: [Int32]) throws -> [(Double, Int32)] {
        g.session.truncate(to: 0)
        let all = try g.session.evaluateAllLogits(prompt + continuation)
        let v = g.session.vocabularySize
        return continuation.indices.map { i in
            let row = Array(all[((prompt.count - 1 + i) * v)..<((prompt.count + i) * v)])
            let best = LogProbabilities.top(1, in: row)[0].id
            return (LogProbabilities.logProbability(of: continuation[i], in: row), best)
        }
    }

    @Test func scoresEveryTokenAsAPlainPassDoes() throws {
        let g = try GeneratorTests.makeGenerator()
        let prompt = g.tokenizer.encode(Self.prompt), continuation = g.tokenizer.encode(Self.text)
        let expected = try reference(g, prompt, continuation)
        g.session.truncate(to: 0)
        let (first, scored) = try #require(try g.score(promptTokens: prompt, continuation: continuation, top: 3))
        #expect(first == 0)
        #expect(scored.count == continuation.count)
        for (i, token) in scored.enumerated() {
            #expect(token.token == continuation[i])
            #expect(abs(token.logProbability - expected[i].0) < 1e-4, "token \(i): \(token.logProbability) vs \(expected[i].0)")
            #expect(token.alternatives.count == 3)
            #expect(token.alternatives[0].id == expected[i].1)
            #expect(token.alternatives[0].logProbability >= token.alternatives[1].logProbability)
            #expect(token.alternatives[0].logProbability >= token.logProbability - 1e-9)
        }
        // The cache holds the prompt and the continuation but its last token.
        #expect(g.session.position == prompt.count + continuation.count - 1)
    }

    @Test func aVariantIsScoredFromWhereItDiffers() throws {
        let g = try GeneratorTests.makeGenerator()
        let prompt = g.tokenizer.encode(Self.prompt)
        let original = g.tokenizer.encode(Self.text)
        let variant = g.tokenizer.encode(Self.text.replacingOccurrences(of: "1, 2", with: "3, 4"))
        let shared = zip(original, variant).prefix { $0 == $1 }.count
        try #require(shared > 2 && shared < variant.count)
        _ = try g.score(promptTokens: prompt, continuation: original, top: 1)
        let (first, scored) = try #require(try g.score(promptTokens: prompt, continuation: variant, top: 1))
        #expect(first == shared, "the shared tokens are not computed again")
        #expect(scored.count == variant.count - shared)
        let expected = try reference(g, prompt, variant)
        for (i, token) in scored.enumerated() {
            #expect(abs(token.logProbability - expected[first + i].0) < 1e-4)
        }
    }

    @Test func emptyPromptIsRefusedAndTooLongIsAnOverflow() throws {
        let g = try GeneratorTests.makeGenerator(context: 16)
        #expect(throws: (any Error).self) { _ = try g.score(promptTokens: [], continuation: [1], top: 1) }
        let long = g.tokenizer.encode(String(repeating: Self.text, count: 4))
        #expect(throws: InferenceError.self) { _ = try g.score(promptTokens: [1, 2], continuation: long, top: 1) }
        let (_, none) = try #require(try g.score(promptTokens: [1, 2], continuation: [], top: 1))
        #expect(none.isEmpty)
    }

    @Test func stoppingThePrefillGivesNoResult() throws {
        let g = try GeneratorTests.makeGenerator()
        let prompt = g.tokenizer.encode(Self.prompt + Self.text)
        let result = try g.score(promptTokens: prompt, continuation: g.tokenizer.encode("x = 1\n"), top: 1,
                                 onPrefill: { _, _ in false })
        #expect(result.map { _ in true } == nil)
    }
}
