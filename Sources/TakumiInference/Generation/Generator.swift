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
    /// Persistent KV snapshots (nil: off). When set, a prompt whose prefix another process
    /// saved restores it instead of recomputing it, and every prompt that needed at least
    /// `store.minimumTokens` of new computation is saved after generation.
    public var snapshots: KVSnapshotStore?

    public struct Options {
        public var maxTokens: Int
        public var stopStrings: [String]
        /// Extra token ids that end generation (besides the tokenizer's end-of-generation ids).
        public var stopTokens: Set<Int32>
        /// Most tokens drafted per step by prompt lookup (greedy decoding only; 0 = off).
        /// Drafts are the tokens that followed the latest earlier occurrence of the last few
        /// tokens; one batched pass verifies them. Pays off when the answer copies the
        /// prompt (code edits).
        public var draftTokens: Int
        /// A decoding constraint, asked before each token is emitted: (the bytes generated so
        /// far, the candidate token's bytes) -> may it come next? Control tokens (end of
        /// turn ...) are offered with empty bytes. Greedy takes the best allowed token among
        /// the `constraintCandidates` most likely; sampling redraws (masking each rejected
        /// token) up to `constraintCandidates` times. When none is allowed the unconstrained
        /// choice is taken (counted in `Output.unconstrainedTokens`). Prompt-lookup drafts
        /// are cut at their first token the constraint rejects. nil: no constraint.
        public var acceptCandidate: ((_ generatedBytes: [UInt8], _ candidateBytes: [UInt8]) -> Bool)?
        public var constraintCandidates: Int
        /// Report each generated token's log-probability (`Output.tokenLogProbabilities`).
        /// Off by default: about 1 ms per token for a 151,936-token vocabulary (a decode
        /// step of the 0.5B model takes about 15 ms).
        public var logProbabilities: Bool
        /// Save the prompt's keys and values to `snapshots` after generation (when enough of it
        /// was computed). Off for prompts no later process will send again (variants of one
        /// prompt with a given start of the answer): each save writes megabytes.
        public var savesSnapshot = true
        public init(maxTokens: Int = 512, stopStrings: [String] = [], stopTokens: Set<Int32> = [], draftTokens: Int = 8,
                    acceptCandidate: ((_ generatedBytes: [UInt8], _ candidateBytes: [UInt8]) -> Bool)? = nil,
                    constraintCandidates: Int = 64, logProbabilities: Bool = false) {
            self.maxTokens = maxTokens
            self.stopStrings = stopStrings
            self.stopTokens = stopTokens
            self.draftTokens = draftTokens
            self.acceptCandidate = acceptCandidate
            self.constraintCandidates = constraintCandidates
            self.logProbabilities = logProbabilities
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
        /// Prompt tokens whose KV entries were reused (from the previous request in this
        /// process, or from a snapshot), so not computed.
        public var reusedPromptTokens: Int
        public var finishReason: FinishReason
        public var prefillSeconds: Double
        public var decodeSeconds: Double
        /// Prompt-lookup drafts verified, and how many of them were accepted.
        public var draftedTokens: Int = 0
        public var acceptedDraftTokens: Int = 0
        /// log p of each token in `tokens` under softmax of the raw logits at temperature 1
        /// (before repetition penalty, filtering and temperature), when
        /// `Options.logProbabilities` is set; empty otherwise.
        public var tokenLogProbabilities: [Double] = []
        /// Tokens taken without satisfying `Options.acceptCandidate` (no candidate passed).
        public var unconstrainedTokens: Int = 0
        /// Mean of `tokenLogProbabilities` (nil when there are none): ranks candidate answers.
        public var meanLogProbability: Double? {
            tokenLogProbabilities.isEmpty ? nil : tokenLogProbabilities.reduce(0, +) / Double(tokenLogProbabilities.count)
        }
        /// Of `reusedPromptTokens`, those restored from a persistent snapshot.
        public var snapshotPromptTokens: Int = 0
        /// Share of verified drafts that were accepted (nil when nothing was drafted).
        public var draftAcceptanceRate: Double? {
            draftedTokens > 0 ? Double(acceptedDraftTokens) / Double(draftedTokens) : nil
        }
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
    /// - onPrefill: (done, total) prompt tokens computed, called after every layer of every
    ///   prefill chunk (many times a second); return false to stop: generation ends at once
    ///   with finish reason `.cancelled` and no tokens, the chunks already computed stay
    ///   cached for the next request.
    /// - onText: each piece of text (whole characters, stop strings held back); return
    ///   false to stop (finish reason `.cancelled`).
    public func generate(promptTokens: [Int32], options: Options, sampler: inout Sampler,
                         onPrefill: (_ done: Int, _ total: Int) -> Bool = { _, _ in true },
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
        var common = zip(session.tokens, promptTokens).prefix { $0 == $1 }.count
        var restored = 0
        if let store = snapshots, promptTokens.count - 1 - common >= store.minimumTokens {
            restored = session.restoreSnapshotPrefix(of: promptTokens, limit: promptTokens.count - 1, from: store)
            common = max(common, restored)
        }
        let reused = min(common, promptTokens.count - 1)
        session.truncate(to: reused)

        let prefillStart = monotonicSeconds()
        let prefilled = try session.evaluate(Array(promptTokens[reused...]), progress: onPrefill)
        let prefillSeconds = monotonicSeconds() - prefillStart
        guard prefilled else {
            return Output(text: "", tokens: [], promptTokens: promptTokens.count, reusedPromptTokens: reused,
                          finishReason: .cancelled, prefillSeconds: prefillSeconds, decodeSeconds: 0,
                          snapshotPromptTokens: restored)
        }

        var generated: [Int32] = []
        var logProbabilities: [Double] = []
        var unconstrained = 0
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

        // The constraint sees raw bytes: what was generated (control tokens add none) and
        // the candidate's bytes.
        var generatedBytes: [UInt8] = []
        func candidateBytes(_ token: Int32) -> [UInt8] {
            tokenizer.isControl(token) ? [] : tokenizer.tokenBytes(token)
        }
        let constraint = options.acceptCandidate
        let isAllowed: ((Int32) -> Bool)? = constraint.map { accept in { token in accept(generatedBytes, candidateBytes(token)) } }

        func choose(_ logits: UnsafeMutableBufferPointer<Float>) -> Sampler.Choice {
            sampler.choose(logits, logProbability: options.logProbabilities,
                           maxCandidates: options.constraintCandidates, allowing: isAllowed)
        }

        /// Records one chosen token and streams its text; false when generation must end.
        func take(_ choice: Sampler.Choice) -> Bool {
            let token = choice.token
            generated.append(token)
            history.append(token)
            if let lp = choice.logProbability { logProbabilities.append(lp) }
            if !choice.satisfiedConstraint { unconstrained += 1 }
            if constraint != nil { generatedBytes += candidateBytes(token) }
            if tokenizer.isEndOfGeneration(token) || options.stopTokens.contains(token) {
                finish = .endOfTurn
                return false
            }
            guard deliver(detokenizer.feed(token)) else { return false }
            return generated.count < options.maxTokens
        }

        /// The longest prefix of `draft` the constraint allows, token after token.
        func allowedPrefix(_ draft: [Int32]) -> [Int32] {
            guard let constraint else { return draft }
            var bytes = generatedBytes
            var count = 0
            for token in draft {
                let piece = candidateBytes(token)
                guard constraint(bytes, piece) else { break }
                bytes += piece
                count += 1
            }
            return Array(draft.prefix(count))
        }

        // Prompt lookup only replaces argmax by argmax, so the text is the same with or
        // without it; it is off when sampling (the drafts would bias nothing, but there is
        // nothing to gain) and with a repetition penalty (it depends on the order tokens are seen).
        let speculate = options.draftTokens > 0 && sampler.settings.temperature <= 0 && sampler.settings.repetitionPenalty == 1
        var history = promptTokens
        var drafted = 0, accepted = 0
        var next = choose(session.mutableLastLogits)
        generation: while options.maxTokens > 0, take(next) {
            let room = min(options.draftTokens, options.maxTokens - generated.count,
                           session.contextLength - session.position - 1, session.maxRowLogits - 1)
            let draft = speculate && room > 0 ? allowedPrefix(PromptLookup.draft(after: history, maxTokens: room)) : []
            if draft.isEmpty {
                try session.evaluate(token: next.token)
                next = choose(session.mutableLastLogits)
                continue
            }
            // Verify [next] + draft in one pass: row i predicts the token after input i.
            let base = session.position
            try session.evaluateKeepingRowLogits([next.token] + draft)
            drafted += draft.count
            var good = 0
            var chosen = choose(session.rowLogits(0))
            while good < draft.count, chosen.token == draft[good] {
                good += 1
                accepted += 1
                guard take(chosen) else { break generation }
                chosen = choose(session.rowLogits(good))
            }
            // Forget the rejected drafts; the logits after the last accepted token are row `good`.
            session.truncate(to: base + 1 + good)
            session.useRowLogitsAsLast(good)
            next = chosen
        }
        let decodeSeconds = monotonicSeconds() - decodeStart
        // After the answer (it is already streamed): keep this prompt for the next process.
        if options.savesSnapshot, let store = snapshots, promptTokens.count - reused >= store.minimumTokens {
            session.saveSnapshot(of: promptTokens, to: store)
        }

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
                      prefillSeconds: prefillSeconds, decodeSeconds: decodeSeconds,
                      draftedTokens: drafted, acceptedDraftTokens: accepted,
                      tokenLogProbabilities: logProbabilities, unconstrainedTokens: unconstrained,
                      snapshotPromptTokens: restored)
    }
}
