import Foundation

/// Every error `takumi serve` answers with, each one HTTP status and an OpenAI-shaped body
/// `{"error": {"message", "type", "param", "code"}}` naming the offending field or value.
enum ServeError: Error, Equatable, CustomStringConvertible {
    case malformedJSON(String)
    case invalidField(name: String, reason: String)
    case missingField(String)
    case bodyTooLarge(limit: Int)
    case notUTF8
    case unknownModel(requested: String, served: String)
    case contextLengthExceeded(promptTokens: Int, maxTokens: Int, contextLength: Int)
    case unauthorized
    case queueFull(capacity: Int)
    case timedOutInQueue
    case notFound(path: String)
    case unsupported(String)
    case engineFailed(String)

    var status: Int {
        switch self {
        case .malformedJSON, .invalidField, .missingField, .notUTF8, .contextLengthExceeded: return 400
        case .unauthorized: return 401
        case .unknownModel, .notFound: return 404
        case .bodyTooLarge: return 413
        case .queueFull: return 429
        case .unsupported: return 501
        case .timedOutInQueue: return 503
        case .engineFailed: return 500
        }
    }

    var type: String {
        switch status {
        case 401: return "authentication_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 500, 501, 503: return "server_error"
        default: return "invalid_request_error"
        }
    }

    var code: String? {
        switch self {
        case .contextLengthExceeded: return "context_length_exceeded"
        case .unknownModel: return "model_not_found"
        case .unauthorized: return "invalid_api_key"
        case .queueFull: return "rate_limit_exceeded"
        case .bodyTooLarge: return "request_too_large"
        default: return nil
        }
    }

    var param: String? {
        switch self {
        case let .invalidField(name, _), let .missingField(name): return name
        case .unknownModel: return "model"
        case .contextLengthExceeded: return "messages"
        default: return nil
        }
    }

    var description: String {
        switch self {
        case let .malformedJSON(reason): return "the request body is not valid JSON: \(reason)"
        case let .invalidField(name, reason): return "'\(name)' \(reason)"
        case let .missingField(name): return "'\(name)' is required"
        case let .bodyTooLarge(limit): return "the request body is larger than \(limit) bytes"
        case .notUTF8: return "the request body is not UTF-8"
        case let .unknownModel(requested, served): return "the model '\(requested)' does not exist here; this server runs '\(served)'"
        case let .contextLengthExceeded(prompt, maxTokens, context):
            return "this model's maximum context length is \(context) tokens; the request has \(prompt) prompt tokens and asks for \(maxTokens) more"
        case .unauthorized: return "missing or wrong API key (send Authorization: Bearer KEY)"
        case let .queueFull(capacity): return "the server is busy: \(capacity) requests are already waiting; retry later"
        case .timedOutInQueue: return "the request waited longer than its deadline for the engine"
        case let .notFound(path): return "no such endpoint: \(path)"
        case let .unsupported(what): return what
        case let .engineFailed(reason): return "the engine failed: \(reason)"
        }
    }

    /// The JSON body of the error response.
    var body: Data {
        var error: [String: Any] = ["message": description, "type": type]
        error["param"] = param ?? NSNull()
        error["code"] = code ?? NSNull()
        return (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data()
    }
}
