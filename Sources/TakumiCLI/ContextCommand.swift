import ArgumentParser
import Foundation
import TakumiAgent
import TakumiGit
import TakumiInference

/// `takumi context`: shows what would be sent to the model for an instruction, and why.
public struct ContextCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Show which files and snippets would be sent to the model for an instruction, and why."
    )

    @Option(name: .long, help: "Token budget for the context.")
    var budget: Int = 6000

    @Flag(name: .long, help: "Print JSON (repository, files with reasons and tokens, map_tokens, total_tokens).")
    var json = false

    @Flag(name: .long, help: "Also print the context text itself, as it would be sent.")
    var full = false

    @Flag(name: .long, help: "Do not read or write the term cache ($TAKUMI_HOME/cache/context).")
    var noCache = false

    @Option(name: .long, help: ArgumentHelp(
        "Model whose tokenizer counts the budget (default model; the estimate is used when it is not installed).",
        valueName: "NAME|PATH"))
    var model: String?

    @Flag(name: .long, help: "Count tokens with the fast estimate instead of the model's tokenizer.")
    var estimate = false

    @Argument(help: "What you want done, in words.")
    var instruction: String

    @Argument(help: "Files or directories to include in any case.")
    var paths: [String] = []

    public init() {}

    public func validate() throws {
        if budget < 64 { throw ValidationError("--budget must be at least 64 tokens (got \(budget))") }
        if instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the instruction is empty")
        }
    }

    public func run() throws {
        let console = Console()
        let repository: Repository
        do { repository = try Repository.openFromEnvironment() } catch {
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = paths.map { $0.hasPrefix("/") ? $0 : (cwd as NSString).appendingPathComponent($0) }
            .map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
        let selection: ContextSelection
        do {
            selection = try ContextSelector(repository: repository, tokenCounter: tokenCounter(console))
                .select(ContextRequest(instruction: instruction, paths: absolute, budget: budget,
                                       cacheDirectory: noCache ? nil : Self.cacheDirectory()))
        } catch {
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
        if json {
            try console.json(ContextReport(selection))
            return
        }
        console.resultLine(render(selection, console: console))
        if full { console.resultLine("\n" + selection.promptText()) }
    }

    /// The model's own tokenizer (vocabulary only; the weights are not loaded), or the
    /// estimate when asked for or when the model is not installed.
    private func tokenCounter(_ console: Console) -> TokenCounter {
        if estimate { return EstimatingTokenCounter() }
        do {
            return TokenizerTokenCounter(tokenizer: try Tokenizer(ggufPath: try ModelLocator().resolve(model)))
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

    private func render(_ selection: ContextSelection, console: Console) -> String {
        let repo = selection.repository
        var lines: [String] = []
        let head = repo.head.map { String($0.prefix(12)) } ?? "(no commits yet)"
        lines.append("repository \(repo.root) at \(head) on \(repo.branch ?? "(detached)")")
        if !repo.dirtyPaths.isEmpty {
            lines.append("uncommitted: \(repo.dirtyPaths.count) path(s)" + (repo.stagedPaths.isEmpty ? "" : ", \(repo.stagedPaths.count) staged"))
        }
        lines.append("")
        if selection.files.isEmpty { lines.append("no files selected") }
        for file in selection.files {
            var what = file.isPartial
                ? "lines " + file.regions.map { "\($0.startLine)-\($0.endLine)" }.joined(separator: ",") + " of \(file.lineCount)"
                : "whole file"
            if file.uncommittedDiff != nil { what += " + uncommitted diff" }
            if !file.recentCommits.isEmpty { what += " + \(file.recentCommits.count) commit(s)" }
            lines.append("\(console.colored(file.path, 32))  \(file.tokens) tokens, \(what)")
            lines.append("    \(file.reason.rawValue): \(file.detail)")
        }
        let mapLines = selection.map.isEmpty ? 0 : selection.map.split(separator: "\n").count
        lines.append("")
        lines.append("repository map: \(mapLines) path(s), \(selection.mapTokens) tokens")
        lines.append("total: \(selection.totalTokens) of \(selection.budget) tokens")
        return lines.joined(separator: "\n")
    }
}

/// The `--json` shape of `takumi context` (snake_case keys, stable for tools and hooks).
struct ContextReport: Encodable {
    struct RepositoryPart: Encodable {
        var root: String
        var head: String?
        var branch: String?
        var dirty_paths: [String]
        var staged_paths: [String]
    }
    struct FilePart: Encodable {
        var path: String
        var reason: String
        var detail: String
        var tokens: Int
        var partial: Bool
        var lines: [String]
    }
    var repository: RepositoryPart
    var files: [FilePart]
    var map_tokens: Int
    var total_tokens: Int
    var budget: Int

    init(_ selection: ContextSelection) {
        let repo = selection.repository
        repository = RepositoryPart(root: repo.root, head: repo.head, branch: repo.branch,
                                    dirty_paths: repo.dirtyPaths, staged_paths: repo.stagedPaths)
        files = selection.files.map { file in
            FilePart(path: file.path, reason: file.reason.rawValue, detail: file.detail, tokens: file.tokens,
                     partial: file.isPartial, lines: file.regions.map { "\($0.startLine)-\($0.endLine)" })
        }
        map_tokens = selection.mapTokens
        total_tokens = selection.totalTokens
        budget = selection.budget
    }
}

/// Budgets counted with the model's real tokenizer.
struct TokenizerTokenCounter: TokenCounter {
    let tokenizer: Tokenizer
    func countTokens(_ text: String) -> Int { tokenizer.encode(text, parseSpecial: false).count }
}
