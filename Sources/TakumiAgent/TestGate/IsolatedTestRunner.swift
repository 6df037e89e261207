import Foundation
import TakumiGit

/// What one test run reported (the `test` object of `--json` attempts).
public struct TestReport: Equatable, Sendable, Codable {
    public var command: String
    public var exitCode: Int32
    public var durationSeconds: Double
    public var outputTail: String
    public var timedOut: Bool
    public var passed: Bool
    /// Failing tests by name, when the framework reports them; nil otherwise.
    public var failingTests: [String]?
    /// The whole output (capped by the runner), for locating failures; not in `--json`.
    public var output: String = ""

    public init(command: String, exitCode: Int32, durationSeconds: Double, outputTail: String, timedOut: Bool,
                passed: Bool, failingTests: [String]?) {
        self.command = command
        self.exitCode = exitCode
        self.durationSeconds = durationSeconds
        self.outputTail = outputTail
        self.timedOut = timedOut
        self.passed = passed
        self.failingTests = failingTests
    }

    enum CodingKeys: String, CodingKey {
        case command, exitCode = "exit_code", durationSeconds = "duration_s", outputTail = "output_tail"
        case timedOut = "timed_out", passed, failingTests = "failing_tests"
    }
}

/// Runs the test command on an isolated copy of the repository: a temporary linked worktree
/// at HEAD, plus the user's uncommitted changes (staged, unstaged, untracked; ignored files
/// are not copied), plus the candidate edit. The user's working tree, index, stash and refs are
/// never touched; the worktree is removed afterwards, whatever happens.
public struct IsolatedTestRunner: Sendable {
    public var repository: Repository
    public var command: String
    public var runner: ProcessRunner
    public var environment: [String: String]

    public init(repository: Repository, command: String, runner: ProcessRunner,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.repository = repository
        self.command = command
        self.runner = runner
        // A hook's git variables would point the tests at the user's repository.
        self.environment = environment.filter { !["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX",
                                                  "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"].contains($0.key) }
    }

    /// Runs the tests with `candidate` applied (an empty candidate runs the baseline).
    public func run(candidate: [EditedFile]) throws -> TestReport {
        _ = try repository.workingDirectory(for: "run tests")
        let worktree: TemporaryWorktree
        do {
            worktree = try repository.createTemporaryWorktree()
        } catch {
            throw AgentError.isolationFailed(reason: "\(error)")
        }
        defer { try? worktree.remove() }
        do {
            try worktree.copyUncommittedChanges(from: repository)
        } catch {
            throw AgentError.isolationFailed(reason: "\(error)")
        }
        try ChangeWriter(root: worktree.path).write(candidate)
        let result = try runner.run(command, in: worktree.path, environment: environment)
        var report = TestReport(command: command, exitCode: result.exitCode, durationSeconds: result.durationSeconds,
                                outputTail: result.outputTail, timedOut: result.timedOut,
                                passed: result.exitCode == 0 && !result.timedOut && !result.interrupted,
                                failingTests: TestFailureParser.failingTests(in: result.output).map { $0.sorted() })
        report.output = result.output
        return report
    }
}
