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

    @Option(name: .long, help: "Candidates to try, each with the previous failure fed back (default 3).")
    public var attempts: Int?

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
        let repository = try Repository.open(path: FileManager.default.currentDirectoryPath)
        let root = try repository.workingDirectory(for: "edit")
        let settings = try planOptions.settings(root: root, backend: modelOptions.flags, attempts: attempts,
                                                environment: environment, console: console)
        let targetPaths = try paths.map { try EditCommand.repositoryRelative($0, root: root) }

        console.progress("loading model…")
        let generator = try modelOptions.makeGenerator(settings, environment: environment)
        let (plan, builder) = try planOptions.makePlan(
            instruction: instruction, paths: targetPaths, repository: repository, root: root, settings: settings,
            contextTokens: modelOptions.engine.context, counter: GeneratorTokenCounter(generator: generator), console: console,
            cancellation: cancellation, environment: environment)
        for note in plan.notes { console.progress(note) }
        events?.emit("context", ["files": plan.targets.map(\.path), "model": generator.modelDescription,
                                 "format": plan.format.rawValue, "prompt_tokens": plan.promptTokens,
                                 "regions": plan.targets.flatMap { t in (t.regions ?? []).map { "\(t.path):\($0.startLine)-\($0.endLine)" } },
                                 "test_command": plan.testCommand ?? NSNull()])

        var options = EditOptions()
        options.attempts = settings.attempts ?? 3
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
                                         "exit_code": Int(report.exitCode), "output": report.outputTail])
                case let .applied(files): events.emit("applied", ["files": files])
                }
            }
        }
        return try session.run()
    }

    /// A path given on the command line (relative to the current directory) as a path
    /// relative to the repository root; refused when it is outside the repository.
    static func repositoryRelative(_ path: String, root: String) throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path)
        let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
        let rootResolved = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        guard standardized.hasPrefix(rootResolved + "/") else {
            throw AgentError.unsafePath(path: path, reason: "it is outside the repository \(rootResolved)")
        }
        return try RepositoryPath.validate(String(standardized.dropFirst(rootResolved.count + 1)), root: rootResolved)
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

/// Turns Ctrl-C (SIGINT) and SIGTERM into a cancellation flag, so that the model stops, the
/// test process group is killed and the temporary worktree removed before takumi exits (130).
final class InterruptHandler {
    let flag = CancellationFlag()
    private let signals: [Int32] = [SIGINT, SIGTERM]
    private var sources: [DispatchSourceSignal] = []

    init() {
        let flag = self.flag
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.cancel() }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
