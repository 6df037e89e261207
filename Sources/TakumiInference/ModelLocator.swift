import Foundation

/// Turns `--model NAME|PATH` into a file path. A value containing a `/` or ending in
/// `.gguf` is a path; anything else is a name under `${TAKUMI_HOME:-~/.cache/takumi}/models/`.
public struct ModelLocator: Sendable {
    public static let defaultModelName = "qwen2.5-coder-0.5b-instruct"

    public var home: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let h = environment["TAKUMI_HOME"], !h.isEmpty {
            home = h
        } else {
            let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            home = userHome + "/.cache/takumi"
        }
    }

    public var modelsDirectory: String { home + "/models" }

    /// The path for `nameOrPath` (nil = the default model). Throws `modelNotFound` (naming the
    /// path and the fetch command) when a named model is not downloaded, `cannotOpen` when an
    /// explicit path does not exist.
    public func resolve(_ nameOrPath: String?) throws -> String {
        let value = nameOrPath ?? Self.defaultModelName
        if value.contains("/") || value.hasSuffix(".gguf") {
            guard FileManager.default.fileExists(atPath: value) else {
                throw InferenceError.cannotOpen(path: value, reason: "no such file")
            }
            return value
        }
        let path = "\(modelsDirectory)/\(value).gguf"
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError.modelNotFound(name: value, path: path)
        }
        return path
    }
}
