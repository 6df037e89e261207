import Foundation

/// Runs the `git` executable.
///
/// Hooks are git's feature, so git itself is asked where they live: `rev-parse --git-path
/// hooks` honors core.hooksPath (relative to the worktree it runs in), linked worktrees and
/// GIT_DIR exactly as git will when it runs them. Everything else is read through libgit2
/// (`ChangeSource`).
public struct GitCommandLine: Sendable {
    /// The directory git runs in.
    public let directory: String
    /// The environment git gets (nil: this process's).
    public let environment: [String: String]?

    public init(directory: String, environment: [String: String]? = nil) {
        self.directory = directory
        self.environment = environment
    }

    /// Runs `git ARGS` and returns its stdout; throws `gitFailed` on a non-zero status.
    public func run(_ arguments: [String]) throws -> String {
        let result = try runAllowingFailure(arguments)
        guard result.status == 0 else {
            throw AgentError.gitFailed(arguments: arguments, status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public func runAllowingFailure(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AgentError.gitFailed(arguments: arguments, status: -1, stderr: "\(error)")
        }
        // Drain stderr on another thread so a large stdout (a big diff) cannot deadlock.
        let errorBox = DataBox()
        let reader = Thread { errorBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorBox.isSet { usleep(1000) }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errorBox.data ?? Data(), as: UTF8.self))
    }

    // MARK: - Questions the hooks and messages ask

    /// The absolute hooks directory git uses for this repository or worktree.
    public func hooksDirectory() throws -> String {
        let result = try runAllowingFailure(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        guard result.status == 0 else {
            throw AgentError.notAGitRepository(
                path: directory, reason: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout.trimmingCharacters(in: .newlines)
    }
}

/// A value written by one thread and read by another after it is set.
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    private var done = false
    var data: Data? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; done = true; lock.unlock() }
    }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return done }
}
