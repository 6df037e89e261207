import ArgumentParser
import Foundation
import TakumiAgent
import TakumiBackends
import TakumiGit
import TakumiInference

/// `takumi context`: shows exactly what `takumi edit` would send the model for an
/// instruction (the same plan, made by the same code: `EditPlanOptions.makePlan`), and why.
/// Like `edit`, it runs the tests once to see what fails (skip with `--no-test`).
public struct ContextCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Show what `takumi edit` would send the model for an instruction, and why.",
        discussion: "The same flags as `takumi edit` decide the plan; like edit, the tests run once first unless --no-test.")

    @Argument(help: "What you want done, in words.")
    var instruction: String

    @Argument(help: "Files the model may change (relative to the current directory); guessed when none.")
    var paths: [String] = []

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var planOptions: EditPlanOptions

    @Flag(name: .long, help: "Print JSON: {files, references, format, test_command, prompt_tokens, answer_tokens, context_tokens, notes, messages}.")
    var json = false

    @Flag(name: .long, help: "Also print the prompt itself, as it would be sent.")
    var full = false

    @Flag(name: .long, help: "Count tokens with the fast estimate instead of the model's tokenizer.")
    var estimate = false

    public init() {}

    public func validate() throws {
        if instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the instruction is empty")
        }
        try planOptions.check()
    }

    public func run() throws {
        let console = Console()
        let environment = ProcessInfo.processInfo.environment
        let plan: EditPlan
        let messages: [ChatMessage]
        do {
            let repository = try Repository.openFromEnvironment()
            let root = try repository.workingDirectory(for: "show the context")
            var backend = Settings()
            backend.model = modelOptions.model
            let settings = try planOptions.settings(root: root, backend: backend, environment: environment, console: console)
            let targetPaths = try paths.map { try EditCommand.repositoryRelative($0, root: root) }
            var modelOptions = self.modelOptions
            if modelOptions.model == nil { modelOptions.model = settings.model }
            let interrupt = InterruptHandler()
            defer { interrupt.restore() }
            let builder: EditPromptBuilder
            (plan, builder) = try planOptions.makePlan(
                instruction: instruction, paths: targetPaths, repository: repository, root: root, settings: settings,
                contextTokens: modelOptions.context, counter: try tokenCounter(modelOptions, console), console: console,
                cancellation: interrupt.flag, environment: environment)
            messages = try builder.initialMessages(plan: plan)
        } catch let error as AgentError {
            console.diagnostic("takumi context: \(error)")
            throw EditCommand.exitCode(for: error)
        } catch {
            console.diagnostic("takumi context: \(error)")
            throw ExitCode.failure
        }
        if json {
            try console.json(ContextReport(plan, messages: messages))
            return
        }
        console.resultLine(render(plan, console: console))
        if full {
            for message in messages { console.resultLine("\n### \(message.role.rawValue)\n\(message.content)") }
        }
    }

    /// What edit would count with: the scripted stand-in's own count, the model's tokenizer
    /// (vocabulary only; the weights are not loaded), or the estimate when asked for or when
    /// the model is not installed.
    private func tokenCounter(_ options: ModelOptions, _ console: Console) throws -> TokenCounter {
        if estimate { return EstimatingTokenCounter() }
        if let spec = options.model, spec.hasPrefix("scripted:") {
            return GeneratorTokenCounter(generator: try BackendFactory.makeGenerator(BackendSpec(model: spec)))
        }
        do {
            return TokenizerTokenCounter(tokenizer: try Tokenizer(ggufPath: try ModelLocator().resolve(options.model)))
        } catch {
            console.progress("takumi: counting tokens with an estimate (\(error))")
            return EstimatingTokenCounter()
        }
    }

    /// `${TAKUMI_HOME:-~/.cache/takumi}/cache/context`.
    static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let home = environment["TAKUMI_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/takumi")
        return home.appendingPathComponent("cache/context")
    }

    private func render(_ plan: EditPlan, console: Console) -> String {
        var lines: [String] = []
        for target in plan.targets {
            let what = target.regions.map { regions in
                "lines " + regions.map { "\($0.startLine)-\($0.endLine)" }.joined(separator: ", ") + " of \(target.lineCount)"
                    + (target.outline.isEmpty ? "" : " + outline of \(target.outline.count) definitions")
            } ?? "whole file (\(target.lineCount) lines)"
            lines.append("\(console.colored(target.path, 32))  \(what)")
            lines.append("    \(target.reason)")
            for region in target.regions ?? [] { lines.append("    lines \(region.startLine)-\(region.endLine): \(region.reason)") }
        }
        for reference in plan.references {
            lines.append("reference \(reference.path) lines \(reference.startLine)-\(reference.endLine): \(reference.reason)")
        }
        if let test = plan.testCommand { lines.append("test command: \(test)") }
        if plan.failureExcerpt != nil { lines.append("the failing run's first failure is shown") }
        lines.append("format: \(plan.format.rawValue)")
        lines.append("prompt: \(plan.promptTokens) tokens + \(plan.answerTokens) for the answer, of \(plan.contextTokens)")
        return lines.joined(separator: "\n")
    }
}

/// The `--json` shape of `takumi context` (snake_case keys, stable for tools and hooks).
struct ContextReport: Encodable {
    struct RegionPart: Encodable {
        var start_line: Int
        var end_line: Int
        var definitions: [String]
        var reason: String
    }
    struct FilePart: Encodable {
        var path: String
        var reason: String
        var lines: Int
        var whole: Bool
        var regions: [RegionPart]
        var outline: [String]
    }
    struct ReferencePart: Encodable {
        var path: String
        var start_line: Int
        var end_line: Int
        var reason: String
    }
    struct MessagePart: Encodable {
        var role: String
        var content: String
    }
    var files: [FilePart]
    var references: [ReferencePart]
    var format: String
    var test_command: String?
    var prompt_tokens: Int
    var answer_tokens: Int
    var context_tokens: Int
    var notes: [String]
    var messages: [MessagePart]

    init(_ plan: EditPlan, messages: [ChatMessage]) {
        files = plan.targets.map { target in
            FilePart(path: target.path, reason: target.reason, lines: target.lineCount, whole: target.isWhole,
                     regions: (target.regions ?? []).map {
                         RegionPart(start_line: $0.startLine, end_line: $0.endLine, definitions: $0.definitions, reason: $0.reason)
                     },
                     outline: target.outline)
        }
        references = plan.references.map { ReferencePart(path: $0.path, start_line: $0.startLine, end_line: $0.endLine, reason: $0.reason) }
        format = plan.format.rawValue
        test_command = plan.testCommand
        prompt_tokens = plan.promptTokens
        answer_tokens = plan.answerTokens
        context_tokens = plan.contextTokens
        notes = plan.notes
        self.messages = messages.map { MessagePart(role: $0.role.rawValue, content: $0.content) }
    }
}

/// Budgets counted with the model's real tokenizer.
struct TokenizerTokenCounter: TokenCounter {
    let tokenizer: Tokenizer
    func countTokens(_ text: String) -> Int { tokenizer.encode(text, parseSpecial: false).count }
}
