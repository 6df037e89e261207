import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Set from a signal handler context (through a dispatch source) and read by long-running
/// steps, so that Ctrl-C stops the model and kills the test process group before takumi exits.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    public init() {}
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
}

/// The result of running a command.
public struct ProcessResult: Equatable, Sendable {
    /// The exit status; for a signal, 128 + signal number (as shells report it).
    public var exitCode: Int32
    public var timedOut: Bool
    public var interrupted: Bool
    public var durationSeconds: Double
    /// The last lines of stdout and stderr together (interleaved as written).
    public var outputTail: String
    /// The whole output (used to read per-test results); capped at `outputLimit` bytes.
    public var output: String
}

/// Runs a shell command in its own process group, with a time limit: on timeout (or when the
/// cancellation flag is set) the whole group gets SIGTERM, then SIGKILL after a grace period,
/// so test runners' children (servers, workers) die with them; when the command ends, every
/// process it started is killed (`ProcessTree`), even one that left the group. Output goes to a temporary file
/// (no pipe to fill up and block the child).
public struct ProcessRunner: Sendable {
    public var timeLimit: Double
    public var tailLines = 60
    public var tailCharacters = 4000
    public var outputLimit = 4_000_000
    public var graceSeconds = 2.0
    public var cancellation: CancellationFlag?

    public init(timeLimit: Double, cancellation: CancellationFlag? = nil) {
        self.timeLimit = timeLimit
        self.cancellation = cancellation
    }

    public func run(_ command: String, in directory: String, environment: [String: String]) throws -> ProcessResult {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-run-\(UUID().uuidString).log").path
        defer { unlink(logPath) }

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group led by the child (pgid = its pid), default signal handling.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGHUP)
        sigaddset(&defaultSignals, SIGQUIT)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // The directory change happens in the child shell (posix_spawn_file_actions_addchdir_np
        // is not exported by this glibc's headers); arguments are passed positionally, unquoted.
        let argv = ["/bin/sh", "-c", "cd -- \"$1\" || exit 127; exec /bin/sh -c \"$2\"", "sh", directory, command]
        // Every process of this run carries the marker, so none survives it (ProcessTree).
        let runID = UUID().uuidString
        var markedEnvironment = environment
        markedEnvironment[ProcessTree.markerVariable] = runID
        let envp = markedEnvironment.map { "\($0.key)=\($0.value)" }
        var pid = pid_t()
        let start = Date()
        let spawnCode = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnv in
                posix_spawn(&pid, "/bin/sh", &fileActions, &attributes, cArgv, cEnv)
            }
        }
        guard spawnCode == 0 else {
            throw AgentError.processLaunchFailed(command: command, reason: String(cString: strerror(spawnCode)))
        }

        var status: Int32 = 0
        var timedOut = false, interrupted = false
        var killDeadline: Date?
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            let now = Date()
            if killDeadline == nil {
                if now.timeIntervalSince(start) > timeLimit { timedOut = true }
                if cancellation?.isCancelled == true { interrupted = true }
                if timedOut || interrupted {
                    kill(-pid, SIGTERM)
                    killDeadline = now.addingTimeInterval(graceSeconds)
                }
            } else if let deadline = killDeadline, now > deadline {
                kill(-pid, SIGKILL)
            }
            usleep(10_000)
        }
        // Leftovers of the group (background children) go too, and so does anything that
        // left the group (setsid, daemons) but still carries this run's marker.
        kill(-pid, SIGKILL)
        ProcessTree.killMarked(runID)
        let duration = Date().timeIntervalSince(start)

        let exitCode: Int32
        if status & 0x7f == 0 { exitCode = (status >> 8) & 0xff } else { exitCode = 128 + (status & 0x7f) }
        let data = readCapped(logPath)
        let output = String(decoding: data, as: UTF8.self)
        return ProcessResult(exitCode: exitCode, timedOut: timedOut, interrupted: interrupted,
                             durationSeconds: duration, outputTail: tail(output), output: output)
    }

    private func readCapped(_ path: String) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { return Data() }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        // Keep the end of very long logs: failures are reported last.
        let offset = size > UInt64(outputLimit) ? size - UInt64(outputLimit) : 0
        try? handle.seek(toOffset: offset)
        return (try? handle.readToEnd()) ?? Data()
    }

    func tail(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        var kept = lines.suffix(tailLines).joined(separator: "\n")
        if kept.count > tailCharacters { kept = String(kept.suffix(tailCharacters)) }
        return kept
    }
}

/// Calls `body` with a NULL-terminated C array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
