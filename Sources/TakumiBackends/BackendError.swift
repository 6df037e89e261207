import Foundation

/// Every error of the backends module. Messages name the server URL, the model, the status
/// and what the server said, so one line on stderr (or in a hook) tells the user what to fix.
public enum BackendError: Error, Equatable, CustomStringConvertible {
    case scriptedAnswerMissing(path: String)
    case invalidSetting(name: String, value: String, expected: String)
    case invalidServerURL(String)
    /// Nothing listens there (connection refused, unknown host, unreachable).
    case cannotConnect(url: String, reason: String)
    case unauthorized(url: String, message: String)
    case modelNotFound(url: String, model: String, message: String)
    case contextLengthExceeded(url: String, message: String)
    /// 503 for longer than the retry bound (a model still loading).
    case serverUnavailable(url: String, waitedSeconds: Double, message: String)
    case httpStatus(url: String, status: Int, message: String)
    /// The connection ended before the answer did (server killed, network lost).
    case streamInterrupted(url: String, reason: String)
    /// No byte for longer than the read timeout.
    case readTimedOut(url: String, seconds: Double)
    case malformedResponse(url: String, reason: String)
    case noModels(url: String)
    /// The request asks for something this backend cannot do (it is refused, not ignored).
    case unsupportedRequest(url: String, what: String)
    // takumi models pull
    case unknownModel(name: String, known: [String])
    case downloadFailed(name: String, detail: String)
    case downloadCorrupt(name: String, detail: String)

    public var description: String {
        switch self {
        case let .scriptedAnswerMissing(path):
            return "scripted answer file \(path) cannot be read (no such file?)"
        case let .invalidSetting(name, value, expected):
            return "\(name): expected \(expected), found '\(value)'"
        case let .invalidServerURL(text):
            return "server URL '\(text)' is not an http:// or https:// URL with a host"
        case let .cannotConnect(url, reason):
            return "cannot connect to the server at \(url): \(reason)"
        case let .unauthorized(url, message):
            return "the server at \(url) refused the API key (401\(message.isEmpty ? "" : ": " + message)); "
                + "set TAKUMI_API_KEY or the variable named by api_key_env"
        case let .modelNotFound(url, model, message):
            return "the server at \(url) has no model '\(model)'\(message.isEmpty ? "" : ": " + message) (see its /v1/models)"
        case let .contextLengthExceeded(url, message):
            return "the prompt is too long for the model at \(url): \(message)"
        case let .serverUnavailable(url, waited, message):
            return String(format: "the server at %@ is still unavailable after %.0f s (503%@)", url, waited,
                          message.isEmpty ? "" : ": " + message)
        case let .httpStatus(url, status, message):
            return "the server at \(url) answered \(status)\(message.isEmpty ? "" : ": " + message)"
        case let .streamInterrupted(url, reason):
            return "the connection to \(url) ended in the middle of the answer: \(reason)"
        case let .readTimedOut(url, seconds):
            return String(format: "the server at %@ sent nothing for %.0f s", url, seconds)
        case let .malformedResponse(url, reason):
            return "the server at \(url) sent a response that is not OpenAI-compatible: \(reason)"
        case let .unsupportedRequest(url, what):
            return "the server backend (\(url)) cannot \(what)"
        case let .noModels(url):
            return "the server at \(url) lists no models (/v1/models is empty); pass --model ID"
        case let .unknownModel(name, known):
            return "unknown model '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .downloadFailed(name, detail):
            return "\(name) failed: \(detail)"
        case let .downloadCorrupt(name, detail):
            return "the download of \(name) is corrupt (\(detail)); nothing installed, run the pull again"
        }
    }
}
