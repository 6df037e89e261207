import Foundation
import TakumiAgent

extension EditCommand {
    /// The model behind `takumi edit`. `--model scripted:FILE` replays FILE's text as every
    /// answer (a deterministic stand-in for process-level tests, shared with the hooks
    /// commands); anything else names a GGUF model run in-process by the engine.
    func makeTextGenerator(_ options: ModelOptions) throws -> TextGenerator {
        if let spec = options.model, spec.hasPrefix("scripted:") {
            let path = String(spec.dropFirst("scripted:".count))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AgentError.fileNotFound(path: path)
            }
            return ReplayTextGenerator(answer: String(decoding: data, as: UTF8.self))
        }
        return try makeEngineTextGenerator(options)
    }
}
