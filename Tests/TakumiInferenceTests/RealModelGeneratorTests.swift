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

    /// A stop asked for in the middle of a long prefill is honored within a layer or so,
    /// not at the end of the chunk (or of the prompt), and the next request still works.
    @Test(.enabled(if: RealModel.available)) func stopDuringALongPrefillIsHonoredPromptly() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        let g = try Generator(path: path, contextLength: 4096, threads: 2)
        let source = String(repeating: Self.editPrompt.replacingOccurrences(of: "<|im_start|>", with: ""), count: 30)
        let prompt = Array(g.tokenizer.encode(source).prefix(3000))
        var sampler = Sampler(settings: .greedy)
        let start = ProcessInfo.processInfo.systemUptime
        var stopAskedAt: Double?
        var callsAfterStop = 0
        let out = try g.generate(promptTokens: prompt, options: .init(maxTokens: 4), sampler: &sampler, onPrefill: { _, _ in
            if stopAskedAt != nil { callsAfterStop += 1; return false }
            if ProcessInfo.processInfo.systemUptime - start > 0.5 { stopAskedAt = ProcessInfo.processInfo.systemUptime; return false }
            return true
        })
        let stoppedAfter = ProcessInfo.processInfo.systemUptime - (stopAskedAt ?? start)
        print("stop during prefill: asked at \(String(format: "%.2f", (stopAskedAt ?? start) - start)) s, returned \(String(format: "%.3f", stoppedAfter)) s later")
        #expect(out.finishReason == .cancelled)
        #expect(callsAfterStop == 0)
        #expect(stoppedAfter < 1.0, "generate returned \(stoppedAfter) s after the stop")
        #expect(g.session.tokens.count % g.session.maxBatch == 0 && g.session.tokens.count < prompt.count)
        // Usable afterwards: a short request answers normally.
        var greedy = Sampler(settings: .greedy)
        let next = try g.generate(promptTokens: g.tokenizer.encode(Self.editPrompt), options: .init(maxTokens: 8), sampler: &greedy)
        #expect(next.tokens.count > 0 && next.finishReason != .cancelled)
    }
}
