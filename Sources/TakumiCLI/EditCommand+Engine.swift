import Foundation
import TakumiAgent
import TakumiInference

extension EditCommand {
    /// The in-process engine for the model named by `--model` (or the default model).
    func makeEngineTextGenerator(_ options: ModelOptions) throws -> TextGenerator {
        try EngineTextGenerator(path: try options.resolvedPath(), contextLength: options.context,
                                threads: options.threadCount)
    }
}
