import Foundation

/// Tokenizer + model + sampler: turns a prompt into streamed text.
///
/// Keeps one `InferenceSession` across requests: a new prompt reuses the cached keys and
/// values of the longest token prefix it shares with what is in the cache (system prompt,
/// file contents), so only the new tail is prefilled.
public final class Generator {
    public let model: Model
    public let tokenizer: Tokenizer
    public let session: InferenceSession

    public struct Options {
        public var maxTokens: Int
        public var stopStrings: [String]
        /// Extra token ids that end generation (besides the tokenizer's end-of-generation ids).
        public var stopTokens: Set<Int32>
        public init(maxTokens: Int = 512, stopStrings: [String] = [], stopTokens: Set<Int32> = []) {
            self.maxTokens = maxTokens
            self.stopStrings = stopStrings
            self.stopTokens = stopTokens
        }
    }

    public enum FinishReason: String, Sendable {
        case endOfTurn, maxTokens, stopString, cancelled
    }

    public struct Output: Sendable {
        public var text: String
        /// Generated ids (including a final end-of-turn token, if one ended generation).
        public var tokens: [Int32]
        public var promptTokens: Int
        /// Prompt tokens whose KV entries were reused from the previous request.
        public var reusedPromptTokens: Int
        public var finishReason: FinishReason
        public var prefillSeconds: Double
        public var decodeSeconds: Double
        /// Prompt tokens actually computed per second of prefill.
        public var prefillTokensPerSecond: Double {
            prefillSeconds > 0 ? Double(promptTokens - reusedPromptTokens) / prefillSeconds : 0
        }
        /// Decode steps per second (each generated token after the first costs one step).
        public var decodeTokensPerSecond: Double {
            decodeSeconds > 0 ? Double(max(tokens.count - 1, 0)) / decodeSeconds : 0
        }
    }

    public init(model: Model, tokenizer: Tokenizer, contextLength: Int = 8192,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.model = model
        self.tokenizer = tokenizer
        session = try InferenceSession(model: model, contextLength: min(contextLength, model.config.trainedContextLength),
                                       threads: threads)
    }

    /// Loads the model and its tokenizer from a GGUF file.
    public convenience init(path: String, contextLength: Int = 8192,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let file = try GGUFFile(path: path)
        try self.init(model: Model(file: file), tokenizer: Tokenizer(gguf: file), contextLength: contextLength, threads: threads)
    }

    /// Generates a continuation of `promptTokens`.
    /// - onPrefill: (done, total) prompt tokens computed, after each chunk.
    /// - onText: each piece of text (whole characters, stop strings held back); return
    ///   false to stop (finish reason `.cancelled`).
    public func generate(promptTokens: [Int32], options: Options, sampler: inout Sampler,
                         onPrefill: (Int, Int) -> Void = { _, _ in },
                         onText: (String) -> Bool = { _ in true }) throws -> Output {
        guard !promptTokens.isEmpty else {
            throw InferenceError.badModelConfig(path: model.file.path, reason: "empty prompt")
        }
        let needed = promptTokens.count + max(options.maxTokens, 0)
        if promptTokens.count > session.contextLength || needed > session.contextLength + 1 {
            // A prompt plus its answer must fit the cache (the last sampled token is never fed back).
            throw InferenceError.contextOverflow(needed: min(needed, promptTokens.count + options.maxTokens), capacity: session.contextLength)
        }

        // Reuse the longest common prefix, but always compute at least the last prompt token
        // (its logits pick the first generated token).
        let common = zip(session.tokens, promptTokens).prefix { $0 == $1 }.count
        let reused = min(common, promptTokens.count - 1)
        session.truncate(to: reused)

        let prefillStart = monotonicSeconds()
        try session.evaluate(Array(promptTokens[reused...])) { done, total in onPrefill(done, total) }
        let prefillSeconds = monotonicSeconds() - prefillStart

        var generated: [Int32] = []
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, skipControl: true)
        var stopMatcher = StopStringMatcher(stopStrings: options.stopStrings)
        var text = ""
        var finish = FinishReason.maxTokens
        for t in promptTokens.suffix(sampler.settings.repetitionWindow) { sampler.accept(t) }
        let decodeStart = monotonicSeconds()

        /// Streams `piece` through the stop-string matcher; false when generation must end.
        func deliver(_ piece: String) -> Bool {
            guard !piece.isEmpty else { return true }
            switch stopMatcher.feed(piece) {
            case let .text(safe):
                text += safe
                if !safe.isEmpty, !onText(safe) { finish = .cancelled; return false }
                return true
            case let .stopped(before, _):
                text += before
                if !before.isEmpty { _ = onText(before) }
                finish = .stopString
                return false
            }
        }

        while generated.count < options.maxTokens {
            let next = sampler.sample(session.mutableLastLogits)
            generated.append(next)
            if tokenizer.isEndOfGeneration(next) || options.stopTokens.contains(next) {
                finish = .endOfTurn
                break
            }
            guard deliver(detokenizer.feed(next)) else { break }
            if generated.count == options.maxTokens { break }
            try session.evaluate([next])
        }
        let decodeSeconds = monotonicSeconds() - decodeStart

        if finish == .endOfTurn || finish == .maxTokens {
            // Release what was held back: an unfinished character, a partial stop string.
            if deliver(detokenizer.finish()) {
                let rest = stopMatcher.finish()
                text += rest
                if !rest.isEmpty { _ = onText(rest) }
            }
        }
        return Output(text: text, tokens: generated,
                      promptTokens: promptTokens.count, reusedPromptTokens: reused, finishReason: finish,
                      prefillSeconds: prefillSeconds, decodeSeconds: decodeSeconds)
    }
}
