import Foundation
import TakumiAgent

/// Where the in-process engine is wired in for the commands of this area. Until the engine's
/// `TextGenerator` lands, a real model can be located but not run: the error says so.
enum EngineConnection {
    static let defaultModelName = "qwen2.5-coder-0.5b-instruct"

    static func modelPath(spec: String?, environment: [String: String]) -> String {
        let value = spec ?? defaultModelName
        if value.contains("/") || value.hasSuffix(".gguf") { return value }
        let home = environment["TAKUMI_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache/takumi")
        return "\(home)/models/\(value).gguf"
    }

    static func makeGenerator(spec: String?, environment: [String: String]) throws -> TextGenerator {
        let path = modelPath(spec: spec, environment: environment)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(message: "model not found: \(path) (run scripts/fetch-model, or pass --model)")
        }
        throw CommandFailure(message: "this build has no inference engine linked in yet (model \(path))")
    }
}
