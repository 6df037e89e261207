import ArgumentParser
import Foundation
import TakumiInference

/// Options every command that runs the model shares.
public struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Model name (under $TAKUMI_HOME/models, default ~/.cache/takumi/models) or path to a .gguf file.",
        valueName: "NAME|PATH"))
    public var model: String?

    @Option(name: .long, help: "Worker threads (default: all cores).")
    public var threads: Int?

    @Option(name: .long, help: "Context size in tokens (KV cache capacity; default 8192, at most the model's).")
    public var context: Int = 8192

    public init() {}

    public mutating func validate() throws {
        if let t = threads, t < 1 || t > 512 { throw ValidationError("--threads must be between 1 and 512, got \(t)") }
        if context < 16 { throw ValidationError("--context must be at least 16, got \(context)") }
    }

    public var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The model file path (throws a clear error naming the path and `scripts/fetch-model`).
    public func resolvedPath() throws -> String {
        try ModelLocator().resolve(model)
    }
}
