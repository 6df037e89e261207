import ArgumentParser
import Foundation
import TakumiAgent

/// `takumi hooks install|uninstall|status` and the hidden `takumi hooks run HOOK` the
/// installed scripts call.
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install, remove or inspect Takumi's git hooks.",
        discussion: """
        prepare-commit-msg writes a suggested commit message into the editor buffer of a \
        plain `git commit`; pre-commit prints review suggestions. Hooks go where git looks \
        (core.hooksPath honored, shared by linked worktrees); an existing hook is kept and \
        runs first. A hook never loses a commit: when the model is missing, slow or fails it \
        prints one line on stderr and git goes on.
        """,
        subcommands: [HooksInstallCommand.self, HooksUninstallCommand.self, HooksStatusCommand.self, HooksRunCommand.self]
    )
}

struct HookSelection: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Which hook: prepare-commit-msg, pre-commit or all.", valueName: "HOOK"))
    var hook: String = GitHookKind.prepareCommitMsg.rawValue

    func kinds() throws -> [GitHookKind] {
        do { return try GitHookKind.parseSelection(hook) } catch { throw ValidationError(String(describing: error)) }
    }
}

func hookInstaller() throws -> HookInstaller {
    let directory = try GitCommandLine(directory: currentDirectory()).hooksDirectory()
    let executable = PromptLibrary.currentExecutablePath() ?? CommandLine.arguments[0]
    return HookInstaller(hooksDirectory: directory, takumiPath: executable)
}

struct HooksInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Install Takumi's git hooks.")
    @OptionGroup var selection: HookSelection
    @Flag(name: .long, help: "Print one JSON document {hooksDirectory, hooks: {NAME: outcome}}.") var json = false

    func run() throws {
        let console = Console()
        let kinds = try selection.kinds()
        do {
            let installer = try hookInstaller()
            var outcomes: [String: String] = [:]
            for kind in kinds {
                let line: String
                switch try installer.install(kind) {
                case .installed:
                    outcomes[kind.rawValue] = "installed"
                    line = "installed \(kind.rawValue) in \(installer.hooksDirectory)"
                case let .installedChaining(chainedPath):
                    outcomes[kind.rawValue] = "installed (chained)"
                    line = "installed \(kind.rawValue) in \(installer.hooksDirectory); the existing hook runs first (kept as \(chainedPath))"
                case let .alreadyInstalled(refreshed):
                    outcomes[kind.rawValue] = refreshed ? "updated" : "already installed"
                    line = "\(kind.rawValue) already installed" + (refreshed ? " (updated)" : "")
                }
                if !json { console.resultLine(line) }
            }
            if json { try console.json(HooksReport(hooksDirectory: installer.hooksDirectory, hooks: outcomes)) }
        } catch {
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
    }
}

/// The `--json` document of install, uninstall and status.
struct HooksReport: Encodable {
    var hooksDirectory: String
    var hooks: [String: String]
}

struct HooksUninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "Remove Takumi's git hooks (restoring hooks they chained).")
    @Option(name: .long, help: ArgumentHelp("Which hook: prepare-commit-msg, pre-commit or all.", valueName: "HOOK"))
    var hook: String = "all"
    @Flag(name: .long, help: "Print one JSON document {hooksDirectory, hooks: {NAME: outcome}}.") var json = false

    func run() throws {
        let console = Console()
        let kinds: [GitHookKind]
        do { kinds = try GitHookKind.parseSelection(hook) } catch { throw ValidationError(String(describing: error)) }
        do {
            let installer = try hookInstaller()
            var outcomes: [String: String] = [:]
            for kind in kinds {
                let line: String
                switch try installer.uninstall(kind) {
                case .removed:
                    outcomes[kind.rawValue] = "removed"
                    line = "removed \(kind.rawValue)"
                case let .removedRestoring(path):
                    outcomes[kind.rawValue] = "removed (previous hook restored)"
                    line = "removed \(kind.rawValue); restored the previous hook \(path)"
                case .notInstalled:
                    outcomes[kind.rawValue] = "not installed"
                    line = "\(kind.rawValue) was not installed"
                }
                if !json { console.resultLine(line) }
            }
            if json { try console.json(HooksReport(hooksDirectory: installer.hooksDirectory, hooks: outcomes)) }
        } catch {
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
    }
}

struct HooksStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show which hooks are installed.")
    @Flag(name: .long, help: "Print one JSON document.") var json = false

    func run() throws {
        let console = Console()
        do {
            let installer = try hookInstaller()
            var hooks: [String: String] = [:]
            for kind in GitHookKind.allCases {
                switch installer.status(kind) {
                case .notInstalled: hooks[kind.rawValue] = "not installed"
                case .foreign: hooks[kind.rawValue] = "other hook"
                case let .installed(chained): hooks[kind.rawValue] = chained ? "installed (chained)" : "installed"
                }
            }
            if json {
                try console.json(HooksReport(hooksDirectory: installer.hooksDirectory, hooks: hooks))
            } else {
                console.resultLine("hooks directory: \(installer.hooksDirectory)")
                for kind in GitHookKind.allCases { console.resultLine("\(kind.rawValue): \(hooks[kind.rawValue] ?? "")") }
            }
        } catch {
            console.diagnostic("takumi: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Called by the installed scripts with git's hook arguments. Never fails a commit on its
/// own account: every problem becomes one stderr line and status 0 (the pre-commit hook
/// returns `HookScript.blockStatus` only when blocking on findings was asked for).
struct HooksRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a hook (called by the installed hook scripts).", shouldDisplay: false)

    @Argument(help: "prepare-commit-msg or pre-commit") var hook: String
    @Argument(parsing: .captureForPassthrough, help: "git's hook arguments") var hookArguments: [String] = []
    @OptionGroup var assist: AssistOptions
    @Option(name: .long, help: "Language of the message or findings (default: the repository's history).")
    var lang: MessageLanguage?
    @Flag(name: .long, help: "pre-commit: block the commit when the review has findings (also TAKUMI_REVIEW_BLOCK=1).")
    var block = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        let started = DispatchTime.now()
        guard let kind = GitHookKind(rawValue: hook) else {
            console.diagnostic("takumi: \(AgentError.unknownHook(name: hook)); hook skipped")
            return
        }
        let what = kind == .prepareCommitMsg ? "no commit message suggestion" : "no review"
        let arguments = hookArguments.first == "--" ? Array(hookArguments.dropFirst()) : hookArguments
        // Until the settings are read, the built-in limit guards against a stuck start.
        let watchdog = HookWatchdog(hook: kind.rawValue,
                                    seconds: (assist.timeLimit ?? Settings.defaults.hookTimeLimit ?? 10) + 3)
        do {
            let git = try ChangeSource.openFromEnvironment()
            let settings = try assist.settings(repositoryRoot: git.rootPath, environment: environment)
            let limit = assist.timeLimit(orElse: settings.hookTimeLimit)
            // No limit at all still gets a generous hard stop: a hook must not hang a commit.
            watchdog.arm(seconds: (limit ?? 600) + 3)
            let context = HookContext(git: git, settings: settings, language: lang ?? settings.language,
                                      deadline: limit.map { GenerationDeadline(seconds: $0, start: started) },
                                      environment: environment)
            switch kind {
            case .prepareCommitMsg:
                try prepareCommitMessage(arguments, context)
            case .preCommit:
                let findings = try reviewStaged(context, console: console)
                if (block || settings.reviewBlocks == true) && findings > 0 {
                    console.diagnostic("takumi: commit blocked by \(findings) review finding(s) (review.block); commit with --no-verify to skip")
                    throw ExitCode(HookScript.blockStatus)
                }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            console.diagnostic("takumi: \(what): \(error)")
        }
    }

    private struct HookContext {
        var git: ChangeSource
        var settings: Settings
        var language: MessageLanguage?
        var deadline: GenerationDeadline?
        var environment: [String: String]
    }

    private func prepareCommitMessage(_ arguments: [String], _ context: HookContext) throws {
        guard let file = arguments.first else {
            throw CommandFailure(message: "prepare-commit-msg needs the message file argument")
        }
        // The pre-commit framework passes only the file and gives the source in its environment.
        let source = arguments.count > 1 ? arguments[1] : context.environment["PRE_COMMIT_COMMIT_MSG_SOURCE"]
        guard CommitMessageFile.shouldSuggest(source: source) else { return }
        let git = context.git
        let diff = try git.stagedDiff()
        // An empty commit (--allow-empty) has nothing to describe: stay silent.
        guard !diff.isEmpty else { return }
        let history = try git.recentCommitMessages(count: 20)
        let generator = try assist.makeGenerator(context.settings, environment: context.environment)
        let library = assist.promptLibrary(context.settings, repositoryRoot: git.rootPath, environment: context.environment)
        var writer = CommitMessageWriter(generator: generator, render: library.render)
        writer.diffTokenBudget = 1000
        let suggestion = try writer.write(diffText: diff, history: history, language: context.language,
                                          deadline: context.deadline)

        guard let data = FileManager.default.contents(atPath: file) else {
            throw AgentError.fileNotReadable(path: file, reason: "commit message file missing")
        }
        let commentChar = CommitMessageFile.commentChar(fromConfig: try git.config("core.commentChar"))
        let updated = CommitMessageFile.inserting(suggestion.message, into: String(decoding: data, as: UTF8.self),
                                                  commentChar: commentChar)
        try AtomicFile.write(updated, to: file)
    }

    /// Prints the findings on stderr (git shows hook output there) and returns their count.
    private func reviewStaged(_ context: HookContext, console: Console) throws -> Int {
        let git = context.git
        let diff = try git.stagedDiff()
        guard !diff.isEmpty else { return 0 }
        let generator = try assist.makeGenerator(context.settings, environment: context.environment)
        let library = assist.promptLibrary(context.settings, repositoryRoot: git.rootPath, environment: context.environment)
        let writer = ReviewWriter(generator: generator, render: library.render)
        let history = try git.recentCommitMessages(count: 20)
        let result = try writer.review(diffText: diff, language: context.language, history: history, deadline: context.deadline)
        for suggestion in result.suggestions { console.diagnostic("takumi review: \(suggestion.formatted)") }
        return result.suggestions.count
    }
}

/// The hard stop behind the time limit: if takumi is still running when it expires (a
/// model load that cannot be interrupted, a stuck read), it says so in one line and exits 0,
/// so git goes on. The message file is only ever replaced by a rename, so an exit at any
/// moment leaves it whole. `arm` moves the expiry (once the configured limit is known).
final class HookWatchdog: @unchecked Sendable {
    private let hook: String
    private let lock = NSLock()
    private var expiry: UInt64

    init(hook: String, seconds: Double) {
        self.hook = hook
        expiry = HookWatchdog.now() + UInt64(seconds * 1e9)
        let thread = Thread { [self] in watch() }
        thread.start()
    }

    func arm(seconds: Double) {
        lock.lock()
        expiry = HookWatchdog.now() + UInt64(seconds * 1e9)
        lock.unlock()
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private func watch() {
        while true {
            lock.lock()
            let due = expiry
            lock.unlock()
            let now = HookWatchdog.now()
            if now >= due { break }
            Thread.sleep(forTimeInterval: min(0.1, Double(due - now) / 1e9))
        }
        FileHandle.standardError.write(Data("takumi: \(hook) hook gave up (time limit); git goes on\n".utf8))
        Foundation.exit(0)
    }
}

/// Replaces a file's contents through a temporary file and a rename.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".takumi-\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                throw AgentError.hookFileError(path: path, reason: "cannot replace it: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
