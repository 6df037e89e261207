import Foundation
import TakumiGit

/// How the edit session runs its attempts (what to edit and show is in the `EditPlan`).
public struct EditOptions: Sendable {
    public var attempts = 3
    public var temperature = 0.0
    public var testTimeout = 300.0
    public var dryRun = false

    public init() {}
}

/// The edit pipeline after planning: prompt → model → parsed edits → tests on an isolated
/// copy → apply. Each step is its own type; this one only strings them together and keeps the
/// attempts. The conversation stays within the plan's context: a retry shows the first prompt,
/// the last answer and the feedback on it (older attempts are dropped).
public final class EditSession {
    public let repository: Repository
    public let generator: TextGenerator
    public let prompts: EditPromptBuilder
    public let plan: EditPlan
    public let options: EditOptions
    public let cancellation: CancellationFlag
    /// Progress lines (the CLI shows them on a TTY only).
    public var onProgress: (String) -> Void = { _ in }
    /// Each piece of generated text as it comes (`--jsonl` token events).
    public var onText: (String) -> Void = { _ in }
    /// Structured events as they happen (`--jsonl`).
    public var onEvent: (EditEvent) -> Void = { _ in }

    public init(repository: Repository, generator: TextGenerator, prompts: EditPromptBuilder,
                plan: EditPlan, options: EditOptions, cancellation: CancellationFlag = CancellationFlag()) {
        self.repository = repository
        self.generator = generator
        self.prompts = prompts
        self.plan = plan
        self.options = options
        self.cancellation = cancellation
    }

    public func run() throws -> EditReport {
        let root = try repository.workingDirectory(for: "edit")
        let format = plan.format
        let initial = try prompts.initialMessages(plan: plan)
        var exchange: [ChatMessage] = []   // the last answer and its feedback
        let targetPaths = plan.targets.map(\.path)
        let parser = EditAnswerParser(format: format, knownPaths: Set(targetPaths),
                                      defaultPath: targetPaths.count == 1 ? targetPaths[0] : nil,
                                      isExistingFile: { FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent($0)) })
        let applier = EditApplier(root: root, mergers: plan.mergers, snapshots: plan.snapshots)
        let tester = plan.testCommand.map {
            IsolatedTestRunner(repository: repository, command: $0,
                               runner: ProcessRunner(timeLimit: options.testTimeout, cancellation: cancellation))
        }
        var report = EditReport(applied: false, passed: false, dryRun: options.dryRun, attempts: [], diff: "",
                                files: [], format: format.rawValue, baseline: plan.baseline, model: generator.modelDescription)
        var accepted: [EditedFile]?
        var previousAnswers: Set<String> = []

        for number in 1...max(1, options.attempts) {
            try checkCancelled()
            onEvent(.attempt(number: number, format: format.rawValue))
            onProgress("attempt \(number)/\(options.attempts): asking \(generator.modelDescription) (\(format.rawValue))")
            let messages = fitted(initial, exchange)
            // The first candidate is the configured (default greedy) one; retries sample, so
            // that a small model does not repeat the same mistake with the feedback in view.
            let temperature = number == 1 ? options.temperature : max(options.temperature, 0.5)
            var result = try generate(messages, temperature: temperature, seed: UInt64(number))
            if previousAnswers.contains(result.text) {
                // The same answer again would fail again: sample a different candidate.
                onProgress("attempt \(number): same answer as before, sampling another")
                result = try generate(messages, temperature: max(0.8, options.temperature), seed: UInt64(100 + number))
            }
            previousAnswers.insert(result.text)
            var attempt = EditAttempt(answer: result.text, diff: "", error: nil, test: nil, accepted: false,
                                      promptTokens: result.promptTokens, generatedTokens: result.generatedTokens,
                                      generationSeconds: result.prefillSeconds + result.decodeSeconds)
            exchange = [.assistant(result.text)]

            let changes: [EditedFile]
            do {
                let operations = try parser.parse(result.text)
                try checkEditable(operations, root: root)
                changes = try applier.apply(operations)
                if changes.isEmpty { throw AgentError.answerChangesNothing }
            } catch let error as AgentError {
                attempt.error = error.description
                report.attempts.append(attempt)
                onProgress("attempt \(number): answer rejected: \(error)")
                onEvent(.rejected(number: number, reason: error.description))
                exchange.append(.user(try prompts.answerErrorFeedback(error, instruction: plan.instruction)))
                continue
            }
            attempt.diff = try diff(changes, root: root)

            if let tester {
                try checkCancelled()
                onProgress("attempt \(number): running \(tester.command) on an isolated copy")
                let test = try tester.run(candidate: changes)
                attempt.test = test
                try checkCancelled()
                var passed = test.passed
                if !passed {
                    // A baseline helps only to judge per-test results; a timed-out candidate has none.
                    if report.baseline == nil && !test.timedOut {
                        onProgress("attempt \(number): tests failed; checking whether they fail without the change")
                        report.baseline = try tester.run(candidate: [])
                    }
                    passed = EditSession.judgeAgainstBaseline(candidate: test, baseline: report.baseline)
                }
                onProgress("attempt \(number): tests \(passed ? "passed" : "failed") (exit \(test.exitCode), \(String(format: "%.1f", test.durationSeconds)) s)")
                onEvent(.test(number: number, passed: passed, report: test))
                if !passed {
                    report.attempts.append(attempt)
                    exchange.append(.user(try prompts.testFailureFeedback(
                        command: test.command, exitCode: test.exitCode, timedOut: test.timedOut,
                        timeLimit: options.testTimeout, outputTail: test.outputTail, diff: attempt.diff)))
                    continue
                }
            }
            attempt.accepted = true
            report.attempts.append(attempt)
            accepted = changes
            break
        }

        guard let accepted else { return report }
        report.passed = true
        report.diff = report.attempts.last?.diff ?? ""
        report.files = accepted.map(\.path)
        if !options.dryRun {
            try checkCancelled()
            // The undo record first: an applied edit must always be undoable.
            let undo = UndoStore(gitDirectory: repository.gitDirectory, workingRoot: root)
            try undo.save(accepted, instruction: plan.instruction)
            do {
                // Refuses (writing nothing) if a target changed since it was planned.
                try ChangeWriter(root: root).write(accepted)
            } catch {
                undo.discard()
                throw error
            }
            report.applied = true
            onEvent(.applied(files: report.files))
        }
        return report
    }

    /// The conversation for the next attempt: the first prompt, then the last exchange if it
    /// fits the window (else only the feedback, else nothing more).
    func fitted(_ initial: [ChatMessage], _ exchange: [ChatMessage]) -> [ChatMessage] {
        let available = plan.contextTokens - plan.answerTokens - 96
        func cost(_ messages: [ChatMessage]) -> Int { messages.reduce(0) { $0 + generator.countTokens($1.content) + 6 } }
        let base = cost(initial)
        if base + cost(exchange) <= available { return initial + exchange }
        // Without the answer, the feedback must follow the user turn: merge them.
        if let feedback = exchange.last, feedback.role == .user, var last = initial.last, last.role == .user {
            let note = "\n\nYour previous answer was rejected:\n" + feedback.content
            if base + generator.countTokens(note) <= available {
                last.content += note
                return Array(initial.dropLast()) + [last]
            }
        }
        return initial
    }

    /// A candidate whose tests fail still passes when the tests failed before the change too,
    /// the framework names the failing tests, no new test fails and at least one is fixed.
    public static func judgeAgainstBaseline(candidate: TestReport, baseline: TestReport?) -> Bool {
        guard let baseline, !baseline.passed, !candidate.timedOut,
              let before = baseline.failingTests.map(Set.init), let after = candidate.failingTests.map(Set.init),
              !before.isEmpty else { return false }
        return after.isSubset(of: before) && after.count < before.count
    }

    /// The model may change the files it was asked to change and create new ones; existing
    /// files it saw only for reference (tests!) or never saw are refused.
    private func checkEditable(_ operations: [EditOperation], root: String) throws {
        let editable = Set(plan.targets.map(\.path))
        for op in operations {
            let path = try RepositoryPath.validate(op.path, root: root)
            if editable.contains(path) { continue }
            let exists = FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(path))
            if exists || { if case .delete = op { return true } else { return false } }() {
                throw AgentError.fileNotEditable(path: path, editable: plan.targets.map(\.path))
            }
        }
    }

    private func generate(_ messages: [ChatMessage], temperature: Double, seed: UInt64) throws -> GenerationResult {
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.seed = seed
        let request = GenerationRequest(prompt: .chat(messages), maxTokens: plan.answerTokens, sampling: sampling)
        let cancellation = self.cancellation
        var lastReport = Date.distantPast
        let progress = onProgress
        let textSink = onText
        let result = try generator.generate(request) { event in
            switch event {
            case let .prefill(done, total):
                if Date().timeIntervalSince(lastReport) > 1 {
                    lastReport = Date()
                    progress("reading prompt: \(done)/\(total) tokens")
                }
            case let .text(piece):
                textSink(piece)
            }
            return cancellation.isCancelled ? .stop : .continue
        }
        try checkCancelled()
        onProgress(String(format: "generated %d tokens (prompt %d tokens at %.0f tok/s, decode %.1f tok/s)",
                          result.generatedTokens, result.promptTokens, result.prefillTokensPerSecond, result.decodeTokensPerSecond))
        return result
    }

    private func diff(_ changes: [EditedFile], root: String) throws -> String {
        let edits = changes.map { change -> FileEdit in
            let full = (root as NSString).appendingPathComponent(change.path)
            let perms = ((try? FileManager.default.attributesOfItem(atPath: full))?[.posixPermissions] as? NSNumber)?.intValue ?? 0o644
            return FileEdit(path: change.path, before: change.before, after: change.after,
                            mode: perms & 0o111 != 0 ? 0o100755 : 0o100644)
        }
        return try UnifiedDiff.patch(for: edits)
    }

    private func checkCancelled() throws {
        if cancellation.isCancelled { throw AgentError.cancelled }
    }
}
