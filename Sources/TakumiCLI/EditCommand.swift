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

    @OptionGroup public var modelOptions: BackendOptions

    @OptionGroup var planOptions: EditPlanOptions

    @Flag(name: .long, help: "Print the diff of the passing candidate; write nothing.")
    public var dryRun = false

    @Flag(name: .long, help: "Print one JSON document: {applied, attempts, diff, files, ...} (errors too: {error: {kind, message}}).")
    public var json = false

    @Flag(name: .long, help: "Stream JSON events, one per line: context, attempt, token, test, applied, error, result.")
    public var jsonl = false

    // `.unconditional`: `--attempts -1` is a bad number to name, not a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Rounds of candidates, each with the previous failure fed back (default 3).")
    public var attempts: Int?

    @Option(name: .long, parsing: .unconditional, help: "Candidates per round, sampled from the same prompt, tested best log-probability first (default 1).")
    public var candidates: Int = 1

    @Option(name: .long, parsing: .unconditional, help: "When an answer copies the code unchanged: answers forked from it where the model doubted a token, each tested (default 4, 0: none; in-process model only).")
    public var forks: Int = 4

    @Option(name: .long, parsing: .unconditional, help: "Before the chat rounds: fixes the model writes in its fill-in-the-middle format for the functions in focus (a stub's body; its own token where it doubts the code), tested best first; at most this many are tested (default: about a minute of test runs, timed by the first run, 12 to 48; 0: none; needs a test command and the in-process model).")
    public var repairs: Int?

    public init() {}

    public mutating func validate() throws {
        do {
            try checkArguments()
        } catch let error as ValidationError {
            if json || jsonl { EditCommand.printError(kind: "usage", message: error.message, jsonl: jsonl) }
            throw error
        }
    }

    private func checkArguments() throws {
        if instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the instruction is empty")
        }
        if json && jsonl { throw ValidationError("--json and --jsonl cannot be used together") }
        if let a = attempts, !(1...20).contains(a) { throw ValidationError("--attempts must be 1...20, got \(a)") }
        if !(1...16).contains(candidates) { throw ValidationError("--candidates must be 1...16, got \(candidates)") }
        if !(0...16).contains(forks) { throw ValidationError("--forks must be 0...16, got \(forks)") }
        if let repairs, !(0...64).contains(repairs) { throw ValidationError("--repairs must be 0...64, got \(repairs)") }
        try planOptions.check()
    }

    public func run() throws {
        let console = Console()
        let interrupt = InterruptHandler()
        defer { interrupt.restore() }
        let events = jsonl ? JSONLEventWriter() : nil
        do {
            let report = try execute(console: console, cancellation: interrupt.flag, events: events)
            if let events {
                events.emit("result", ["edit": JSONLEventWriter.object(report)])
            } else {
                try print(report, console: console)
            }
            if !report.passed { throw ExitCode(2) }
        } catch let error as AgentError {
            if json || jsonl { EditCommand.printError(kind: error.kind, message: error.description, jsonl: jsonl) }
            throw EditCommand.exit(for: error, console: console)
        } catch let error as GitError {
            if json || jsonl { EditCommand.printError(kind: "git", message: error.description, jsonl: jsonl) }
            console.diagnostic("takumi edit: \(error)")
            throw ExitCode.failure
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            if json || jsonl { EditCommand.printError(kind: "usage", message: error.message, jsonl: jsonl) }
            console.diagnostic("takumi edit: \(error.message)")
            throw ExitCode(64)
        } catch {
            // Model files, the engine, I/O: one line naming the problem, exit 1.
            if json || jsonl { EditCommand.printError(kind: "error", message: "\(error)", jsonl: jsonl) }
            console.diagnostic("takumi edit: \(error)")
            throw ExitCode.failure
        }
    }

    /// What `--json` prints when the run ends in an error instead of a report:
    /// `{"applied": false, "passed": false, "error": {"kind", "message"}}`; `--jsonl` an `error` event.
    static func printError(kind: String, message: String, jsonl: Bool) {
        if jsonl {
            JSONLEventWriter().emit("error", ["kind": kind, "message": message])
            return
        }
        try? Console().json(ErrorReport(error: ErrorReport.Detail(kind: kind, message: message)))
    }

    struct ErrorReport: Encodable {
        struct Detail: Encodable { var kind: String; var message: String }
        var applied = false
        var passed = false
        var error: Detail
    }

    static func exit(for error: AgentError, console: Console) -> ExitCode {
        console.diagnostic("takumi edit: \(error)")
        return exitCode(for: error)
    }

    static func exitCode(for error: AgentError) -> ExitCode {
        switch error {
        case .cancelled: return ExitCode(130)
        case .fileChangedSinceRead: return ExitCode(3)
        case .testCommandNotDetected: return ExitCode(4)
        case .configSyntax, .configValue, .unsafePath, .noTargetFound: return ExitCode(64)
        default: return ExitCode.failure
        }
    }

    func execute(console: Console, cancellation: CancellationFlag, events: JSONLEventWriter?) throws -> EditReport {
        let environment = ProcessInfo.processInfo.environment
        // GIT_DIR / GIT_WORK_TREE are honored, as by git and the other commands.
        let repository = try Repository.openFromEnvironment()
        let root = try repository.workingDirectory(for: "edit")
        // One edit (or undo) at a time per repository: the undo record is never raced.
        let lock = try EditLock.acquire(gitDirectory: repository.gitDirectory, purpose: "takumi edit")
        defer { lock.release() }
        let settings = try planOptions.settings(root: root, base: modelOptions.flags, attempts: attempts,
                                                environment: environment, console: console)
        let (targetPaths, scope) = try EditCommand.namedPaths(paths, root: root)
        try checkCancelled(cancellation)

        console.progress("loading model…")
        let generator = try modelOptions.makeGenerator(settings, environment: environment)
        try checkCancelled(cancellation)
        let (plan, builder) = try planOptions.makePlan(
            instruction: instruction, paths: targetPaths, scope: scope, repository: repository, root: root, settings: settings,
            contextTokens: modelOptions.engine.context, counter: GeneratorTokenCounter(generator: generator), console: console,
            cancellation: cancellation, environment: environment)
        try checkCancelled(cancellation)
        for note in plan.notes { console.progress(note) }
        events?.emit("context", ["files": plan.targets.map(\.path), "model": generator.modelDescription,
                                 "format": plan.format.rawValue, "prompt_tokens": plan.promptTokens,
                                 "regions": plan.targets.flatMap { t in (t.regions ?? []).map { "\(t.path):\($0.startLine)-\($0.endLine)" } },
                                 "test_command": plan.testCommand ?? NSNull()])

        var options = EditOptions()
        options.attempts = settings.attempts ?? 3
        options.candidates = candidates
        options.forks = forks
        options.fillInMiddleCandidates = repairs
        options.temperature = settings.temperature ?? 0
        options.testTimeout = settings.testTimeout ?? 300
        options.dryRun = dryRun
        let session = EditSession(repository: repository, generator: generator, prompts: builder,
                                  plan: plan, options: options, cancellation: cancellation)
        session.onProgress = { console.progress($0) }
        if let events {
            session.onText = { events.emit("token", ["text": $0]) }
            session.onEvent = { event in
                switch event {
                case let .attempt(number, format): events.emit("attempt", ["number": number, "format": format])
                case let .rejected(number, reason): events.emit("rejected", ["number": number, "reason": reason])
                case let .test(number, passed, report):
                    events.emit("test", ["number": number, "passed": passed, "command": report.command,
                                         "exit_code": Int(report.exitCode), "duration_s": report.durationSeconds,
                                         "output": report.outputTail])
                case let .applied(files): events.emit("applied", ["files": files])
                }
            }
        }
        return try session.run()
    }

    enum NamedPath { case file(String), directory(String) }

    /// The command line's paths as files to edit and directories to choose files in (only
    /// directories: takumi chooses; files and directories together are refused).
    static func namedPaths(_ paths: [String], root: String) throws -> (files: [String], scope: [String]) {
        let named = try paths.map { try repositoryRelative($0, root: root) }
        let directories = named.compactMap { if case let .directory(d) = $0 { return d } else { return nil } }
        let files = named.compactMap { if case let .file(f) = $0 { return f } else { return nil } }
        if !files.isEmpty && !directories.isEmpty {
            throw ValidationError("\(directories[0].isEmpty ? "." : directories[0]) is a directory: name files, or only directories to let takumi choose files in them")
        }
        return (files, directories.contains("") ? [] : directories)
    }

    /// A path given on the command line (relative to the current directory) as a path
    /// relative to the repository root (a directory: "" for the root itself); refused when it
    /// is outside the repository. Only the directories are resolved through symlinks: a file
    /// that is a link is refused by the path rules, not silently swapped for its target.
    static func repositoryRelative(_ path: String, root: String) throws -> NamedPath {
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
