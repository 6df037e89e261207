import Foundation
import TakumiAgent

/// An OpenAI (or llama.cpp) request turned into what the engine runs.
struct ParsedRequest {
    var generation: GenerationRequest
    var stream: Bool
    var includeUsage: Bool
    /// The `model` the client named (echoed back), or the served one.
    var model: String
}

/// Reads the bodies of `/v1/chat/completions`, `/v1/completions` and `/infill`, validating every
/// field the server uses; fields it does not use are ignored, as OpenAI-compatible servers do.
struct ServeRequestReader {
    let servedModel: String
    /// Most tokens a request may ask for.
    let maxTokensLimit: Int
    static let defaultMaxTokens = 512

    func chat(_ body: JSONRequest) throws -> ParsedRequest {
        guard let entries = try body.objects("messages", maxCount: 4096) else { throw ServeError.missingField("messages") }
        guard !entries.isEmpty else { throw ServeError.invalidField(name: "messages", reason: "must not be empty") }
        let messages = try entries.enumerated().map { index, entry -> ChatMessage in
            let field = JSONRequest(fields: entry)
            let name = "messages[\(index)]"
            guard let roleText = try field.string("role") else { throw ServeError.missingField("\(name).role") }
            let role: ChatMessage.Role
            switch roleText {
            case "system", "developer": role = .system
            case "user": role = .user
            case "assistant": role = .assistant
            default: throw ServeError.invalidField(name: "\(name).role", reason: "must be system, developer, user or assistant, found '\(roleText)'")
            }
            return ChatMessage(role: role, content: try content(entry["content"], name: "\(name).content"))
        }
        var parsed = try common(body)
        parsed.generation.prompt = .chat(messages)
        if let limit = try body.integer("max_completion_tokens", in: 1...maxTokensLimit) { parsed.generation.maxTokens = limit }
        return parsed
    }

    /// `/v1/completions`: `prompt` (one string), with `suffix` a fill-in-the-middle request.
    func completion(_ body: JSONRequest) throws -> ParsedRequest {
        guard let prompts = try body.strings("prompt", maxCount: 1) else { throw ServeError.missingField("prompt") }
        var parsed = try common(body)
        if let suffix = try body.string("suffix") {
            parsed.generation.prompt = .fillInMiddle(prefix: prompts.first ?? "", suffix: suffix, path: nil, contextFiles: [])
        } else {
            parsed.generation.prompt = .raw(prompts.first ?? "")
        }
        return parsed
    }

    /// llama.cpp's `/infill` as llama.vim and llama.vscode send it: `input_prefix`, `prompt`
    /// (the text before the cursor on its line), `input_suffix`, `input_extra` [{filename, text}],
    /// `n_predict`.
    func infill(_ body: JSONRequest) throws -> ParsedRequest {
        let prefix = (try body.string("input_prefix") ?? "") + (try body.string("prompt") ?? "")
        let suffix = try body.string("input_suffix") ?? ""
        let extra = try (body.objects("input_extra", maxCount: 1024) ?? []).enumerated().map { index, entry -> (String, String) in
            let field = JSONRequest(fields: entry)
            return (try field.string("filename") ?? "context-\(index)", try field.string("text") ?? "")
        }
        var parsed = try common(body)
        if let limit = try body.integer("n_predict", in: -1...maxTokensLimit), limit > 0 { parsed.generation.maxTokens = limit }
        parsed.generation.prompt = .fillInMiddle(prefix: prefix, suffix: suffix, path: try body.string("filename"), contextFiles: extra)
        return parsed
    }

    private func common(_ body: JSONRequest) throws -> ParsedRequest {
        let requested = try body.string("model")
        if let requested, !requested.isEmpty, requested != servedModel {
            throw ServeError.unknownModel(requested: requested, served: servedModel)
        }
        var sampling = SamplingOptions()
        sampling.temperature = try body.number("temperature", in: 0...2) ?? 0
        sampling.topP = try body.number("top_p", in: 0.000_001...1) ?? sampling.topP
        if let topK = try body.integer("top_k", in: 0...100_000) { sampling.topK = topK }
        if let minP = try body.number("min_p", in: 0...1) { sampling.minP = minP }
        if let seed = try body.integer("seed", in: Int(Int32.min)...Int(UInt32.max)) { sampling.seed = UInt64(bitPattern: Int64(seed)) }
        let maxTokens = try body.integer("max_tokens", in: 1...maxTokensLimit) ?? min(Self.defaultMaxTokens, maxTokensLimit)
        let stops = try body.strings("stop", maxCount: 16) ?? []
        var includeUsage = false
        if let options = body.fields["stream_options"] as? [String: Any] {
            includeUsage = try JSONRequest(fields: options).bool("include_usage") ?? false
        } else if body.has("stream_options") {
            throw ServeError.invalidField(name: "stream_options", reason: "must be an object, found \(JSONRequest.typeName(body.fields["stream_options"] ?? NSNull()))")
        }
        return ParsedRequest(generation: GenerationRequest(prompt: .raw(""), maxTokens: maxTokens, sampling: sampling,
                                                           stopStrings: stops.filter { !$0.isEmpty }),
                             stream: try body.bool("stream") ?? false, includeUsage: includeUsage,
                             model: requested.flatMap { $0.isEmpty ? nil : $0 } ?? servedModel)
    }

    /// A message's content: a string, null, or an array of `{type: "text", text}` parts.
    private func content(_ value: Any?, name: String) throws -> String {
        switch value {
        case nil, is NSNull: return ""
        case let text as String: return text
        case let parts as [Any]:
            return try parts.enumerated().map { index, part in
                guard let object = part as? [String: Any], let text = try JSONRequest(fields: object).string("text") else {
                    throw ServeError.invalidField(name: "\(name)[\(index)]", reason: "must be a text part {\"type\": \"text\", \"text\": …}")
                }
                return text
            }.joined()
        case let other?:
            throw ServeError.invalidField(name: name, reason: "must be a string or an array of text parts, found \(JSONRequest.typeName(other))")
        }
    }
}

extension JSONRequest {
    init(fields: [String: Any]) { self.fields = fields }
}
