import ArgumentParser
import Foundation
import TakumiAgent

/// `takumi commit-message`: the message the prepare-commit-msg hook would write, on stdout.
struct CommitMessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit-message",
        abstract: "Suggest a commit message for the staged change.",
        discussion: "Follows the repository's own style and language (recent history), unless --lang is given. "
            + "Example: git commit -m \"$(takumi commit-message)\" -e"
    )

    @Flag(name: .long, help: "Describe the staged change (the default and only source).") var staged = false
    @Option(name: .long, help: "Language: ja or en (default: TAKUMI_LANG or config lang, else the recent history's).")
    var lang: MessageLanguage?
    @Option(name: .long, help: "A hint about the change for the model (its language also sets the message's).")
    var hint: String?
    @Flag(name: .long, help: "Print where the time went (repository, model load, prefill, decode) on stderr.")
    var timings = false
    @Flag(name: .long, help: "Print one JSON document.") var json = false
    @Flag(name: .long, help: "Stream JSON events, one per line (context, token, result, error).") var jsonl = false
    @OptionGroup var assist: AssistOptions

    func validate() throws {
        if json && jsonl { throw ValidationError("--json and --jsonl cannot be combined") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        let events = JSONLEventWriter()
        let clock = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9 }
        do {
            let git = try ChangeSource.openFromEnvironment()
            let diff = try git.stagedDiff()
            guard !diff.isEmpty else { throw AgentError.nothingStaged }
            let history = try git.recentCommitMessages(count: 20)
            let repositorySeconds = seconds()
            let settings = try assist.settings(repositoryRoot: git.rootPath, environment: environment)
            let generator = try assist.makeGenerator(settings, environment: environment)
            let loadSeconds = seconds() - repositorySeconds
            let library = assist.promptLibrary(settings, repositoryRoot: git.rootPath, environment: environment)
            let writer = CommitMessageWriter(generator: generator, render: library.render)
            let language = lang ?? settings.language
            let deadline = assist.timeLimit(orElse: nil).map { GenerationDeadline(seconds: $0) }
            if jsonl {
                events.emit("context", ["files": ParsedDiff.parse(diff).files.map(\.path), "history": history.count,
                                        "model": generator.modelDescription])
            }
            console.progress("takumi: writing a commit message with \(generator.modelDescription)…")
            let suggestion = try writer.write(diffText: diff, history: history, language: language, instruction: hint,
                                              deadline: deadline) { piece in
                if jsonl { events.emit("token", ["text": piece]) }
            }
            if timings {
                console.diagnostic(String(format: "takumi: repository %.2f s, model load %.2f s, %d generation(s): prompt %d tokens, prefill %.2f s, "
                                          + "%d tokens decoded in %.2f s, total %.2f s",
                                          repositorySeconds, loadSeconds, suggestion.attempts, suggestion.promptTokens, suggestion.prefillSeconds,
                                          suggestion.generatedTokens, suggestion.decodeSeconds, seconds()))
            }
            if jsonl {
                events.emit("result", ["commitMessage": JSONLEventWriter.object(suggestion)])
            } else if json {
                try console.json(suggestion)
            } else {
                console.resultLine(suggestion.message)
            }
        } catch {
            if jsonl { events.emit("error", ["message": String(describing: error)]) }
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
    }
}
