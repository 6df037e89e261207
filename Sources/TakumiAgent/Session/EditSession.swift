import Foundation
import TakumiGit

/// What `takumi edit` was asked to do, with every setting resolved.
public struct EditOptions: Sendable {
    public var instruction: String
    /// Repository-relative paths the model may change (shown in full).
    public var targetPaths: [String]
    /// Read-only files shown for reference.
    public var context: [PromptFile] = []
    public var format: EditSettings.FormatChoice = .auto
    public var wholeFileMaxLines = 150
    public var attempts = 3
    public var maxTokens = 1536
    public var temperature = 0.0
    /// nil: no test gate (`--no-test`).
    public var testCommand: String?
    public var testTimeout = 300.0
    public var dryRun = false

    public init(instruction: String, targetPaths: [String]) {
        self.instruction = instruction
        self.targetPaths = targetPaths
    }
}

/// The edit pipeline: prompt → model → parsed edits → tests on an isolated copy → apply.
/// Each step is its own type; this one only strings them together and keeps the attempts.
public final class EditSession {
    public let repository: Repository
    public let generator: TextGenerator
    public let prompts: EditPromptBuilder
    public let options: EditOptions
    public let cancellation: CancellationFlag
    /// Progress lines (the CLI shows them on a TTY only).
    public var onProgress: (String) -> Void = { _ in }

    public init(repository: Repository, generator: TextGenerator, prompts: EditPromptBuilder,
                options: EditOptions, cancellation: CancellationFlag = CancellationFlag()) {
        self.repository = repository
        self.generator = generator
        self.prompts = prompts
        self.options = options
        self.cancellation = cancellation
    }

    public func run() throws -> EditReport {
        let root = try repository.workingDirectory(for: "edit")
        let targets = try readTargets(root: root)
        let format = chooseFormat(targets)
        var messages = try prompts.initialMessages(instruction: options.instruction, files: targets,
                                                   context: options.context, format: format)
        let shownPaths = Set(targets.map(\.path))
        let parser = EditAnswerParser(format: format, knownPaths: shownPaths,
                                      defaultPath: targets.count == 1 ? targets[0].path : nil,
                                      isExistingFile: { FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent($0)) })
        let tester = options.testCommand.map {
            IsolatedTestRunner(repository: repository, command: $0,
                               runner: ProcessRunner(timeLimit: options.testTimeout, cancellation: cancellation))
        }
        var report = EditReport(applied: false, passed: false, dryRun: options.dryRun, attempts: [], diff: "",
                                files: [], format: format.rawValue, baseline: nil, model: generator.modelDescription)
        var accepted: [EditedFile]?
        var previousAnswers: Set<String> = []

        for number in 1...max(1, options.attempts) {
            try checkCancelled()
            onProgress("attempt \(number)/\(options.attempts): asking \(generator.modelDescription) (\(format.rawValue))")
            // The first candidate is the configured (default greedy) one; retries sample, so
            // that a small model does not repeat the same mistake with the feedback in view.
            let temperature = number == 1 ? options.temperature : max(options.temperature, 0.5)
            var result = try generate(messages, format: format, targets: targets, temperature: temperature, seed: UInt64(number))
            if previousAnswers.contains(result.text) {
                // The same answer again would fail again: sample a different candidate.
                onProgress("attempt \(number): same answer as before, sampling another")
                result = try generate(messages, format: format, targets: targets, temperature: max(0.8, options.temperature), seed: UInt64(100 + number))
            }
            previousAnswers.insert(result.text)
            var attempt = EditAttempt(answer: result.text, diff: "", error: nil, test: nil, accepted: false,
                                      promptTokens: result.promptTokens, generatedTokens: result.generatedTokens,
                                      generationSeconds: result.prefillSeconds + result.decodeSeconds)
            messages.append(.assistant(result.text))

            let changes: [EditedFile]
            do {
                let operations = try parser.parse(result.text)
                try checkEditable(operations, targets: targets, root: root)
                changes = try EditApplier(root: root).apply(operations)
                if changes.isEmpty { throw AgentError.answerChangesNothing }
            } catch let error as AgentError {
                attempt.error = error.description
                report.attempts.append(attempt)
                onProgress("attempt \(number): answer rejected: \(error)")
                messages.append(.user(try prompts.answerErrorFeedback(error, instruction: options.instruction)))
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
                    // A candidate that timed out can never pass against a baseline: do not pay
                    // the time limit a second time for one.
                    if report.baseline == nil && !test.timedOut {
                        onProgress("attempt \(number): tests failed; checking whether they fail without the change")
                        report.baseline = try tester.run(candidate: [])
                    }
                    passed = EditSession.judgeAgainstBaseline(candidate: test, baseline: report.baseline)
                }
                onProgress("attempt \(number): tests \(passed ? "passed" : "failed") (exit \(test.exitCode), \(String(format: "%.1f", test.durationSeconds)) s)")
                if !passed {
                    report.attempts.append(attempt)
                    messages.append(.user(try prompts.testFailureFeedback(
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
            // The undo record first (pending, beside the previous one): an applied edit must
            // always be undoable, and a refused one must not cost the previous record.
            let undo = UndoStore(gitDirectory: repository.gitDirectory, workingRoot: root)
            try undo.savePending(accepted, instruction: options.instruction)
            do {
                // Refuses (writing nothing) if a target changed while the model or tests ran.
                try ChangeWriter(root: root).write(accepted)
            } catch {
                undo.discardPending()
                throw error
            }
            try undo.commitPending()
            report.applied = true
        }
        return report
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
    private func checkEditable(_ operations: [EditOperation], targets: [PromptFile], root: String) throws {
        let editable = Set(targets.map(\.path))
        for op in operations {
            let path = try RepositoryPath.validate(op.path, root: root)
            try EditTargetRules.check(path, root: root, namedByUser: editable.contains(path))
            if editable.contains(path) { continue }
            let exists = FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(path))
            if exists || { if case .delete = op { return true } else { return false } }() {
                throw AgentError.fileNotEditable(path: path, editable: targets.map(\.path))
            }
        }
    }

    private func readTargets(root: String) throws -> [PromptFile] {
        try options.targetPaths.map { raw in
            let path = try RepositoryPath.validate(raw, root: root)
            try EditTargetRules.check(path, root: root, namedByUser: true)
            let full = (root as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: full) else {
                // A file that does not exist yet can still be created by the answer.
                return PromptFile(path: path, text: "")
            }
            return PromptFile(path: path, text: try TextFile(data: data, path: path).text)
        }
    }

    func chooseFormat(_ targets: [PromptFile]) -> EditFormat {
        switch options.format {
        case .searchReplace: return .searchReplace
        case .wholeFile: return .wholeFile
        case .auto:
            // Small models reproduce short files reliably and fail at exact SEARCH copies more
            // often; long files would cost too many output tokens to rewrite.
            let lines = targets.reduce(0) { $0 + $1.text.split(separator: "\n", omittingEmptySubsequences: false).count }
            return lines <= options.wholeFileMaxLines ? .wholeFile : .searchReplace
        }
    }

    private func generate(_ messages: [ChatMessage], format: EditFormat, targets: [PromptFile],
                          temperature: Double, seed: UInt64) throws -> GenerationResult {
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.seed = seed
        var maxTokens = options.maxTokens
        if format == .wholeFile {
            // Room to write every shown file back, plus some growth.
            let fileTokens = targets.reduce(0) { $0 + generator.countTokens($1.text) }
            maxTokens = max(maxTokens, fileTokens * 5 / 4 + 256)
        }
        let request = GenerationRequest(prompt: .chat(messages), maxTokens: maxTokens, sampling: sampling)
        let cancellation = self.cancellation
        var lastReport = Date.distantPast
        let progress = onProgress
        let result = try generator.generate(request) { event in
            if case let .prefill(done, total) = event, Date().timeIntervalSince(lastReport) > 1 {
                lastReport = Date()
                progress("reading prompt: \(done)/\(total) tokens")
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
