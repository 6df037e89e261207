import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An OpenAI-compatible server: its base URL (given with or without `/v1`) and API key.
public struct ServerEndpoint: Sendable, Equatable {
    /// The URL as the user wrote it, for messages.
    public let display: String
    /// Scheme, host and port (and any path prefix before `/v1`), without a trailing slash.
    public let base: URL
    public let apiKey: String?

    public init(_ text: String, apiKey: String?) throws {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix("/v1") { trimmed.removeLast(3) }
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty, components.query == nil,
              let url = components.url else {
            throw BackendError.invalidServerURL(text)
        }
        display = text
        base = url
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `path` ("/v1/models", "/infill") under the base URL.
    public func url(_ path: String) -> URL {
        URL(string: base.absoluteString + path) ?? base
    }

    func request(_ path: String, method: String, body: Data?) -> URLRequest {
        var request = URLRequest(url: url(path))
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        request.setValue("text/event-stream, application/json", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        return request
    }
}
