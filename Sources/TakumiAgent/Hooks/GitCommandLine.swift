import Foundation

/// Runs the `git` executable.
///
/// Hooks are git's feature, so git itself is asked where they live (`rev-parse --git-path
/// hooks` honors core.hooksPath, linked worktrees and GIT_DIR). Inside a hook git exports
/// GIT_DIR and GIT_INDEX_FILE; the child inherits them and so reads the right index.
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
            throw IntegrationError.gitFailed(arguments: arguments, status: result.status, stderr: result.stderr)
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
            throw IntegrationError.gitFailed(arguments: arguments, status: -1, stderr: "\(error)")
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
            throw IntegrationError.notAGitRepository(
                path: directory, reason: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// The top of the working tree, or nil in a bare repository.
    public func workTreeRoot() throws -> String? {
        let result = try runAllowingFailure(["rev-parse", "--show-toplevel"])
        guard result.status == 0 else { return nil }
        let root = result.stdout.trimmingCharacters(in: .newlines)
        return root.isEmpty ? nil : root
    }

    /// A config value, or nil when unset.
    public func config(_ key: String) throws -> String? {
        let result = try runAllowingFailure(["config", "--get", key])
        guard result.status == 0 else { return nil }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// The staged change (index against HEAD; against the empty tree before the first commit).
    public func stagedDiff() throws -> String {
        try run(["diff", "--cached", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3"])
    }

    /// The change of a revision range such as `A..B`.
    public func rangeDiff(_ range: String) throws -> String {
        try run(["diff", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3", range])
    }

    /// The full messages of the last `count` commits of HEAD, newest first (empty before the
    /// first commit).
    public func recentCommitMessages(count: Int) throws -> [String] {
        let result = try runAllowingFailure(["log", "-n", String(count), "--no-merges", "--format=%B%x00"])
        guard result.status == 0 else { return [] }
        return result.stdout.split(separator: "\u{0}")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
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
