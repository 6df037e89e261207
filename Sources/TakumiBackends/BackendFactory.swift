import Foundation
import TakumiAgent
import TakumiInference

/// What a command asks for when it needs a model: settings and flags, resolved.
public struct BackendSpec: Sendable {
    /// `scripted:FILE`, a model name or a .gguf path (in-process engine), or — with `server` —
    /// the server's model id (nil: the first of the server's `/v1/models`).
    public var model: String?
    /// An OpenAI-compatible server's base URL; when set, generation goes over HTTP.
    public var server: String?
    /// Sent as `Authorization: Bearer KEY` to the server.
    public var apiKey: String?
    /// KV cache capacity of the in-process engine, in tokens.
    public var contextLength: Int = 8192
    /// Worker threads of the in-process engine.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Prompt-lookup draft length of the in-process engine (0 = off).
    public var draftTokens: Int = 8
    /// `TAKUMI_HOME` (model names), `TAKUMI_SCRIPTED_DELAY`, `TAKUMI_SCRIPTED_LOG`.
    public var environment: [String: String]

    public init(model: String?, server: String? = nil, apiKey: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.model = model
        self.server = server
        self.apiKey = apiKey
        self.environment = environment
    }
}

/// The one place a model spec becomes a `TextGenerator`:
/// - `scripted:FILE`: a testing aid replaying FILE's text word by word, for every command
///   (`TAKUMI_SCRIPTED_DELAY=SECONDS` before each word, each prompt appended to
///   `TAKUMI_SCRIPTED_LOG=PATH`), so process-level tests get a fast or a slow "model";
/// - a server URL: the OpenAI-compatible HTTP client (vLLM, llama.cpp, Ollama, `takumi serve`);
/// - otherwise a model name or path, run in-process by the engine.
public enum BackendFactory {
    public static let scriptedPrefix = "scripted:"

    public static func makeGenerator(_ spec: BackendSpec) throws -> TextGenerator {
        if let model = spec.model, model.hasPrefix(scriptedPrefix) {
            return try scriptedGenerator(path: String(model.dropFirst(scriptedPrefix.count)), environment: spec.environment)
        }
        if let server = spec.server, !server.isEmpty {
            let endpoint = try ServerEndpoint(server, apiKey: spec.apiKey)
            return try OpenAITextGenerator(endpoint: endpoint, model: spec.model, environment: spec.environment)
        }
        let path = try ModelLocator(environment: spec.environment).resolve(spec.model)
        let engine = try EngineTextGenerator(path: path, contextLength: spec.contextLength, threads: spec.threads)
        engine.draftTokens = spec.draftTokens
        return engine
    }

    static func scriptedGenerator(path: String, environment: [String: String]) throws -> ReplayTextGenerator {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BackendError.scriptedAnswerMissing(path: path)
        }
        var delay = 0.0
        if let text = environment["TAKUMI_SCRIPTED_DELAY"], !text.isEmpty {
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
                throw BackendError.invalidSetting(name: "TAKUMI_SCRIPTED_DELAY", value: text, expected: "seconds >= 0")
            }
            delay = seconds
        }
        let log = environment["TAKUMI_SCRIPTED_LOG"].flatMap { $0.isEmpty ? nil : $0 }
        return ReplayTextGenerator(answer: String(decoding: data, as: UTF8.self), delayPerPiece: delay, requestLogPath: log)
    }
}
