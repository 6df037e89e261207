import ArgumentParser
import Foundation
import TakumiAgent

/// `takumi review`: findings about a change, each naming file and line.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review the staged change (or a commit range) for likely bugs and missing tests.",
        discussion: "Prints one finding per line as FILE:LINE: TEXT. Exit status 0 with or without findings "
            + "(use --fail-on-findings to get 1 when there are some)."
    )

    @Flag(name: .long, help: "Review the staged change (the default).") var staged = false
    @Option(name: .long, help: ArgumentHelp("Review a commit range instead, e.g. main..HEAD.", valueName: "A..B"))
    var range: String?
    @Option(name: .long, help: "Language: ja or en (default: TAKUMI_LANG or config lang, else the recent history's).")
    var lang: MessageLanguage?
    @Flag(name: .long, help: "Exit with status 1 when there are findings.") var failOnFindings = false
    @Flag(name: .long, help: "Print one JSON document.") var json = false
    @Flag(name: .long, help: "Stream JSON events, one per line (context, token, result, error).") var jsonl = false
    @OptionGroup var assist: AssistOptions

    func validate() throws {
        if staged && range != nil { throw ValidationError("--staged and --range cannot be combined") }
        if json && jsonl { throw ValidationError("--json and --jsonl cannot be combined") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        let events = JSONLEventWriter()
        let result: ReviewResult
        do {
            let git = try ChangeSource.openFromEnvironment()
            let diff = try range.map { try git.rangeDiff($0) } ?? git.stagedDiff()
            guard !diff.isEmpty else {
                throw range.map { AgentError.emptyDiff(description: $0) } ?? AgentError.nothingStaged
            }
            let settings = try assist.settings(repositoryRoot: git.rootPath, environment: environment)
            let generator = try assist.makeGenerator(settings, environment: environment)
            let library = assist.promptLibrary(settings, repositoryRoot: git.rootPath, environment: environment)
            let writer = ReviewWriter(generator: generator, render: library.render)
            let language = lang ?? settings.language
            let deadline = assist.timeLimit(orElse: nil).map { GenerationDeadline(seconds: $0) }
            if jsonl {
                events.emit("context", ["files": ParsedDiff.parse(diff).files.map(\.path), "model": generator.modelDescription])
            }
            console.progress("takumi: reviewing with \(generator.modelDescription)…")
            result = try writer.review(diffText: diff, language: language, history: try git.recentCommitMessages(count: 20),
                                       deadline: deadline) { piece in
                if jsonl { events.emit("token", ["text": piece]) }
            }
        } catch {
            if jsonl { events.emit("error", ["message": String(describing: error)]) }
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
        if jsonl {
            events.emit("result", ["review": JSONLEventWriter.object(result)])
        } else if json {
            try console.json(result)
        } else {
            for suggestion in result.suggestions { console.resultLine(suggestion.formatted) }
            if result.suggestions.isEmpty { console.progress("takumi: no findings") }
        }
        if failOnFindings && !result.suggestions.isEmpty { throw ExitCode.failure }
    }
}
