import Foundation
import TakumiAgent
import TakumiInference

/// The agent's `TextGenerator` on top of the in-process engine: formats the prompt with the
/// model's chat template (or FIM markers), generates with the engine's `Generator`, and
/// reports text as it comes. Keeps the KV cache between requests, so a request sharing a
/// prefix with the previous one (same system prompt and files) only prefills the new part.
public final class EngineTextGenerator: TextGenerator {
    public let generator: Generator
    public let template: ChatTemplate
    public let modelDescription: String
    /// Prompt-lookup draft length for greedy requests (0 = off); see `Generator.Options`.
    public var draftTokens = 8

    public init(generator: Generator, template: ChatTemplate, description: String) {
        self.generator = generator
        self.template = template
        modelDescription = description
    }

    /// Loads the model file at `path`.
    public convenience init(path: String, contextLength: Int = 8192,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let file = try GGUFFile(path: path)
        let model = try Model(file: file)
        let generator = try Generator(model: model, tokenizer: Tokenizer(gguf: file),
                                      contextLength: contextLength, threads: threads)
        // Prompt prefixes computed by earlier runs ($TAKUMI_HOME/kv, TAKUMI_KV_CACHE_MB=0: off).
        generator.snapshots = KVSnapshotStore.standard()
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        // A model whose template is not ChatML still serves raw and FIM prompts.
        let template = (try? ChatTemplate(gguf: file)) ?? ChatTemplate(family: .chatML, defaultSystemPrompt: nil)
        self.init(generator: generator, template: template, description: name)
    }

    public func countTokens(_ text: String) -> Int {
        generator.tokenizer.encode(text, parseSpecial: false).count
    }

    /// The prompt for `input` as special tokens and literal text. Chat and FIM prompts keep
    /// user content literal, so a file that contains `<|im_end|>` cannot inject markers;
    /// `.raw` prompts are the exception by design (special tokens in them are recognized).
    public func promptSegments(_ input: PromptInput) -> [PromptSegment] {
        switch input {
        case let .chat(messages):
            return template.segments(messages.map { m in
                ChatTemplate.Message(role: ChatTemplate.Message.Role(rawValue: m.role.rawValue) ?? .user, content: m.content)
            })
        case let .fillInMiddle(prefix, suffix, path, contextFiles):
            return ChatTemplate.fillInMiddleSegments(prefix: prefix, suffix: suffix, path: path,
                                                     contextFiles: contextFiles.map { (path: $0.0, content: $0.1) })
        case let .raw(text):
            return [.text(text)]
        }
    }

    /// The prompt as one string (special tokens written as text), for logs and `--json`.
    public func promptText(_ input: PromptInput) -> String {
        PromptSegment.joined(promptSegments(input))
    }

    /// Token ids for `input`: segments for chat/FIM, special-token parsing for raw text.
    public func promptTokens(_ input: PromptInput) throws -> [Int32] {
        if case let .raw(text) = input { return generator.tokenizer.encode(text, parseSpecial: true) }
        return try generator.tokenizer.encode(promptSegments(input))
    }

    public func generate(_ request: GenerationRequest,
                         onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        // A given start of the answer is literal text after the prompt (never special tokens).
        let tokens = try promptTokens(request.prompt)
            + (request.answerPrefix.isEmpty ? [] : generator.tokenizer.encode(request.answerPrefix, parseSpecial: false))
        let s = request.sampling
        var sampler = Sampler(settings: SamplerSettings(
            temperature: Float(s.temperature), topK: s.topK, topP: Float(s.topP), minP: Float(s.minP),
            repetitionPenalty: Float(s.repetitionPenalty), seed: s.seed))
        var options = Generator.Options(maxTokens: request.maxTokens, stopStrings: request.stopStrings,
                                        stopTokens: template.stopTokenIds(in: generator.tokenizer),
                                        draftTokens: draftTokens,
                                        acceptCandidate: request.constraint.map { constraint in { constraint.accepts($0, $1) } },
                                        logProbabilities: request.wantsLogProbabilities)
        // A prompt with a given start of the answer is one variant among many: not worth a snapshot.
        options.savesSnapshot = request.answerPrefix.isEmpty
        var cancelled = false
        let out = try generator.generate(
            promptTokens: tokens, options: options, sampler: &sampler,
            onPrefill: { done, total in
                // Called after every layer, so a `.stop` (Ctrl-C) ends even a long prefill at once.
                if !cancelled, onEvent(.prefill(done: done, total: total)) == .stop { cancelled = true }
                return !cancelled
            },
            onText: { piece in !cancelled && onEvent(.text(piece)) == .continue })
        let finish: GenerationResult.FinishReason
        switch out.finishReason {
        case .endOfTurn: finish = .endOfTurn
        case .maxTokens: finish = .maxTokens
        case .stopString: finish = .stopString
        case .cancelled: finish = .cancelled
        }
        var result = GenerationResult(text: out.text, promptTokens: out.promptTokens, generatedTokens: out.tokens.count,
                                      finishReason: cancelled ? .cancelled : finish,
                                      prefillSeconds: out.prefillSeconds, decodeSeconds: out.decodeSeconds)
        result.meanLogProbability = out.meanLogProbability
        if out.tokenLogProbabilities.count == out.tokens.count {
            var offset = 0
            for (token, logProbability) in zip(out.tokens, out.tokenLogProbabilities) {
                result.tokenLogProbabilities.append(TokenLogProbability(byteOffset: offset, logProbability: logProbability))
                offset += generator.tokenizer.isControl(token) ? 0 : generator.tokenizer.tokenBytes(token).count
            }
        }
        result.reusedPromptTokens = out.reusedPromptTokens
        result.draftAcceptance = out.draftAcceptanceRate
        return result
    }

    public var canScore: Bool { true }

    public func score(_ request: ScoringRequest,
                      onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? {
        let tokenizer = generator.tokenizer
        let prompt = try promptTokens(request.prompt)
        let continuation = tokenizer.encode(request.continuation, parseSpecial: false)
        var cancelled = false
        guard let (first, scored) = try generator.score(promptTokens: prompt, continuation: continuation, top: request.alternatives,
                                               onPrefill: { done, total in
            if !cancelled, onEvent(.prefill(done: done, total: total)) == .stop { cancelled = true }
            return !cancelled
        }) else { return nil }
        /// A token's text, when it is whole characters (nil: control token, piece of a character).
        func text(_ id: Int32) -> String? {
            guard !tokenizer.isControl(id) else { return nil }
            return String(validatingUTF8Bytes: tokenizer.tokenBytes(id))
        }
        // Tokens the cache already held are not reported: offsets start after them.
        var offset = continuation[..<first].reduce(0) { $0 + (tokenizer.isControl($1) ? 0 : tokenizer.tokenBytes($1).count) }
        return scored.map { token in
            let count = tokenizer.isControl(token.token) ? 0 : tokenizer.tokenBytes(token.token).count
            defer { offset += count }
            return ScoredPiece(byteOffset: offset, byteCount: count, logProbability: token.logProbability,
                               alternatives: token.alternatives.map { .init(text: text($0.id), logProbability: $0.logProbability) })
        }
    }
}

extension String {
    /// The bytes as a string when they are valid UTF-8 as a whole (nil otherwise).
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let text = String(bytes: bytes, encoding: .utf8), Array(text.utf8) == bytes else { return nil }
        self = text
    }
}
