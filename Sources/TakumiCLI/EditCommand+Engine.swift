import Foundation
import TakumiAgent
import TakumiInference

extension EditCommand {
    /// Wires the in-process engine. Until the engine's `TextGenerator` adapter is merged, this
    /// locates the model (so a missing model is reported as such) and reports that no engine
    /// is linked in.
    func makeEngineTextGenerator(_ options: ModelOptions) throws -> TextGenerator {
        let path = try options.resolvedPath()
        throw AgentError.processLaunchFailed(command: "model \(path)", reason: "this build has no inference engine adapter linked in yet")
    }
}
