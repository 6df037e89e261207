import Foundation
import Testing
import TakumiInference

/// The Generator on the real model (skipped without it unless TAKUMI_REQUIRE_MODEL=1).
@Suite("Generator on the real model", .serialized)
struct RealModelGeneratorTests {
    static let editPrompt = """
    <|im_start|>system
    You are a careful programmer.<|im_end|>
    <|im_start|>user
    Rename the function `area` to `rectangle_area` and keep everything else exactly as it is.

    ```python
    def area(width, height):
        \"\"\"Return the area of a rectangle.\"\"\"
        if width < 0 or height < 0:
            raise ValueError("sides must be non-negative")
        return width * height


    def describe(width, height):
        return f"{width} x {height} = {area(width, height)}"
    ```<|im_end|>
    <|im_start|>assistant

    """

    @Test(.enabled(if: RealModel.available)) func speculationKeepsTheTextAndAcceptsCopiedTokens() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        let g = try Generator(path: path, contextLength: 1024)
        let prompt = g.tokenizer.encode(Self.editPrompt)
        var greedy = Sampler(settings: .greedy)
        let plain = try g.generate(promptTokens: prompt, options: .init(maxTokens: 96, draftTokens: 0), sampler: &greedy)
        var greedy2 = Sampler(settings: .greedy)
        let fast = try g.generate(promptTokens: prompt, options: .init(maxTokens: 96, draftTokens: 8), sampler: &greedy2)
        print("edit prompt: \(plain.tokens.count) tokens; plain \(String(format: "%.1f", plain.decodeTokensPerSecond)) tok/s, "
              + "speculative \(String(format: "%.1f", fast.decodeTokensPerSecond)) tok/s, drafts accepted \(fast.acceptedDraftTokens)/\(fast.draftedTokens)")
        #expect(plain.text.contains("rectangle_area"))
        #expect(fast.reusedPromptTokens == prompt.count - 1)
        // Batched verification can flip a near-tie; demand the same text up to a long common prefix.
        let same = zip(fast.tokens, plain.tokens).prefix { $0 == $1 }.count
        #expect(same >= min(plain.tokens.count, fast.tokens.count) * 9 / 10, "speculative output diverged at token \(same)")
        #expect(fast.acceptedDraftTokens > fast.tokens.count / 3)
    }
}
