import Foundation
import Testing
import TakumiGit
import TakumiAgent

/// The pipeline end to end with a scripted model on real (temporary) git repositories,
/// including the safety cases: after a failed or interrupted run, the working tree, index,
/// refs, stash, worktrees and objects are exactly as before.
@Suite(.serialized) struct EditSessionTests {
    static let buggy = "def add(a, b):\n    return a - b\n"
    static let fixed = "def add(a, b):\n    return a + b\n"
    static let goodAnswer = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
    static let wrongAnswer = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a * b\n>>>>>>> REPLACE\n"
    static let testCommand = "grep -q 'a + b' calc.py"

    func session(_ repo: GitRepoFixture, _ generator: ScriptedGenerator, test: String? = testCommand,
                 attempts: Int = 3, timeout: Double = 30, dryRun: Bool = false,
                 cancellation: CancellationFlag = CancellationFlag()) throws -> EditSession {
        let plan = try EditSessionTests.plan(repo, instruction: "Fix add so it adds.", paths: ["calc.py"],
                                             format: .searchReplace, test: test)
        var options = EditOptions()
        options.attempts = attempts
        options.testTimeout = timeout
        options.dryRun = dryRun
        return EditSession(repository: try repo.open(), generator: generator, prompts: EditSessionTests.prompts,
                           plan: plan, options: options, cancellation: cancellation)
    }

    static let prompts = EditPromptBuilder(library: PromptLibrary(directories: [TestPaths.prompts]))

    /// A plan as `takumi edit` makes it (without the locating test run unless `locate`).
    static func plan(_ repo: GitRepoFixture, instruction: String, paths: [String], format: Settings.FormatChoice,
                     test: String?, locate: Bool = false, contextTokens: Int = 8192) throws -> EditPlan {
        let request = EditRequest(instruction: instruction, paths: paths, test: test.map { .command($0) } ?? EditRequest.TestChoice.none,
                                  format: format, contextTokens: contextTokens, locateWithTests: locate)
        return try EditPlanner(repository: try repo.open(), counter: EstimatingTokenCounter(), prompts: prompts).plan(request)
    }

    @Test func passingCandidateIsAppliedAndUndone() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let before = try repo.snapshot()
        let report = try session(repo, ScriptedGenerator([Self.goodAnswer])).run()
        #expect(report.applied && report.passed)
        #expect(report.attempts.count == 1)
        #expect(report.attempts[0].test?.exitCode == 0)
        #expect(repo.dir.read("calc.py") == Self.fixed)
        #expect(report.diff.contains("-    return a - b\n+    return a + b"))
        #expect(report.summary.hasPrefix("applied: 1 file changed, +1 -1 (attempt 1 of 1"))

        // The JSON shape the CLI prints.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let attempt = (json?["attempts"] as? [[String: Any]])?.first
        let test = attempt?["test"] as? [String: Any]
        #expect(json?["applied"] as? Bool == true && json?["files"] as? [String] == ["calc.py"])
        #expect(attempt?["answer"] is String && attempt?["diff"] is String)
        #expect(test?["command"] as? String == Self.testCommand && test?["exit_code"] is Int && test?["duration_s"] is Double && test?["output_tail"] is String)

        let root = try repo.open().workingDirectory(for: "undo")
        try UndoStore(gitDirectory: try repo.open().gitDirectory, workingRoot: root).undo()
        var after = try repo.snapshot()
        after.objects = before.objects // (the undo record is not an object; objects compared below)
        #expect(after == before)
        #expect(try repo.snapshot().objects == before.objects)
        #expect(throws: AgentError.self) { try UndoStore(gitDirectory: try repo.open().gitDirectory, workingRoot: root).undo() }
    }

    /// Best-of-N from one prompt: the candidates are tested in order of mean log-probability,
    /// so the likeliest passing one is found with one test run.
    @Test func candidatesAreTestedBestLogProbabilityFirst() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let generator = ScriptedGenerator([Self.wrongAnswer, Self.goodAnswer, Self.wrongAnswer.replacingOccurrences(of: "*", with: "/")],
                                          logProbabilities: [-2.0, -0.3, -1.0])
        let plan = try EditSessionTests.plan(repo, instruction: "Fix add so it adds.", paths: ["calc.py"],
                                             format: .searchReplace, test: Self.testCommand)
        var options = EditOptions()
        options.candidates = 3
        options.attempts = 1
        let report = try EditSession(repository: try repo.open(), generator: generator, prompts: EditSessionTests.prompts,
                                     plan: plan, options: options).run()
        #expect(report.applied)
        #expect(generator.requests.count == 3)
        #expect(generator.requests.allSatisfy { $0.wantsLogProbabilities })
        // The SEARCH constraint rides along on search-replace prompts.
        #expect(generator.requests.allSatisfy { $0.constraint != nil })
        #expect(report.attempts.count == 1 && report.attempts[0].meanLogProbability == -0.3)
        #expect(repo.dir.read("calc.py") == Self.fixed)
    }

    /// When the tests fail on a stub, an answer that leaves the stub a stub is refused without a
    /// test run; one that writes a body (even one raising NotImplementedError in a branch) is tested.
    @Test func aStubAnsweredAsAStubIsRefusedAndAWrittenBodyIsTested() throws {
        let stub = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    # numbers only\n    raise NotImplementedError\n"
        let repo = try GitRepoFixture(files: ["calc.py": stub])
        let test = "python3 -c 'from calc import add; assert add(1, 2) == 3'"
        let plan = try EditSessionTests.plan(repo, instruction: "Implement add.", paths: ["calc.py"], format: .wholeFile,
                                             test: test, locate: true)
        let answers = [
            "```python\ndef add(a, b):\n    # still to do\n    raise NotImplementedError()\n```\n",
            "```python\ndef add(a, b):\n    if a is None:\n        raise NotImplementedError\n    return a - b\n```\n",
            "```python\ndef add(a, b):\n    if a is None:\n        raise NotImplementedError\n    return a + b\n```\n",
        ]
        var options = EditOptions()
        options.attempts = 3
        let report = try EditSession(repository: try repo.open(), generator: ScriptedGenerator(answers),
                                     prompts: EditSessionTests.prompts, plan: plan, options: options).run()
        #expect(report.attempts.map { $0.error == nil ? "tested" : "refused" } == ["refused", "tested", "tested"])
        #expect(report.attempts[0].error?.contains("NotImplementedError") == true)
        #expect(report.attempts[0].test == nil)
        #expect(report.applied && repo.dir.read("calc.py")?.contains("return a + b") == true)
    }

    /// A small model often gives a stub back as its signature and docstring. That answer is a
    /// stub still (refused without a test run), and it is continued where its code block closed:
    /// the fork may copy up to the docstring's end but neither close the block there nor raise.
    @Test func aStubGivenBackAsItsDocstringIsContinuedAfterTheDocstring() throws {
        let stub = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    raise NotImplementedError\n"
        let repo = try GitRepoFixture(files: ["calc.py": stub])
        let test = "python3 -c 'from calc import add; assert add(1, 2) == 3'"
        let plan = try EditSessionTests.plan(repo, instruction: "Implement add.", paths: ["calc.py"], format: .wholeFile,
                                             test: test, locate: true)
        let generator = DocstringOnlyGenerator()
        var options = EditOptions()
        options.attempts = 1
        let report = try EditSession(repository: try repo.open(), generator: generator,
                                     prompts: EditSessionTests.prompts, plan: plan, options: options).run()
        #expect(report.attempts.map { $0.error == nil ? "tested" : "refused" } == ["refused", "tested"])
        #expect(report.attempts[0].test == nil)
        #expect(generator.continuationRefusedTheFence == true)
        #expect(report.applied && repo.dir.read("calc.py")?.contains("return a + b") == true)
    }

    @Test func undoRefusesWhenFileChangedSince() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        _ = try session(repo, ScriptedGenerator([Self.goodAnswer])).run()
        try repo.dir.write("calc.py", "# edited by the user\n")
        let r = try repo.open()
        #expect(throws: AgentError.fileChangedSinceRead(path: "calc.py")) {
            try UndoStore(gitDirectory: r.gitDirectory, workingRoot: try r.workingDirectory(for: "undo")).undo()
        }
        #expect(repo.dir.read("calc.py") == "# edited by the user\n")
    }

    @Test func failingTestsChangeNothingAndFeedBackTheFailure() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let before = try repo.snapshot()
        let generator = ScriptedGenerator([Self.wrongAnswer, Self.wrongAnswer.replacingOccurrences(of: "a * b", with: "b - a")])
        let report = try session(repo, generator, test: "echo 'expected a + b'; grep -q 'a + b' calc.py").run()
        #expect(!report.applied && !report.passed)
        #expect(report.attempts.count == 3)
        #expect(report.attempts.allSatisfy { $0.test?.passed == false && !$0.diff.isEmpty })
        #expect(report.baseline?.passed == false)
        // The failure (command and output tail) went back to the model.
        let feedback = generator.requests[1].prompt
        guard case let .chat(messages) = feedback else { Issue.record("not a chat"); return }
        #expect(messages.last?.content.contains("expected a + b") == true)
        #expect(messages.last?.content.contains("Exit code: 1") == true)
        // A repeated identical answer was re-sampled with temperature.
        #expect(generator.requests.contains { $0.sampling.temperature > 0 })
        #expect(try repo.snapshot() == before)
        #expect(report.summary.hasPrefix("not applied"))
    }

    @Test func timeoutKillsTheWholeProcessGroup() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let before = try repo.snapshot()
        let marker = repo.path + "/../" + UUID().uuidString + ".pid"
        // A background grandchild that would outlive a naive kill of the shell alone.
        let command = "sleep 60 & echo $! > \(marker); sleep 60"
        let report = try session(repo, ScriptedGenerator([Self.goodAnswer]), test: command, attempts: 1, timeout: 1).run()
        #expect(report.attempts.first?.test?.timedOut == true)
        #expect(!report.applied)
        let pidText = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try? FileManager.default.removeItem(atPath: marker)
        let pid = try #require(Int32(pidText))
        usleep(200_000)
        // Gone, or a zombie waiting for a (container) init to reap it: either way not running.
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
            .split(separator: ")").last?.split(separator: " ").first.map(String.init)
        #expect(state == nil || state == "Z", "background child \(pid) survived the timeout (state \(state ?? "?"))")
        #expect(try repo.snapshot() == before)
    }

    @Test func malformedAnswerIsFedBackWithRealLinesAndNeverPartiallyApplied() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy, "other.py": "X = 1\n"])
        let before = try repo.snapshot()
        // The first block matches; the second does not: nothing at all may be written.
        let partial = "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n=======\ndef add(a, b):  # fixed\n>>>>>>> REPLACE\ncalc.py\n<<<<<<< SEARCH\n  return a-b\n=======\n  return a+b\n>>>>>>> REPLACE\n"
        let generator = ScriptedGenerator([partial, "calc.py\n<<<<<<< SEARCH\n    return a - b\n"])
        let report = try session(repo, generator, attempts: 2).run()
        #expect(!report.applied)
        #expect(report.attempts.map { $0.error != nil } == [true, true])
        guard case let .chat(messages) = generator.requests[1].prompt else { Issue.record("not a chat"); return }
        #expect(messages.last?.content.contains("    return a - b") == true) // the real line, quoted
        #expect(try repo.snapshot() == before)
    }

    @Test func fileModifiedDuringTheRunIsNotOverwritten() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let generator = ScriptedGenerator([Self.goodAnswer])
        let userEdit = "def add(a, b):\n    return a - b  # user was here\n"
        // The user saves the file after takumi read it, while tests run.
        let report = { () throws -> EditReport in
            let s = try session(repo, generator, test: "sleep 0.5; grep -q 'a + b' calc.py")
            let writer = Thread { usleep(200_000); try? repo.dir.write("calc.py", userEdit) }
            writer.start()
            return try s.run()
        }
        #expect(throws: AgentError.fileChangedSinceRead(path: "calc.py")) { try report() }
        #expect(repo.dir.read("calc.py") == userEdit)
        #expect(try repo.git("status --porcelain") == " M calc.py\n")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/takumi/last-edit.json"))
    }

    @Test func dirtyTreeWithUnrelatedChangesIsKeptAndSeenByTests() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy, "staged.txt": "s\n", "unstaged.txt": "u\n", "gone.txt": "g\n"])
        try repo.dir.write("staged.txt", "s2\n")
        try repo.git("add staged.txt")
        try repo.dir.write("unstaged.txt", "u2\n")
        try repo.dir.write("new/untracked.txt", "n\n")
        try FileManager.default.removeItem(atPath: repo.path + "/gone.txt")
        try repo.git("stash list")
        let before = try repo.snapshot()
        // The tests see the user's uncommitted state.
        let test = "grep -q s2 staged.txt && grep -q u2 unstaged.txt && test -f new/untracked.txt && ! test -e gone.txt && grep -q 'a + b' calc.py"
        let report = try session(repo, ScriptedGenerator([Self.goodAnswer]), test: test).run()
        #expect(report.applied, "\(report.attempts.first?.test?.outputTail ?? "")")
        let after = try repo.snapshot()
        #expect(after.index == before.index)
        #expect(after.refs == before.refs && after.stash == before.stash && after.worktrees == before.worktrees)
        #expect(after.objects == before.objects)
        var expectedFiles = before.files
        expectedFiles["calc.py"] = Data(Self.fixed.utf8)
        #expect(after.files == expectedFiles)
        #expect(after.status.contains(" M calc.py"))
    }

    @Test func cancellationMidTestRunChangesNothing() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let before = try repo.snapshot()
        let flag = CancellationFlag()
        let s = try session(repo, ScriptedGenerator([Self.goodAnswer]), test: "sleep 30", cancellation: flag)
        let canceller = Thread { usleep(500_000); flag.cancel() }
        canceller.start()
        let start = Date()
        #expect(throws: AgentError.cancelled) { try s.run() }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try repo.snapshot() == before)
    }

    @Test func dryRunWritesNothing() throws {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let before = try repo.snapshot()
        let report = try session(repo, ScriptedGenerator([Self.goodAnswer]), dryRun: true).run()
        #expect(report.passed && !report.applied && !report.diff.isEmpty)
        #expect(try repo.snapshot() == before)
    }

    /// A candidate that hangs the tests is stopped relative to how long they took before the
    /// edit; slow suites keep the configured limit.
    @Test func candidateTestsGetTenTimesTheBaselinePlusAMinute() {
        func baseline(_ seconds: Double, timedOut: Bool = false) -> TestReport {
            TestReport(command: "t", exitCode: 1, durationSeconds: seconds, outputTail: "", timedOut: timedOut,
                       passed: false, failingTests: nil)
        }
        #expect(EditSession.candidateTestTimeLimit(configured: 300, baseline: baseline(2)) == 80)
        #expect(EditSession.candidateTestTimeLimit(configured: 300, baseline: baseline(40)) == 300)
        #expect(EditSession.candidateTestTimeLimit(configured: 30, baseline: baseline(2)) == 30)
        #expect(EditSession.candidateTestTimeLimit(configured: 300, baseline: nil) == 300)
        #expect(EditSession.candidateTestTimeLimit(configured: 300, baseline: baseline(300, timedOut: true)) == 300)
    }

    /// Untold, the repairs tested are about a minute of test runs: many with a fast suite,
    /// the twelve of old with a slow one or no timed run.
    @Test func repairCountFollowsTheBaselinesTime() {
        func baseline(_ seconds: Double, timedOut: Bool = false) -> TestReport {
            TestReport(command: "t", exitCode: 1, durationSeconds: seconds, outputTail: "", timedOut: timedOut,
                       passed: false, failingTests: nil)
        }
        #expect(EditSession.repairCount(baseline: baseline(0.4)) == 48)
        #expect(EditSession.repairCount(baseline: baseline(2)) == 30)
        #expect(EditSession.repairCount(baseline: baseline(5)) == 12)
        #expect(EditSession.repairCount(baseline: baseline(60)) == 12)
        #expect(EditSession.repairCount(baseline: nil) == 12)
        #expect(EditSession.repairCount(baseline: baseline(300, timedOut: true)) == 12)
    }

    @Test func baselineFailuresAreToleratedWhenTheTargetedOneIsFixed() {
        func report(_ failing: [String]?, passed: Bool = false) -> TestReport {
            TestReport(command: "t", exitCode: passed ? 0 : 1, durationSeconds: 0, outputTail: "", timedOut: false,
                       passed: passed, failingTests: failing)
        }
        let baseline = report(["test_a", "test_b"])
        #expect(EditSession.judgeAgainstBaseline(candidate: report(["test_b"]), baseline: baseline))
        #expect(!EditSession.judgeAgainstBaseline(candidate: report(["test_a", "test_b"]), baseline: baseline))
        #expect(!EditSession.judgeAgainstBaseline(candidate: report(["test_c"]), baseline: baseline))
        #expect(!EditSession.judgeAgainstBaseline(candidate: report(nil), baseline: baseline))
        #expect(!EditSession.judgeAgainstBaseline(candidate: report(["test_b"]), baseline: report([], passed: true)))
    }
}

@Suite(.serialized) struct EditSessionScopeTests {
    @Test func referenceFilesAndUnseenFilesAreNotEditableButNewFilesAre() throws {
        let repo = try GitRepoFixture(files: ["calc.py": EditSessionTests.buggy, "test_calc.py": "assert True\n", "other.py": "X = 1\n"])
        let before = try repo.snapshot()
        let cheat = "test_calc.py\n```python\n# tests removed\n```\n"
        let unseen = "other.py\n```python\nX = 2\n```\n"
        let good = "calc.py\n```python\ndef add(a, b):\n    return a + b\n```\n\nnotes/NEW.md\n```\nnew file\n```\n"
        var plan = try EditSessionTests.plan(repo, instruction: "Fix add", paths: ["calc.py"], format: .wholeFile, test: nil)
        plan.references = [ReferenceExcerpt(path: "test_calc.py", startLine: 1, endLine: 1, text: "assert True", reason: "test")]
        let generator = ScriptedGenerator([cheat, unseen, good])
        let report = try EditSession(repository: try repo.open(), generator: generator, prompts: EditSessionTests.prompts,
                                     plan: plan, options: EditOptions()).run()
        #expect(report.attempts.map { $0.error?.contains("reference only") == true } == [true, true, false])
        #expect(report.applied)
        #expect(report.files == ["calc.py", "notes/NEW.md"])
        var expected = before.files
        expected["calc.py"] = Data(EditSessionTests.fixed.utf8)
        expected["notes/NEW.md"] = Data("new file\n".utf8)
        #expect(snapshotTree(repo.path) == expected)
    }
}

/// Answers a stub with its signature and docstring only (every token sure); asked again with a
/// decoding constraint, checks that the constraint refuses closing the block after the
/// docstring and allows a body there, and answers with the body.
final class DocstringOnlyGenerator: TextGenerator {
    static let copy = "```python\ndef add(a, b):\n    \"\"\"Return a + b.\"\"\"\n```\n"
    static let written = "```python\ndef add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b\n```\n"
    var continuationRefusedTheFence: Bool?

    var modelDescription: String { "docstring-only" }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }

    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        if let constraint = request.constraint {
            let upToFence = Array(Self.copy.utf8.dropLast(4))   // through the docstring's line
            continuationRefusedTheFence = !constraint.accepts(upToFence, Array("```".utf8))
                && !constraint.accepts(upToFence, Array("    raise".utf8))
                && constraint.accepts(upToFence, Array("    return".utf8))
            return GenerationResult(text: Self.written, promptTokens: 10, generatedTokens: 12, finishReason: .endOfTurn,
                                    prefillSeconds: 0, decodeSeconds: 0)
        }
        var result = GenerationResult(text: Self.copy, promptTokens: 10, generatedTokens: 12, finishReason: .endOfTurn,
                                      prefillSeconds: 0, decodeSeconds: 0)
        result.tokenLogProbabilities = stride(from: 0, to: Self.copy.utf8.count, by: 3).map {
            TokenLogProbability(byteOffset: $0, logProbability: -0.001)
        }
        return result
    }
}
