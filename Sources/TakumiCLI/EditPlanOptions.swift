import ArgumentParser
import Foundation
import TakumiAgent
import TakumiGit

/// The flags that decide what `takumi edit` shows the model, shared with `takumi context`
/// (which prints exactly that plan): both commands make their plan through `makePlan`.
struct EditPlanOptions: ParsableArguments {
    @Option(name: .customLong("test"), help: ArgumentHelp("Test command (run with /bin/sh in the isolated copy).", valueName: "CMD"))
    var testCommand: String?

    @Flag(name: .customLong("no-test"), help: "No test gate and no locating test run.")
    var noTest = false

    @Option(name: .long, help: ArgumentHelp("Answer format: auto, whole-file, regions or search-replace.", valueName: "FORMAT"))
    var format: String?

    // `.unconditional`: `--timeout -1` is a bad number to name, not a missing value.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Test time limit in seconds (default 300).", valueName: "SECONDS"))
    var timeout: Double?

    @Option(name: .long, parsing: .unconditional, help: "Tokens of room for each answer (default 1536, or about twice the regions shown; whole-file answers get room for the file).")
    var maxTokens: Int?

    @Option(name: .long, help: ArgumentHelp("Directory of prompt templates overriding the built-in ones.", valueName: "DIR"))
    var prompts: String?

    init() {}

    func check() throws {
        if noTest && testCommand != nil { throw ValidationError("--test and --no-test cannot be used together") }
        if let f = format, Settings.FormatChoice(rawValue: f) == nil {
            throw ValidationError("--format must be auto, whole-file, regions or search-replace, got '\(f)'")
        }
        if let t = timeout, !(t >= 1) || !t.isFinite { throw ValidationError("--timeout must be a number of seconds >= 1, got \(t)") }
        if let m = maxTokens, m < 16 { throw ValidationError("--max-tokens must be at least 16, got \(m)") }
    }

    /// Settings with these flags (over `base`, the backend's flags) laid over config files and environment.
    func settings(root: String, base: Settings, attempts: Int? = nil, environment: [String: String],
                  console: Console) throws -> Settings {
        var flags = base
        flags.prompts = prompts
        flags.format = format.flatMap(Settings.FormatChoice.init(rawValue:))
        flags.attempts = attempts
        flags.maxTokens = maxTokens
        flags.testCommand = testCommand
        flags.testTimeout = timeout
        let (settings, warnings) = try Settings.load(repositoryRoot: root, environment: environment, flags: flags)
        for warning in warnings { console.diagnostic("takumi: warning: \(warning)") }
        return settings
    }

    /// The plan `takumi edit` acts on and `takumi context` prints.
    func makePlan(instruction: String, paths: [String], scope: [String] = [], repository: Repository, root: String, settings: Settings,
                  contextTokens: Int, counter: TokenCounter, console: Console, cancellation: CancellationFlag,
                  environment: [String: String]) throws -> (EditPlan, EditPromptBuilder) {
        let library = PromptLibrary(explicitDirectory: settings.prompts, environment: environment, repositoryRoot: root)
        let builder = EditPromptBuilder(library: library)
        let planner = EditPlanner(repository: repository, counter: counter, prompts: builder, cancellation: cancellation)
        planner.testTimeLimit = settings.testTimeout ?? 300
        planner.cacheDirectory = ContextCommand.cacheDirectory(environment: environment)
        planner.onProgress = { console.progress($0) }
        let test: EditRequest.TestChoice = noTest ? .none : settings.testCommand.map { .command($0) } ?? .detect
        var request = EditRequest(instruction: instruction, paths: paths, test: test,
                                  format: settings.format ?? .auto, wholeFileMaxLines: settings.wholeFileMaxLines ?? 150,
                                  contextTokens: contextTokens, maxAnswerTokens: settings.maxTokens)
        request.scope = scope
        return (try planner.plan(request), builder)
    }
}
