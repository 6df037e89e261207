import ArgumentParser
import Foundation
import TakumiAgent
import TakumiBackends

/// The options of every command that generates text: the engine's (--model, --threads,
/// --context) and --server. What they select is built by `BackendFactory`, the one factory.
public struct BackendOptions: ParsableArguments {
    @OptionGroup public var engine: ModelOptions

    @Option(name: .long, help: ArgumentHelp(
        "OpenAI-compatible server (vLLM, llama.cpp, Ollama, takumi serve), e.g. http://gpu-box:8080 "
            + "(also TAKUMI_SERVER, config server); --model is then the server's model id (default: its first). "
            + "API key: TAKUMI_API_KEY or the variable named by config api_key_env.",
        valueName: "URL"))
    public var server: String?

    public init() {}

    public mutating func validate() throws {
        if let server, (try? ServerEndpoint(server, apiKey: nil)) == nil {
            throw ValidationError("--server must be an http:// or https:// URL with a host, got '\(server)'")
        }
    }

    /// `--model`, forwarded so commands read one `model`.
    public var model: String? {
        get { engine.model }
        set { engine.model = newValue }
    }

    /// What the command line says about the backend, as a settings layer over the others.
    public var flags: Settings {
        var flags = Settings()
        flags.model = engine.model.flatMap { $0.isEmpty ? nil : $0 }
        flags.server = server.flatMap { $0.isEmpty ? nil : $0 }
        return flags
    }

    /// The backend the merged settings select, with the engine's options.
    public func spec(_ settings: Settings, environment: [String: String]) -> BackendSpec {
        var spec = BackendSpec(model: settings.model, server: settings.server,
                               apiKey: settings.apiKey(environment: environment), environment: environment)
        spec.contextLength = engine.context
        spec.threads = engine.threadCount
        return spec
    }

    public func makeGenerator(_ settings: Settings, environment: [String: String]) throws -> TextGenerator {
        try BackendFactory.makeGenerator(spec(settings, environment: environment))
    }
}
