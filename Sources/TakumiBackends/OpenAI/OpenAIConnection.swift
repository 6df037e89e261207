import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Requests to one server, with the protocol's failure modes turned into `BackendError`s:
/// connection refused names the URL, 401/404/context overflow get their own messages, and
/// 503 (a model still loading) is retried every second up to `loadingWait` seconds.
struct OpenAIConnection {
    let endpoint: ServerEndpoint
    /// Most seconds of silence while reading an answer.
    var readTimeout: Double = 120
    /// Most seconds to keep retrying a 503.
    var loadingWait: Double = 60
    /// How often a waiting caller gets a chance to stop.
    static let pollInterval = 0.2

    /// What the caller does between waits; returning false cancels the request.
    typealias KeepGoing = () -> Bool

    /// An open response with status 200, its body still to be read.
    struct OpenStream {
        let exchange: HTTPExchange
        let url: String
    }

    enum Outcome {
        case open(OpenStream)
        case cancelled
    }

    /// Sends the request and waits for a 200 response head; other statuses are read whole and
    /// thrown as errors (`notFoundIsUnavailable`: a 404/501 means the endpoint does not exist
    /// here, reported as `.httpStatus` so the caller can fall back).
    func open(_ path: String, method: String = "POST", body: Data?, model: String? = nil,
              keepGoing: KeepGoing = { true }) throws -> Outcome {
        let url = endpoint.url(path).absoluteString
        let started = Date()
        while true {
            let exchange = HTTPExchange(endpoint.request(path, method: method, body: body), readTimeout: readTimeout)
            var status: Int?
            while status == nil {
                guard let piece = exchange.next(within: Self.pollInterval) else {
                    if !keepGoing() { exchange.cancel(); return .cancelled }
                    continue
                }
                switch piece {
                case let .head(code): status = code
                case .body: continue
                case let .end(error):
                    exchange.finish()
                    throw Self.connectionError(error, url: endpoint.display, readTimeout: readTimeout)
                }
            }
            if status == 200 { return .open(OpenStream(exchange: exchange, url: url)) }
            let errorBody = try readAll(OpenStream(exchange: exchange, url: url), limit: 1 << 20)
            let (message, code, type) = OpenAIWire.errorMessage(errorBody)
            switch status ?? 0 {
            case 503:
                let waited = Date().timeIntervalSince(started)
                guard waited + 1 <= loadingWait else {
                    throw BackendError.serverUnavailable(url: endpoint.display, waitedSeconds: waited, message: message)
                }
                let resume = Date(timeIntervalSinceNow: 1)
                while Date() < resume {
                    guard keepGoing() else { return .cancelled }
                    Thread.sleep(forTimeInterval: Self.pollInterval)
                }
            case 401, 403:
                throw BackendError.unauthorized(url: endpoint.display, message: message)
            case 404 where model != nil && !path.hasPrefix("/infill"):
                throw BackendError.modelNotFound(url: endpoint.display, model: model ?? "", message: message)
            case let overflow where (overflow == 400 || overflow == 413) && Self.isContextOverflow(message: message, code: code, type: type):
                throw BackendError.contextLengthExceeded(url: endpoint.display, message: message)
            case let other:
                throw BackendError.httpStatus(url: url, status: other, message: message)
            }
        }
    }

    static func isContextOverflow(message: String, code: String?, type: String?) -> Bool {
        if code == "context_length_exceeded" || type == "exceed_context_size_error" { return true }
        let lower = message.lowercased()
        return lower.contains("context") && (lower.contains("exceed") || lower.contains("too long") || lower.contains("maximum"))
    }

    /// The whole body of an open response (at most `limit` bytes).
    func readAll(_ stream: OpenStream, limit: Int) throws -> Data {
        var body = Data()
        defer { stream.exchange.finish() }
        while true {
            guard let piece = stream.exchange.next(within: readTimeout + 1) else {
                stream.exchange.cancel()
                throw BackendError.readTimedOut(url: endpoint.display, seconds: readTimeout)
            }
            switch piece {
            case .head: continue
            case let .body(data):
                body.append(data)
                if body.count > limit {
                    stream.exchange.cancel()
                    throw BackendError.malformedResponse(url: stream.url, reason: "the response is larger than \(limit) bytes")
                }
            case let .end(error):
                if let error { throw Self.connectionError(error, url: endpoint.display, readTimeout: readTimeout, midAnswer: true) }
                return body
            }
        }
    }

    /// GET or POST with a JSON answer, decoded as `T`.
    func json<T: Decodable>(_ type: T.Type, _ path: String, method: String = "GET", body: Data? = nil) throws -> T {
        guard case let .open(stream) = try open(path, method: method, body: body) else { throw BackendError.streamInterrupted(url: endpoint.display, reason: "cancelled") }
        let data = try readAll(stream, limit: 16 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw BackendError.malformedResponse(url: stream.url, reason: "cannot decode the JSON answer (\(error))")
        }
    }

    /// A transport failure as one clear line naming the server.
    static func connectionError(_ error: Error?, url: String, readTimeout: Double, midAnswer: Bool = false) -> BackendError {
        guard let error else {
            return .streamInterrupted(url: url, reason: "the server closed the connection without an answer")
        }
        let code = (error as? URLError)?.code ?? URLError.Code(rawValue: (error as NSError).code)
        switch code {
        case .timedOut:
            return .readTimedOut(url: url, seconds: readTimeout)
        case .cannotConnectToHost where !midAnswer:
            return .cannotConnect(url: url, reason: "connection refused (is the server running?)")
        case .cannotFindHost, .dnsLookupFailed:
            return .cannotConnect(url: url, reason: "unknown host")
        case .notConnectedToInternet, .cannotConnectToHost:
            return .cannotConnect(url: url, reason: "unreachable")
        case .networkConnectionLost:
            return .streamInterrupted(url: url, reason: "the connection was lost (server stopped?)")
        default:
            return midAnswer ? .streamInterrupted(url: url, reason: error.localizedDescription)
                             : .cannotConnect(url: url, reason: error.localizedDescription)
        }
    }
}
