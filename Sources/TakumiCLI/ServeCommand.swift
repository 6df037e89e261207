import ArgumentParser
import Foundation
import TakumiAgent
import TakumiBackends
import TakumiServer

/// `takumi serve`: the in-process engine behind an OpenAI-compatible HTTP server, for editors
/// and tools that speak that protocol (llama.vim's /infill, the openai package, Aider).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local model over an OpenAI-compatible HTTP API (loopback by default).",
        discussion: """
        Endpoints: GET /health, GET /v1/models, POST /v1/chat/completions (stream or not), \
        POST /v1/completions (suffix: fill-in-the-middle), POST /infill (llama.cpp's shape), POST /tokenize. \
        Prints "listening URL" on stdout once it accepts connections; Ctrl-C stops it.
        """)

    @OptionGroup var engine: ModelOptions
    @Option(name: .long, help: "Address to listen on (default loopback; another address exposes the model to the network).")
    var host = "127.0.0.1"
    @Option(name: .long, help: "Port (0: any free port, printed on stdout).")
    var port = 8080
    @Option(name: .customLong("api-key"), help: ArgumentHelp(
        "Require 'Authorization: Bearer KEY' (default: $TAKUMI_SERVE_API_KEY; none when unset).", valueName: "KEY"))
    var apiKey: String?
    @Option(name: .long, help: "Requests waiting or running at most; more are refused with 429.")
    var queue = 16
    @Option(name: .customLong("request-timeout"), help: "Seconds a request may take, queue wait included.")
    var requestTimeout: Double = 300
    @Option(name: .customLong("max-body"), help: "Largest request body in bytes.")
    var maxBody = 4 << 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard (1...4096).contains(queue) else { throw ValidationError("--queue must be 1...4096, got \(queue)") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be more than 0, got \(requestTimeout)") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024, got \(maxBody)") }
    }

    func run() throws {
        let console = Console()
        let environment = ProcessInfo.processInfo.environment
        let (settings, warnings) = try Settings.load(repositoryRoot: nil, environment: environment, flags: {
            var flags = Settings()
            flags.model = engine.model
            return flags
        }())
        warnings.forEach { console.diagnostic("takumi: warning: \($0)") }
        var spec = BackendSpec(model: settings.model, environment: environment)
        spec.contextLength = engine.context
        spec.threads = engine.threadCount
        let generator: TextGenerator
        do {
            generator = try BackendFactory.makeGenerator(spec)
        } catch {
            console.diagnostic("takumi serve: \(error)")
            throw ExitCode.failure
        }
        var options = OpenAIServer.Options()
        options.host = host
        options.port = port
        options.apiKey = apiKey ?? environment["TAKUMI_SERVE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        options.queueCapacity = queue
        options.requestTimeout = requestTimeout
        options.maxBodyBytes = maxBody
        let model = generator.modelDescription
        let server = OpenAIServer(generator: generator, model: model, options: options)
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await server.run { url in
                    console.resultLine("listening \(url)")
                    console.progress("takumi serve: \(model) at \(url)")
                }
            } catch {
                failure.error = error
            }
            finished.signal()
        }
        finished.wait()
        if let error = failure.error {
            console.diagnostic("takumi serve: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Carries the server task's error back to the waiting command.
private final class FailureBox: @unchecked Sendable {
    var error: Error?
}
