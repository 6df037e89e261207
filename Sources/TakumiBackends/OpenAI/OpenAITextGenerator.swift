import Foundation
import TakumiAgent
import TakumiInference

/// A `TextGenerator` on an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama,
/// `takumi serve`): the same prompts, edit formats and test gate as the in-process engine.
///
/// - chat: `POST /v1/chat/completions`, `stream: true` (SSE);
/// - fill-in-the-middle: llama.cpp's `/infill` when the server has it, else
///   `/v1/completions` with the model's FIM tokens in a raw prompt (vLLM has no `suffix`);
/// - raw prompts: `/v1/completions`;
/// - token counts: the server's `/tokenize`, else the local tokenizer of a local model of the
///   same name, else an estimate that errs high (3 bytes a token).
///
/// Stop strings are sent to the server and also applied here (a server may cap their number).
/// Sampling sends temperature, top_p and seed; what a server cannot do it ignores. While the
/// server is silent the caller's callback still gets `.prefill` events every 0.2 s, so Ctrl-C
/// or a deadline closes the connection at once.
public final class OpenAITextGenerator: TextGenerator, @unchecked Sendable {
    public let endpoint: ServerEndpoint
    /// The server's model id (`--model`, else the first of `/v1/models`).
    public let model: String
    var connection: OpenAIConnection
    private let environment: [String: String]
    /// What the client learned about the server (nil: not asked yet).
    public private(set) var infillAvailable: Bool?
    /// Whether the server has `/tokenize` (nil: not asked yet).
    public private(set) var tokenizeAvailable: Bool?
    private var localTokenizer: Tokenizer??
    private var tokenCounts: [String: Int] = [:]
    private let lock = NSLock()

    public init(endpoint: ServerEndpoint, model: String?, environment: [String: String]) throws {
        self.endpoint = endpoint
        self.environment = environment
        connection = OpenAIConnection(endpoint: endpoint)
        if let model, !model.isEmpty {
            self.model = model
        } else {
            let list = try connection.json(OpenAIWire.ModelList.self, "/v1/models")
            guard let first = list.data?.first?.id else { throw BackendError.noModels(url: endpoint.display) }
            self.model = first
        }
    }

    /// Most seconds of silence while reading an answer (default 120).
    public var readTimeout: Double {
        get { connection.readTimeout }
        set { connection.readTimeout = newValue }
    }

    /// Most seconds to keep retrying while the server answers 503 (default 60).
    public var loadingWait: Double {
        get { connection.loadingWait }
        set { connection.loadingWait = newValue }
    }

    public var modelDescription: String { "\(model) at \(endpoint.display)" }

    // MARK: token counting

    public func countTokens(_ text: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if let known = tokenCounts[text] { return known }
        let count = serverTokenCount(text) ?? localTokenCount(text) ?? Self.estimateTokens(text)
        if tokenCounts.count > 4096 { tokenCounts.removeAll() }
        tokenCounts[text] = count
        return count
    }

    /// More tokens than a BPE tokenizer gives for code and prose (they average about 4 bytes).
    public static func estimateTokens(_ text: String) -> Int { (text.utf8.count + 2) / 3 }

    private func serverTokenCount(_ text: String) -> Int? {
        guard tokenizeAvailable != false else { return nil }
        var quick = connection
        quick.readTimeout = 10
        quick.loadingWait = 0
        let body = try? JSONSerialization.data(withJSONObject: ["content": text, "prompt": text, "model": model, "add_special": false])
        do {
            let answer = try quick.json(OpenAIWire.TokenizeResponse.self, "/tokenize", method: "POST", body: body)
            guard let count = answer.tokens?.count ?? answer.count else { tokenizeAvailable = false; return nil }
            tokenizeAvailable = true
            return count
        } catch {
            // No /tokenize here (or it failed): count locally from now on.
            tokenizeAvailable = false
            return nil
        }
    }

    private func localTokenCount(_ text: String) -> Int? {
        if localTokenizer == nil {
            // The server's model id often is the local model's name (or its file name).
            let name = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
            let path = try? ModelLocator(environment: environment).resolve(name.contains("/") ? nil : name)
            localTokenizer = .some(path.flatMap { try? Tokenizer(ggufPath: $0) })
        }
        guard let tokenizer = localTokenizer ?? nil else { return nil }
        return tokenizer.encode(text, parseSpecial: false).count
    }

    // MARK: generation

    public func generate(_ request: GenerationRequest,
                         onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        guard request.answerPrefix.isEmpty else {
            throw BackendError.unsupportedRequest(url: endpoint.display, what: "continue a given start of the answer")
        }
        switch request.prompt {
        case let .chat(messages):
            var body = commonFields(request)
            body["messages"] = messages.map { ["role": $0.role.rawValue, "content": $0.content] }
            // Candidate ranking needs the answer's token log-probabilities (a server that
            // does not send them leaves the candidates unranked, in sampling order).
            if request.wantsLogProbabilities { body["logprobs"] = true }
            return try stream("/v1/chat/completions", body, request, onEvent)
        case let .raw(text):
            var body = commonFields(request)
            body["prompt"] = text
            if request.wantsLogProbabilities { body["logprobs"] = 1 }  // completions: the number of alternatives
            return try stream("/v1/completions", body, request, onEvent)
        case let .fillInMiddle(prefix, suffix, path, contextFiles):
            if infillAvailable != false {
                do {
                    let result = try stream("/infill", infillFields(request, prefix: prefix, suffix: suffix, path: path,
                                                                    contextFiles: contextFiles), request, onEvent)
                    infillAvailable = true
                    return result
                } catch let BackendError.httpStatus(_, status, _) where [404, 405, 501].contains(status) {
                    infillAvailable = false
                }
            }
            var body = commonFields(request)
            body["prompt"] = FillInMiddlePrompt.text(model: model, prefix: prefix, suffix: suffix, path: path, contextFiles: contextFiles)
            return try stream("/v1/completions", body, request, onEvent)
        }
    }

    private func commonFields(_ request: GenerationRequest) -> [String: Any] {
        var body: [String: Any] = [
            "model": model, "stream": true, "stream_options": ["include_usage": true],
            "max_tokens": request.maxTokens, "temperature": request.sampling.temperature,
            "seed": Int(truncatingIfNeeded: request.sampling.seed & 0x7fff_ffff),
        ]
        if request.sampling.temperature > 0 { body["top_p"] = request.sampling.topP }
        // OpenAI accepts at most 4 stop strings; the rest are applied here.
        if !request.stopStrings.isEmpty { body["stop"] = Array(request.stopStrings.prefix(4)) }
        return body
    }

    /// llama.cpp's `/infill` request (the shape llama.vim sends).
    private func infillFields(_ request: GenerationRequest, prefix: String, suffix: String, path: String?,
                              contextFiles: [(String, String)]) -> [String: Any] {
        // The cursor's line so far goes in `prompt`, after the FIM markers (as llama.vim sends
        // it), so the server's prompt cache keeps the rest while the user types.
        let (linesBefore, lineStart) = ChatTemplate.splitAtLastLine(prefix)
        var body: [String: Any] = [
            "input_prefix": linesBefore, "prompt": lineStart, "input_suffix": suffix,
            "input_extra": contextFiles.map { ["filename": $0.0, "text": $0.1] },
            "n_predict": request.maxTokens, "temperature": request.sampling.temperature,
            "seed": Int(truncatingIfNeeded: request.sampling.seed & 0x7fff_ffff),
            "stream": true, "cache_prompt": true,
        ]
        if !request.stopStrings.isEmpty { body["stop"] = request.stopStrings }
        if let path { body["filename"] = path }
        return body
    }

    private func stream(_ path: String, _ fields: [String: Any], _ request: GenerationRequest,
                        _ onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        let body = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        var reader = OpenAIStreamReader(connection: connection, stopStrings: request.stopStrings)
        return try reader.run(path, body: body, model: model, onEvent: onEvent)
    }
}
