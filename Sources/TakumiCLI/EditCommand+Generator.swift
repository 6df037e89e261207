import Foundation
import TakumiAgent

extension EditCommand {
    /// The model behind `takumi edit` and `takumi context`'s token counts: the one backend
    /// factory (`ModelConnection`): `scripted:FILE` (the process-level tests' stand-in, with
    /// TAKUMI_SCRIPTED_DELAY and TAKUMI_SCRIPTED_LOG), or a GGUF model run in-process.
    static func makeTextGenerator(_ options: ModelOptions) throws -> TextGenerator {
        try ModelConnection.makeGenerator(spec: options.model, modelOptions: options,
                                          environment: ProcessInfo.processInfo.environment)
    }
}
