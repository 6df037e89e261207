import ArgumentParser
import Foundation
import TakumiAgent
import TakumiGit

/// `takumi edit "instruction" [paths…]`: change code with the local model; the change reaches
/// the working tree only after the project's tests pass on an isolated copy.
///
/// Exit codes: 0 applied (or dry run passed), 1 error (repository, model, I/O), 2 no candidate
/// passed (nothing changed), 3 a target changed while takumi ran (nothing written), 4 no test
/// command found (use --test or --no-test), 64 usage, 130 interrupted by Ctrl-C or SIGTERM (nothing changed).
public struct EditCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit files with the local model; apply only a change whose tests pass.",
        discussion: """
        Without paths, the files to edit are guessed from the instruction. Tests run in a \
        temporary worktree (HEAD + your uncommitted changes + the candidate); your working tree, \
        index and refs are untouched until a candidate passes. `takumi undo` reverts the last edit.
        Exit codes: 0 applied/dry run ok, 2 no candidate passed, 3 file changed meanwhile, \
        4 no test command found, 64 usage, 130 interrupted.
        """)

    @Argument(help: "What to change, in plain words (any language).")
    public var instruction: String

    @Argument(help: "Files the model may change (relative to the current directory).")
    public var paths: [String] = []

    @OptionGroup public var modelOptions: ModelOptions

    @Option(name: .customLong("test"), help: ArgumentHelp("Test command (run with /bin/sh in the isolated copy).", valueName: "CMD"))
    public var testCommand: String?

    @Flag(name: .customLong("no-test"), help: "Apply the first well-formed answer without running tests.")
    public var noTest = false

    @Flag(name: .long, help: "Print the diff of the passing candidate; write nothing.")
    public var dryRun = false

    @Flag(name: .long, help: "Print one JSON document: {applied, attempts, diff, files, ...}.")
    public var json = false

    // `.unconditional`: `--attempts -1` is a bad number to name, not a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Candidates to try, each with the previous failure fed back (default 3).")
    public var attempts: Int?

    @Option(name: .long, help: ArgumentHelp("Answer format: auto, search-replace or whole-file.", valueName: "FORMAT"))
    public var format: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Test time limit in seconds (default 300).", valueName: "SECONDS"))
    public var timeout: Double?

    @Option(name: .long, parsing: .unconditional, help: "Most tokens per answer (default 1536; whole-file answers get room for the file).")
    public var maxTokens: Int?

    @Option(name: .long, help: ArgumentHelp("Directory of prompt templates overriding the built-in ones.", valueName: "DIR"))
    public var prompts: String?

    public init() {}

    public mutating func validate() throws {
        if instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the instruction is empty")
        }
        if noTest && testCommand != nil { throw ValidationError("--test and --no-test cannot be used together") }
        if let a = attempts, !(1...20).contains(a) { throw ValidationError("--attempts must be 1...20, got \(a)") }
        if let f = format, EditSettings.FormatChoice(rawValue: f) == nil {
            throw ValidationError("--format must be auto, search-replace or whole-file, got '\(f)'")
        }
        if let t = timeout, !t.isFinite || t < 1 { throw ValidationError("--timeout must be a number of seconds, at least 1, got \(t)") }
        if let m = maxTokens, m < 16 { throw ValidationError("--max-tokens must be at least 16, got \(m)") }
    }

    public func run() throws {
        let console = Console()
        let interrupt = InterruptHandler()
        defer { interrupt.restore() }
        do {
            let report = try execute(console: console, cancellation: interrupt.flag)
            try print(report, console: console)
            if !report.passed { throw ExitCode(2) }
        } catch let error as AgentError {
            if json { try? console.json(ErrorReport(applied: false, error: error.description, errorKind: error.kind)) }
            throw EditCommand.exit(for: error, console: console)
        } catch let error as GitError {
            if json { try? console.json(ErrorReport(applied: false, error: error.description, errorKind: "git")) }
            console.diagnostic("takumi edit: \(error)")
            throw ExitCode.failure
        }
    }

    /// What `--json` prints when the run ends in an error instead of a report.
    struct ErrorReport: Encodable {
        var applied: Bool
        var error: String
        var errorKind: String
        enum CodingKeys: String, CodingKey { case applied, error, errorKind = "error_kind" }
    }

    static func exit(for error: AgentError, console: Console) -> ExitCode {
        console.diagnostic("takumi edit: \(error)")
        switch error {
        case .cancelled: return ExitCode(130)
        case .fileChangedSinceRead: return ExitCode(3)
        case .testCommandNotDetected: return ExitCode(4)
        case .configSyntax, .configValue, .unsafePath: return ExitCode(64)
        default: return ExitCode.failure
        }
    }

    func execute(console: Console, cancellation: CancellationFlag) throws -> EditReport {
        let environment = ProcessInfo.processInfo.environment
        // GIT_DIR / GIT_WORK_TREE are honored, as by git and the other commands.
        let repository = try Repository.openFromEnvironment()
        let root = try repository.workingDirectory(for: "edit")
        // One edit (or undo) at a time per repository: the undo record is never raced.
        let lock = try EditLock.acquire(gitDirectory: repository.gitDirectory, purpose: "takumi edit")
        defer { lock.release() }
        let settings = try resolvedSettings(root: root, environment: environment, console: console)

        var options = EditOptions(instruction: instruction, targetPaths: [])
        let tracked = (try? repository.trackedFiles().map(\.path)) ?? []
        let named = try paths.map { try repositoryRelative($0, root: root) }
        let directories = named.compactMap { if case let .directory(d) = $0 { return d } else { return nil } }
        let files = named.compactMap { if case let .file(f) = $0 { return f } else { return nil } }
        if !files.isEmpty && !directories.isEmpty {
            throw ValidationError("\(directories[0].isEmpty ? "." : directories[0]) is a directory: name files, or only directories to let takumi choose files in them")
        }
        try checkCancelled(cancellation)
        if files.isEmpty {
            let scope = directories.contains("") || directories.isEmpty ? tracked
                : tracked.filter { path in directories.contains { path.hasPrefix($0 + "/") } }
            let guess = TargetFileGuesser().guess(instruction: instruction, files: scope) { path in
                FileManager.default.contents(atPath: root + path).map { String(decoding: $0, as: UTF8.self) }
            }
            guard !guess.targets.isEmpty else {
                throw ValidationError("no file to edit could be guessed from the instruction; name the files: takumi edit \"…\" PATH…")
            }
            options.targetPaths = guess.targets
            options.context = guess.relatedTests.compactMap { readPromptFile($0, root: root) }
            console.progress("editing \(guess.targets.joined(separator: ", ")) (\(guess.reason))")
        } else {
            options.targetPaths = files
            let related = TargetFileGuesser().relatedTests(for: options.targetPaths, in: tracked)
            options.context = related.compactMap { readPromptFile($0, root: root) }
        }
        options.format = settings.format ?? .auto
        options.wholeFileMaxLines = settings.wholeFileMaxLines ?? 150
        options.attempts = settings.attempts ?? 3
        options.maxTokens = settings.maxTokens ?? 1536
        options.temperature = settings.temperature ?? 0
        options.testTimeout = settings.testTimeout ?? 300
        options.dryRun = dryRun
        if !noTest {
            if let command = settings.testCommand {
                options.testCommand = command
            } else if let detected = TestCommandDetector.detect(root: root) {
                options.testCommand = detected.command
                console.progress("test command: \(detected.command) (\(detected.reason))")
            } else {
                throw AgentError.testCommandNotDetected(root: root)
            }
        }

        let library = PromptLibrary(explicitDirectory: prompts ?? settings.prompts, environment: environment, repositoryRoot: root)
        var modelOptions = self.modelOptions
        if modelOptions.model == nil { modelOptions.model = settings.model }
        try checkCancelled(cancellation)
        console.progress("loading model…")
        let generator = try makeTextGenerator(modelOptions)
        try checkCancelled(cancellation)
        let session = EditSession(repository: repository, generator: generator, prompts: EditPromptBuilder(library: library),
                                  options: options, cancellation: cancellation)
        session.onProgress = { console.progress($0) }
        return try session.run()
    }

    private func resolvedSettings(root: String, environment: [String: String], console: Console) throws -> EditSettings {
        var flags = EditSettings()
        flags.model = modelOptions.model
        flags.prompts = prompts
        flags.format = format.flatMap(EditSettings.FormatChoice.init(rawValue:))
        flags.attempts = attempts
        flags.maxTokens = maxTokens
        flags.testCommand = testCommand
        flags.testTimeout = timeout
        let (settings, warnings) = try EditSettings.load(repositoryRoot: String(root.dropLast(root.hasSuffix("/") ? 1 : 0)),
                                                         environment: environment, flags: flags)
        for warning in warnings { console.diagnostic("takumi: warning: \(warning)") }
        return settings
    }

    private func readPromptFile(_ path: String, root: String) -> PromptFile? {
        guard let data = FileManager.default.contents(atPath: root + path), data.count <= 32_000,
              let file = try? TextFile(data: data, path: path) else { return nil }
        return PromptFile(path: path, text: file.text)
    }

    enum NamedPath { case file(String), directory(String) }

    /// A path given on the command line (relative to the current directory) as a path
    /// relative to the repository root (a directory: "" for the root itself); refused when it
    /// is outside the repository. Only the directories are resolved through symlinks: a file
    /// that is a link is refused by the path rules, not silently swapped for its target.
    func repositoryRelative(_ path: String, root: String) throws -> NamedPath {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path)).standardizedFileURL
        let rootResolved = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let resolved = absolute.resolvingSymlinksInPath().path
            if resolved == rootResolved { return .directory("") }
            guard resolved.hasPrefix(rootResolved + "/") else {
                throw AgentError.unsafePath(path: path, reason: "it is outside the repository \(rootResolved)")
            }
            return .directory(try RepositoryPath.validate(String(resolved.dropFirst(rootResolved.count + 1)), root: rootResolved))
        }
        let parent = absolute.deletingLastPathComponent().resolvingSymlinksInPath().path
        let standardized = (parent as NSString).appendingPathComponent(absolute.lastPathComponent)
        guard standardized.hasPrefix(rootResolved + "/") else {
            throw AgentError.unsafePath(path: path, reason: "it is outside the repository \(rootResolved)")
        }
        return .file(try RepositoryPath.validate(String(standardized.dropFirst(rootResolved.count + 1)), root: rootResolved))
    }

    private func checkCancelled(_ cancellation: CancellationFlag) throws {
        if cancellation.isCancelled { throw AgentError.cancelled }
    }

    private func print(_ report: EditReport, console: Console) throws {
        if json {
            try console.json(report)
            return
        }
        for (index, attempt) in report.attempts.enumerated() where !attempt.accepted {
            let why = attempt.error ?? attempt.test.map { t in
                t.timedOut ? "tests timed out (\(t.command))" : "tests failed (\(t.command), exit \(t.exitCode))"
            } ?? "rejected"
            console.diagnostic("attempt \(index + 1): \(why)")
        }
        if !report.diff.isEmpty { console.result(report.diff.hasSuffix("\n") ? report.diff : report.diff + "\n") }
        console.resultLine(report.summary)
    }
}
