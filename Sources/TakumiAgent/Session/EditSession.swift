import Foundation
import TakumiGit

/// How the edit session runs its attempts (what to edit and show is in the `EditPlan`).
public struct EditOptions: Sendable {
    /// Rounds of candidates; each round after the first sees the feedback on the last one.
    public var attempts = 3
    /// Candidates per round, sampled from the same prompt and tested best-ranked first.
    public var candidates = 1
    /// When an answer copies the code back unchanged: answers forked from it at most this
    /// many places where the model doubted a copied token (`CopyForks`; in-process engine).
    public var forks = 4
    /// Before the chat rounds (with a test gate only): fixes the model writes in its
    /// fill-in-the-middle format for the functions the plan focuses on (`FillInMiddleRepair`;
    /// a backend that cannot score skips them). At most this many are tested; 0: none; nil:
    /// about a minute of test runs (`EditSession.repairCount`).
    public var fillInMiddleCandidates: Int?
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
        let testTimeLimit = EditSession.candidateTestTimeLimit(configured: options.testTimeout, baseline: plan.baseline)
        let tester = plan.testCommand.map {
            IsolatedTestRunner(repository: repository, command: $0,
                               runner: ProcessRunner(timeLimit: testTimeLimit, cancellation: cancellation))
        }
        var report = EditReport(applied: false, passed: false, dryRun: options.dryRun, attempts: [], diff: "",
                                files: [], format: format.rawValue, baseline: plan.baseline, model: generator.modelDescription)
        var accepted: [EditedFile]?
        var previousAnswers: Set<String> = []
        var forked: Set<String> = []   // copied answers already forked

        // SEARCH parts are kept copies of what was shown (where the backend can constrain decoding).
        let constraint = format == .searchReplace
            ? SearchConstraint(texts: plan.targets.flatMap { t in t.regions.map { $0.map(\.text) } ?? [t.text] }).decodingConstraint
            : nil

        let stubsFail = plan.baseline.map { !$0.passed && ($0.output + $0.outputTail).contains("NotImplementedError") } ?? false

        /// Tests `changes` on an isolated copy: (passed, the report), nil without a test gate.
        /// Failing tests still pass the change when it fixes some of the failing tests and
        /// breaks none (`judgeAgainstBaseline`).
        func runTests(_ changes: [EditedFile], label: String, number: Int) throws -> (Bool, TestReport)? {
            guard let tester else { return nil }
            try checkCancelled()
            onProgress("\(label): running \(tester.command) on an isolated copy")
            let test = try tester.run(candidate: changes)
            try checkCancelled()
            var passed = test.passed
            if !passed {
                // A baseline helps only to judge per-test results; a timed-out candidate has none.
                if report.baseline == nil && !test.timedOut {
                    onProgress("\(label): tests failed; checking whether they fail without the change")
                    report.baseline = try tester.run(candidate: [])
                }
                passed = EditSession.judgeAgainstBaseline(candidate: test, baseline: report.baseline)
            }
            onProgress("\(label): tests \(passed ? "passed" : "failed") (exit \(test.exitCode), \(String(format: "%.1f", test.durationSeconds)) s)")
            onEvent(.test(number: number, passed: passed, report: test))
            return (passed, test)
        }

        // The model's own fill-in-the-middle fixes first: only the tests can accept them.
        let repairLimit = options.fillInMiddleCandidates ?? EditSession.repairCount(baseline: report.baseline)
        if tester != nil, repairLimit > 0, generator.canScore {
            onEvent(.attempt(number: 0, format: "fill-in-the-middle"))
            var tested = 0
            repairs: for target in plan.targets {
                guard let snapshot = target.snapshot, let queue = repairQueue(target) else { continue }
                while tested < repairLimit {
                    let started = Date()
                    guard let candidate = try queue.next() else { break }
                    let making = Date().timeIntervalSince(started)
                    tested += 1
                    let label = "fill-in-the-middle candidate \(tested)"
                    onProgress("\(label): \(candidate.origin)")
                    let changes = [EditedFile(path: target.path, kind: .modified, before: snapshot, after: Data(candidate.text.utf8),
                                              beforeText: target.text, afterText: candidate.text)]
                    var attempt = EditAttempt(answer: candidate.answer, diff: try diff(changes, root: root), error: nil, test: nil,
                                              accepted: false, promptTokens: candidate.promptTokens,
                                              generatedTokens: 0, generationSeconds: making)
                    attempt.round = 0
                    attempt.origin = candidate.origin
                    if stubsFail {
                        do { try EditSession.checkStubsWritten(changes) } catch let error as AgentError {
                            attempt.error = error.description
                            report.attempts.append(attempt)
                            continue
                        }
                    }
                    let outcome = try runTests(changes, label: label, number: 0)
                    attempt.test = outcome?.1
                    attempt.accepted = outcome?.0 == true
                    report.attempts.append(attempt)
                    if attempt.accepted {
                        accepted = changes
                        break repairs
                    }
                }
            }
        }

        rounds: for number in 1...max(1, options.attempts) {
            if accepted != nil { break }
            try checkCancelled()
            onEvent(.attempt(number: number, format: format.rawValue))
            onProgress("attempt \(number)/\(options.attempts): asking \(generator.modelDescription) (\(format.rawValue))")
            let messages = fitted(initial, exchange)
            let candidates = try sampleCandidates(messages, round: number, seen: &previousAnswers, constraint: constraint)
            // The best-ranked candidate's failure is what the model hears about next.
            var feedback: String?
            var copies: [(result: GenerationResult, stub: Bool)] = []   // answers that gave the code back unchanged

            /// Parses, merges, tests one answer; true when it passed (and is `accepted`).
            func consider(_ result: GenerationResult, label: String, isFirst: Bool) throws -> Bool {
                var attempt = EditAttempt(answer: result.text, diff: "", error: nil, test: nil, accepted: false,
                                          promptTokens: result.promptTokens, generatedTokens: result.generatedTokens,
                                          generationSeconds: result.prefillSeconds + result.decodeSeconds)
                attempt.round = number
                attempt.meanLogProbability = result.meanLogProbability
                attempt.reusedPromptTokens = result.reusedPromptTokens
                attempt.draftAcceptance = result.draftAcceptance
                if isFirst { exchange = [.assistant(result.text)] }

                let changes: [EditedFile]
                do {
                    let operations = try parser.parse(result.text)
                    try checkEditable(operations, root: root)
                    changes = try applier.apply(operations)
                    if changes.isEmpty { throw AgentError.answerChangesNothing }
                    if stubsFail { try EditSession.checkStubsWritten(changes) }
                } catch let error as AgentError {
                    attempt.error = error.description
                    report.attempts.append(attempt)
                    onProgress("\(label): answer rejected: \(error)")
                    onEvent(.rejected(number: number, reason: error.description))
                    if feedback == nil { feedback = try prompts.answerErrorFeedback(error, instruction: plan.instruction) }
                    if EditSession.isCopy(error) { copies.append((result, EditSession.isStubCopy(error))) }
                    return false
                }
                attempt.diff = try diff(changes, root: root)

                if let (passed, test) = try runTests(changes, label: label, number: number) {
                    attempt.test = test
                    if !passed {
                        report.attempts.append(attempt)
                        if feedback == nil {
                            if !isFirst { exchange = [.assistant(result.text)] }
                            feedback = try prompts.testFailureFeedback(
                                command: test.command, exitCode: test.exitCode, timedOut: test.timedOut,
                                timeLimit: testTimeLimit, outputTail: test.outputTail, diff: attempt.diff)
                        }
                        return false
                    }
                }
                attempt.accepted = true
                report.attempts.append(attempt)
                accepted = changes
                return true
            }

            for (index, result) in candidates.enumerated() {
                let label = candidates.count > 1 ? "attempt \(number), candidate \(index + 1)/\(candidates.count)" : "attempt \(number)"
                if try consider(result, label: label, isFirst: index == 0) { break rounds }
            }
            // A copied answer: fork it where the model doubted what it copied (tests decide). A
            // stub given back without a body is first continued where its code block closed.
            if constraint == nil, options.forks > 0,
               let (copy, stub) = copies.first(where: { !$0.result.tokenLogProbabilities.isEmpty }), !forked.contains(copy.text) {
                forked.insert(copy.text)
                let continuation = stub ? CopyForks.closingFence(of: copy.text) : nil
                let points = (continuation.map { [$0] } ?? []) + CopyForks.points(in: copy, count: options.forks - (continuation == nil ? 0 : 1))
                for (index, point) in points.enumerated() {
                    try checkCancelled()
                    let label = "attempt \(number), fork \(index + 1)/\(points.count)"
                    onProgress("\(label): the answer copied the code; taking another token where the model doubted")
                    let result = try generate(messages, temperature: 0, seed: UInt64(number * 1000 + 500 + index),
                                              constraint: point == continuation
                                                  ? CopyForks.stubContinuation(of: copy.text, at: point)
                                                  : CopyForks.constraint(divergingFrom: copy.text, at: point),
                                              logProbabilities: false)
                    guard previousAnswers.insert(result.text).inserted else { continue }
                    if try consider(result, label: label, isFirst: false) { break rounds }
                }
            }
            if let feedback { exchange.append(.user(feedback)) }
        }

        guard let accepted else { return report }
        report.passed = true
        report.diff = report.attempts.last { $0.accepted }?.diff ?? ""
        report.files = accepted.map(\.path)
        if !options.dryRun {
            try checkCancelled()
            // The undo record first (pending, beside the previous one): an applied edit must
            // always be undoable, and a refused one must not cost the previous record.
            let undo = UndoStore(gitDirectory: repository.gitDirectory, workingRoot: root)
            try undo.savePending(accepted, instruction: plan.instruction)
            do {
                // Refuses (writing nothing) if a target changed since it was planned.
                try ChangeWriter(root: root).write(accepted)
            } catch {
                undo.discardPending()
                throw error
            }
            try undo.commitPending()
            report.applied = true
            onEvent(.applied(files: report.files))
        }
        return report
    }

    /// Fill-in-the-middle candidates for one target, made as they are asked for: the functions
    /// of its focus, when the file is UTF-8 text (what is tested is written back as UTF-8 bytes).
    private func repairQueue(_ target: PlannedTarget) -> RepairQueue? {
        guard let snapshot = target.snapshot, String(data: snapshot, encoding: .utf8) == target.text,
              !(target.focus.isEmpty && target.helpers.isEmpty) else { return nil }
        let repair = FillInMiddleRepair(generator: generator, cancellation: cancellation)
        repair.onProgress = onProgress
        return repair.queue(path: target.path, text: target.text, definitions: target.focus, helpers: target.helpers,
                            references: plan.references.filter { $0.path != target.path })
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

    /// The answer gave the code back as it is (a stub as a stub).
    static func isCopy(_ error: AgentError) -> Bool {
        isStubCopy(error) || error == .answerChangesNothing
    }

    /// The answer left a stub without a body.
    static func isStubCopy(_ error: AgentError) -> Bool {
        if case .stubUnchanged = error { return true }
        return false
    }

    /// When the tests fail on a stub (the locating run raised NotImplementedError), an answer
    /// that writes no stub's body is refused before the tests run: it cannot pass, and a test
    /// run costs far more than the feedback. A stub is a Python definition whose body is only
    /// `raise NotImplementedError`, or nothing at all (docstring and comments aside: a small
    /// model often gives the stub back as its signature and docstring); a body that raises it
    /// in one branch is written, and is left to the tests. Other files count raise lines.
    static func checkStubsWritten(_ changes: [EditedFile]) throws {
        let marker = "raise NotImplementedError"
        for change in changes where change.beforeText.contains(marker) {
            if CodeStructure.family(forPath: change.path) == .python {
                if stubCount(change.afterText, path: change.path) >= stubCount(change.beforeText, path: change.path) {
                    throw AgentError.stubUnchanged(path: change.path)
                }
                continue
            }
            let before = change.beforeText.components(separatedBy: marker).count
            let after = change.afterText.components(separatedBy: marker).count
            if after >= before { throw AgentError.stubUnchanged(path: change.path) }
        }
    }

    /// Python functions of `text` whose whole body is `raise NotImplementedError…` or nothing
    /// but a docstring (counted on both sides of an edit, so functions that were docstring-only
    /// before, such as abstract methods, cancel out).
    static func stubCount(_ text: String, path: String) -> Int {
        let structure = CodeStructure(text: text, path: path)
        let lines = structure.lines
        return structure.definitions.filter { d in
            guard d.kind == .function else { return false }
            let bodyStart = PythonBody.docstring(lines, header: d.headerLine, end: d.range.upperBound)?.upperBound
                ?? PythonBody.firstStatement(lines, header: d.headerLine, end: d.range.upperBound)
            guard let bodyStart else { return false }
            let body = lines[min(bodyStart, d.range.upperBound)..<d.range.upperBound]
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            return body.isEmpty || (body.count == 1 && body[0].hasPrefix("raise NotImplementedError"))
        }.count
    }

    /// A candidate whose tests fail still passes when the tests failed before the change too,
    /// the framework names the failing tests, no new test fails and at least one is fixed.
    /// How many repair candidates to test when not told: as many as about a minute of test
    /// runs allows, timed by the baseline run (one that stops at its first failure), at least
    /// 12 and at most 48. The candidates cost the model little once made; with fast tests the
    /// fix may well be among the later ones (the model's second choice at a place).
    public static func repairCount(baseline: TestReport?) -> Int {
        guard let baseline, !baseline.timedOut, baseline.durationSeconds > 0 else { return 12 }
        return min(48, max(12, Int(60 / baseline.durationSeconds)))
    }

    /// A candidate's tests may run at most ten times as long as the tests took before the edit,
    /// plus a minute, and never longer than the configured limit: a change that hangs them (a
    /// `list()` of an infinite iterator) is stopped in about a minute instead of five.
    public static func candidateTestTimeLimit(configured: Double, baseline: TestReport?) -> Double {
        guard let baseline, !baseline.timedOut, baseline.durationSeconds > 0 else { return configured }
        return min(configured, 60 + 10 * baseline.durationSeconds)
    }

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
            try EditTargetRules.check(path, root: root, namedByUser: editable.contains(path))
            if editable.contains(path) { continue }
            let exists = FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(path))
            if exists || { if case .delete = op { return true } else { return false } }() {
                throw AgentError.fileNotEditable(path: path, editable: plan.targets.map(\.path))
            }
        }
    }

    /// The round's candidates, best first: the configured (default greedy) answer in the first
    /// round, sampled ones in later rounds (so a small model does not repeat the same mistake
    /// with the feedback in view); with `candidates` > 1 more samples from the same prompt (its
    /// KV cache reused), ranked by mean token log-probability where the backend gives it.
    /// Answers seen before are replaced by a fresh sample once.
    private func sampleCandidates(_ messages: [ChatMessage], round: Int, seen: inout Set<String>,
                                  constraint: DecodingConstraint?) throws -> [GenerationResult] {
        let count = max(1, options.candidates)
        var results: [GenerationResult] = []
        for index in 0..<count {
            let temperature = round == 1 && index == 0 ? options.temperature : max(options.temperature, round == 1 ? 0.7 : 0.5)
            let seed = UInt64(round * 1000 + index)
            var result = try generate(messages, temperature: temperature, seed: seed, constraint: constraint, logProbabilities: count > 1 || options.forks > 0)
            if seen.contains(result.text) {
                onProgress("attempt \(round): same answer as before, sampling another")
                result = try generate(messages, temperature: max(0.8, options.temperature), seed: seed + 100,
                                      constraint: constraint, logProbabilities: count > 1 || options.forks > 0)
            }
            if seen.insert(result.text).inserted || results.isEmpty { results.append(result) }
        }
        guard results.count > 1 else { return results }
        // Stable: candidates without a log-probability keep their order after ranked ones.
        return results.enumerated().sorted { a, b in
            switch (a.element.meanLogProbability, b.element.meanLogProbability) {
            case let (x?, y?): return x != y ? x > y : a.offset < b.offset
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    private func generate(_ messages: [ChatMessage], temperature: Double, seed: UInt64,
                          constraint: DecodingConstraint?, logProbabilities: Bool) throws -> GenerationResult {
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.seed = seed
        var request = GenerationRequest(prompt: .chat(messages), maxTokens: plan.answerTokens, sampling: sampling)
        request.constraint = constraint
        request.wantsLogProbabilities = logProbabilities
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
