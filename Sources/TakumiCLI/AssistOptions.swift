import ArgumentParser
import Foundation
import TakumiAgent
import TakumiInference

/// Options of the commands that ask the model for a short answer: commit-message, review,
/// filter, complete and the hooks.
struct AssistOptions: ParsableArguments {
    /// --model, --threads, --context (without --model: $TAKUMI_MODEL, then the default model).
    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: ArgumentHelp("Directory of prompt templates that overrides the installed ones.", valueName: "DIR"))
    var prompts: String?

    @Option(name: .customLong("time-limit"), help: ArgumentHelp(
        "Give up after this many seconds (model loading included).", valueName: "SECONDS"))
    var timeLimit: Double?

    /// Settings from config files and environment with these flags laid over them; warnings
    /// (unknown config keys) go to `warn`, by default stderr.
    func settings(repositoryRoot: String?, environment: [String: String],
                  warn: (String) -> Void = { Console().diagnostic("takumi: warning: \($0)") }) throws -> Settings {
        var flags = Settings()
        flags.model = modelOptions.model.flatMap { $0.isEmpty ? nil : $0 }
        flags.prompts = prompts
        let (settings, warnings) = try Settings.load(repositoryRoot: repositoryRoot, environment: environment, flags: flags)
        warnings.forEach(warn)
        return settings
    }

    /// `--time-limit`, else `configured` (nil: none); 0 or less means none.
    func timeLimit(orElse configured: Double?) -> Double? {
        guard let timeLimit else { return configured }
        return timeLimit > 0 ? timeLimit : nil
    }

    func promptLibrary(_ settings: Settings, repositoryRoot: String?, environment: [String: String]) -> PromptLibrary {
        PromptLibrary(explicitDirectory: settings.prompts, environment: environment, repositoryRoot: repositoryRoot)
    }

    func makeGenerator(_ settings: Settings, environment: [String: String]) throws -> TextGenerator {
        try ModelConnection.makeGenerator(spec: settings.model, modelOptions: modelOptions, environment: environment)
    }
}

/// `--lang ja|en` for commands that write prose.
extension MessageLanguage: ExpressibleByArgument {}

/// Turns a model spec into a `TextGenerator`.
///
/// `scripted:FILE` is a testing aid: a generator that replays FILE's text as the answer
/// (slowly with `TAKUMI_SCRIPTED_DELAY=SECONDS` per word; each prompt appended to
/// `TAKUMI_SCRIPTED_LOG` when set), so process-level tests of hooks
/// and editors get a fast, deterministic "working model" and a slow one.
enum ModelConnection {
    static let scriptedPrefix = "scripted:"

    static func makeGenerator(spec: String?, modelOptions: ModelOptions, environment: [String: String]) throws -> TextGenerator {
        if let spec, spec.hasPrefix(scriptedPrefix) {
            let path = String(spec.dropFirst(scriptedPrefix.count))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AgentError.fileNotReadable(path: path, reason: "no such scripted answer file")
            }
            let delay = environment["TAKUMI_SCRIPTED_DELAY"].flatMap(Double.init) ?? 0
            return ReplayTextGenerator(answer: String(decoding: data, as: UTF8.self), delayPerPiece: delay,
                                       requestLogPath: environment["TAKUMI_SCRIPTED_LOG"])
        }
        let path = try ModelLocator(environment: environment).resolve(spec)
        return try EngineTextGenerator(path: path, contextLength: modelOptions.context, threads: modelOptions.threadCount)
    }
}

/// Failure at the edge of a command: the message for stderr and the exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(message: String) { description = message }
}

/// The current working directory.
func currentDirectory() -> String { FileManager.default.currentDirectoryPath }
