import ArgumentParser
import Foundation
import TakumiAgent

/// Options of the commands that ask the model for a short answer: commit-message, review,
/// filter, complete and the hooks.
struct AssistOptions: ParsableArguments {
    /// --model, --threads, --context, --server (without them: settings, then the default model).
    @OptionGroup var backend: BackendOptions

    @Option(name: .long, help: ArgumentHelp("Directory of prompt templates that overrides the installed ones.", valueName: "DIR"))
    var prompts: String?

    @Option(name: .customLong("time-limit"), help: ArgumentHelp(
        "Give up after this many seconds (model loading included).", valueName: "SECONDS"))
    var timeLimit: Double?

    /// Settings from config files and environment with these flags laid over them; warnings
    /// (unknown config keys) go to `warn`, by default stderr.
    func settings(repositoryRoot: String?, environment: [String: String],
                  warn: (String) -> Void = { Console().diagnostic("takumi: warning: \($0)") }) throws -> Settings {
        var flags = backend.flags
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
        try backend.makeGenerator(settings, environment: environment)
    }
}

/// `--lang ja|en` for commands that write prose.
extension MessageLanguage: ExpressibleByArgument {}

/// Failure at the edge of a command: the message for stderr and the exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(message: String) { description = message }
}

/// The current working directory.
func currentDirectory() -> String { FileManager.default.currentDirectoryPath }
