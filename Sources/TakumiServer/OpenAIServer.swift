import Foundation
import Hummingbird
import NIOCore
import TakumiAgent
import TakumiBackends

/// `takumi serve`: an OpenAI-compatible HTTP server on the in-process engine (Hummingbird).
///
///     GET  /health                 {"status":"ok"}
///     GET  /v1/models              the one served model
///     POST /v1/chat/completions    streaming (SSE) or not, with usage
///     POST /v1/completions         raw prompt, or fill-in-the-middle with `suffix`
///     POST /infill                 llama.cpp's shape (llama.vim, llama.vscode)
///     POST /tokenize               {"content"} or {"prompt"} → {"tokens", "count"}
///
/// Every failure is an OpenAI-shaped error with a 4xx/5xx status (see `ServeError`), never a
/// crash; bodies over `maxBodyBytes` are refused before they are parsed.
public struct OpenAIServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Required as `Authorization: Bearer KEY` on every endpoint but /health when set.
        public var apiKey: String?
        /// Requests waiting or running at most; more get 429.
        public var queueCapacity = 16
        /// Seconds a request may take, waiting in the queue included.
        public var requestTimeout: Double = 300
        public var maxBodyBytes = 4 << 20
        public init() {}
    }

    let options: Options
    let queue: EngineQueue
    let model: String
    let reader: ServeRequestReader
    let measure: PromptMeasure

    public init(generator: TextGenerator, model: String, options: Options) {
        self.options = options
        self.model = model
        measure = PromptMeasure(generator: generator)
        queue = EngineQueue(generator: generator, capacity: options.queueCapacity)
        reader = ServeRequestReader(servedModel: model, maxTokensLimit: max(16, min(measure.contextLength, 32_768)))
    }

    /// Serves until the process is stopped (SIGINT/SIGTERM end it gracefully). `onListening`
    /// gets the bound URL (with the real port when `port` is 0).
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        let server = self
        router.get("/health") { _, _ in server.json(["status": "ok"]) }
        router.get("/v1/models") { request, _ in
            try server.guarded(request) {
                server.json(["object": "list", "data": [["id": server.model, "object": "model", "created": 0, "owned_by": "takumi"]]])
            }
        }
        router.post("/v1/chat/completions") { request, _ in await server.handle(request, kind: .chat) }
        router.post("/v1/completions") { request, _ in await server.handle(request, kind: .completion) }
        router.post("/infill") { request, _ in await server.handle(request, kind: .infill) }
        router.post("/tokenize") { request, _ in await server.tokenize(request) }
        let host = options.host
        let app = Application(router: router,
                              configuration: .init(address: .hostname(host, port: options.port), serverName: "takumi"),
                              onServerRunning: { channel in
                                  onListening("http://\(host):\(channel.localAddress?.port ?? server.options.port)")
                              })
        try await app.runService()
    }

    enum Kind { case chat, completion, infill }

    // MARK: generation

    private func handle(_ request: Request, kind: Kind) async -> Response {
        do {
            try authorize(request)
            let body = try await self.body(request)
            var parsed: ParsedRequest
            switch kind {
            case .chat: parsed = try reader.chat(body)
            case .completion: parsed = try reader.completion(body)
            case .infill: parsed = try reader.infill(body)
            }
            let prompt = parsed.generation.prompt
            let promptTokens = try await queue.onEngine { [measure] in measure.promptTokens(prompt) }
            if promptTokens + parsed.generation.maxTokens > measure.contextLength {
                // Ask for what fits when the client left max_tokens out; refuse when even the prompt does not fit.
                let room = measure.contextLength - promptTokens
                guard room >= 1, !body.has("max_tokens") && !body.has("max_completion_tokens") && !body.has("n_predict") else {
                    throw ServeError.contextLengthExceeded(promptTokens: promptTokens, maxTokens: parsed.generation.maxTokens,
                                                           contextLength: measure.contextLength)
                }
                parsed.generation.maxTokens = room
            }
            let events: AsyncThrowingStream<EngineQueue.Event, Error>
            do {
                events = try queue.submit(parsed.generation, deadline: Date(timeIntervalSinceNow: options.requestTimeout))
            } catch is EngineQueue.Full {
                throw ServeError.queueFull(capacity: options.queueCapacity)
            }
            let responder = ServeResponder(kind: kind, model: parsed.model, promptTokens: promptTokens,
                                           includeUsage: parsed.includeUsage)
            return parsed.stream ? responder.streaming(events) : try await responder.whole(events)
        } catch {
            return failure(error)
        }
    }

    private func tokenize(_ request: Request) async -> Response {
        do {
            try authorize(request)
            let body = try await self.body(request)
            guard let text = try body.string("content") ?? body.string("prompt") else { throw ServeError.missingField("content") }
            guard let tokens = try await queue.onEngine({ [measure] in measure.tokenIds(text) }) else {
                throw ServeError.unsupported("this model has no tokenizer to show (scripted model)")
            }
            return json(["tokens": tokens, "count": tokens.count])
        } catch {
            return failure(error)
        }
    }

    // MARK: plumbing

    private func authorize(_ request: Request) throws {
        guard let key = options.apiKey else { return }
        guard request.headers[.authorization] == "Bearer \(key)" else { throw ServeError.unauthorized }
    }

    private func guarded(_ request: Request, _ body: () throws -> Response) throws -> Response {
        do {
            try authorize(request)
            return try body()
        } catch {
            return failure(error)
        }
    }

    private func body(_ request: Request) async throws -> JSONRequest {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: options.maxBodyBytes)
        } catch {
            throw ServeError.bodyTooLarge(limit: options.maxBodyBytes)
        }
        return try JSONRequest(Data(buffer.readableBytesView))
    }

    func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func failure(_ error: Error) -> Response {
        let serveError: ServeError
        switch error {
        case let known as ServeError: serveError = known
        case let agent as AgentError: serveError = .engineFailed(agent.description)
        default:
            let text = String(describing: error)
            serveError = text.contains("context") && text.contains("overflow")
                ? .contextLengthExceeded(promptTokens: 0, maxTokens: 0, contextLength: measure.contextLength)
                : .engineFailed(text)
        }
        return Response(status: HTTPResponse.Status(code: serveError.status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: serveError.body)))
    }
}
