import Foundation
import TakumiGit

/// Turns an `EditRequest` into an `EditPlan`: the test command, one locating test run, the
/// files to edit (named, or found from the failing run and `ContextSelector`), what of each
/// file is shown (whole, or regions + outline), the test excerpts shown for reference, and the
/// answer format — all within the model's context: prompt + answer room + margin never exceed
/// `contextTokens`. A request that cannot fit even at its smallest is refused, naming what
/// did not fit.
///
/// The CLI only parses flags and renders; `takumi edit` and `takumi context` both call this.
public final class EditPlanner {
    public let repository: Repository
    public let counter: TokenCounter
    public let prompts: EditPromptBuilder
    public let cancellation: CancellationFlag
    /// Test time limit (seconds) of the locating run.
    public var testTimeLimit: Double = 300
    /// Where `ContextSelector` keeps its term cache (nil: none).
    public var cacheDirectory: URL?
    public var onProgress: (String) -> Void = { _ in }
    /// Tokens kept free besides the answer (chat-template tokens, rounding of estimates).
    public var marginTokens = 96

    public init(repository: Repository, counter: TokenCounter, prompts: EditPromptBuilder,
                cancellation: CancellationFlag = CancellationFlag()) {
        self.repository = repository
        self.counter = counter
        self.prompts = prompts
        self.cancellation = cancellation
    }

    /// The runner for the test command (the session reuses it for candidates).
    public func testRunner(_ command: String) -> IsolatedTestRunner {
        IsolatedTestRunner(repository: repository, command: command,
                           runner: ProcessRunner(timeLimit: testTimeLimit, cancellation: cancellation))
    }

    public func plan(_ request: EditRequest) throws -> EditPlan {
        let root = try repository.workingDirectory(for: "edit")
        let tracked = try repository.trackedFiles().filter(\.isRegularFile).map(\.path)
        var notes: [String] = []

        // 1. The test command.
        var testCommand: String?
        var testReason: String?
        switch request.test {
        case .none: break
        case let .command(command): testCommand = command; testReason = "given"
        case .detect:
            guard let detected = TestCommandDetector.detect(root: root) else { throw AgentError.testCommandNotDetected(root: root) }
            testCommand = detected.command
            testReason = detected.reason
        }
        if let testCommand { notes.append("test command: \(testCommand) (\(testReason ?? ""))") }

        // Named files are read before the locating run, so a change the user makes while the
        // tests run is caught by the race check, not taken into the snapshot.
        var early: [String: Data?] = [:]
        for path in request.paths {
            early[path] = FileManager.default.contents(atPath: (root as NSString).appendingPathComponent(path))
        }

        // 2. One run of the tests as they are: what fails, and where.
        var baseline: TestReport?
        var evidence = TestEvidence.empty
        if let testCommand, request.locateWithTests {
            try checkCancelled()
            onProgress("running \(testCommand) once to see what fails")
            let report = try testRunner(testCommand).run(candidate: [])
            try checkCancelled()
            baseline = report
            if report.passed {
                notes.append("the tests pass before the edit")
            } else {
                evidence = TestEvidence.from(report, files: tracked, read: { self.readText(root, $0) }, counter: counter)
                notes.append("the tests fail before the edit (exit \(report.exitCode)); \(evidence.locations.count) location(s), \(evidence.testFunctions.count) failing test function(s) found")
            }
        }

        // 3. The files to edit.
        let targetPaths: [(path: String, reason: String)]
        if request.paths.isEmpty {
            let inScope = request.scope.isEmpty ? tracked
                : tracked.filter { path in request.scope.contains { path.hasPrefix($0 + "/") } }
            targetPaths = try guessTargets(request.instruction, evidence: evidence, tracked: inScope)
            guard !targetPaths.isEmpty else { throw AgentError.noTargetFound(instruction: request.instruction) }
        } else {
            targetPaths = request.paths.map { ($0, "named on the command line") }
        }
        for target in targetPaths { notes.append("edit \(target.path): \(target.reason)") }

        // 4. What of each file is shown, within the budget.
        var plan = EditPlan(instruction: request.instruction, targets: [], references: [], format: .wholeFile,
                            testCommand: testCommand, testCommandReason: testReason, baseline: baseline,
                            failureExcerpt: evidence.failureExcerpt, contextTokens: request.contextTokens,
                            answerTokens: 0, promptTokens: 0, notes: notes)
        var targets: [PlannedTarget] = []
        for (path, reason) in targetPaths {
            // The path rules (nested .git, links, submodules, tool configuration, read-only).
            try EditTargetRules.check(try RepositoryPath.validate(path, root: root), root: root,
                                      namedByUser: !request.paths.isEmpty)
            let full = (root as NSString).appendingPathComponent(path)
            let data = early[path] ?? FileManager.default.contents(atPath: full)
            let text = try data.map { try TextFile(data: $0, path: path).text } ?? ""
            let lineCount = TextFile.split(text).0.count
            targets.append(PlannedTarget(path: path, snapshot: data, text: text, lineCount: lineCount, reason: reason,
                                         regions: nil, outline: []))
        }
        let totalLines = targets.reduce(0) { $0 + $1.lineCount }
        let wantWhole: Bool
        switch request.format {
        case .wholeFile: wantWhole = true
        case .searchReplace: wantWhole = true   // whole when it fits, else regions
        case .regions: wantWhole = false
        case .auto: wantWhole = totalLines <= request.wholeFileMaxLines
        }
        let identifiers = Set(Terms.identifierWords(request.instruction).filter { $0.count >= 3 })
        let codeNames = Terms.codeIdentifiers(request.instruction).filter { $0.count >= 2 }
        let words = Set(Terms.queryTerms(request.instruction))

        // The budget for the prompt: the window less the answer's room and a margin.
        func answerRoom(_ shownTokens: Int) -> Int {
            min(request.contextTokens / 2, max(request.maxAnswerTokens ?? EditRequest.defaultAnswerTokens, shownTokens * 5 / 4 + 256))
        }
        plan.references = evidence.testFunctions

        /// What points at parts of `target`: the failing run's lines, names and words of the request.
        func fileEvidence(_ target: PlannedTarget) -> RegionChooser.Evidence {
            var fileEvidence = RegionChooser.Evidence()
            fileEvidence.tracebackLines = evidence.locations.filter { $0.path == target.path }.map(\.line)
            fileEvidence.instructionNames = codeNames
            fileEvidence.instructionPlainNames = identifiers.subtracting(codeNames)
            fileEvidence.testNames = evidence.usedNames
            fileEvidence.instructionWords = words
            return fileEvidence
        }
        // Regions the room for them allows: about 40 % of the window, split across targets.
        let available = request.contextTokens - marginTokens
        let regionAllowance = max(256, min(3000, available * 2 / 5) / max(1, targets.count))
        func chooseRegions(_ target: PlannedTarget) -> RegionChooser.Choice {
            RegionChooser().choose(path: target.path, text: target.text, evidence: fileEvidence(target),
                                   allowance: regionAllowance, outlineAllowance: 350, counter: counter)
        }
        /// What the repairs try in `target`: the shown definitions and beyond (`RepairFocus`).
        func setFocus(_ target: inout PlannedTarget, shown: RegionChooser.Choice) {
            let chosen = RepairFocus().choose(structure: CodeStructure(text: target.text, path: target.path),
                                              shown: shown.regions.flatMap(\.definitions), testNames: evidence.usedNames,
                                              tracedInFile: evidence.locations.contains { $0.path == target.path })
            (target.focus, target.helpers) = chosen
            if !chosen.focus.isEmpty || !chosen.helpers.isEmpty {
                let helpers = chosen.helpers.isEmpty ? "" : "; then what they call: " + chosen.helpers.joined(separator: ", ")
                plan.notes.append("repairs in \(target.path) try \(chosen.focus.isEmpty ? "no function shown" : chosen.focus.joined(separator: ", "))\(helpers)")
            }
        }

        if wantWhole {
            // A file shown whole still has a focus: the definitions the evidence points at.
            for i in targets.indices { setFocus(&targets[i], shown: chooseRegions(targets[i])) }
            let shown = targets.reduce(0) { $0 + counter.countTokens($1.text) }
            let room = answerRoom(shown)
            plan.targets = targets
            plan.format = request.format == .searchReplace ? .searchReplace : .wholeFile
            plan.answerTokens = room
            if try fit(&plan, available: request.contextTokens - room - marginTokens) {
                return plan
            }
            plan.notes.append("the whole file does not fit the context: showing regions")
        }

        // Regions: each target gets its share (above); the answer gets about as much.
        var allWhole = true
        plan.targets = targets.map { target in
            var target = target
            let choice = chooseRegions(target)
            target.regions = choice.regions
            target.outline = choice.outline
            setFocus(&target, shown: choice)
            if !choice.wholeDefinitions { allWhole = false }
            return target
        }
        if plan.targets.contains(where: { ($0.regions ?? []).isEmpty }) {
            let empty = plan.targets.filter { ($0.regions ?? []).isEmpty }.map(\.path)
            throw AgentError.promptTooLarge(needed: targets.reduce(0) { $0 + counter.countTokens($1.text) },
                                            available: available,
                                            detail: "no part of \(empty.joined(separator: ", ")) could be chosen to show; name the function or class to change in the instruction")
        }
        plan.format = allWhole && request.format != .searchReplace ? .regions : .searchReplace
        let shown = plan.targets.flatMap { $0.regions ?? [] }.reduce(0) { $0 + counter.countTokens($1.text) }
        // Definitions answered whole are about as long as what was shown (a stub's body may
        // be longer than its stub): twice that and a stub's worth more is plenty.
        plan.answerTokens = request.maxAnswerTokens == nil && plan.format == .regions
            ? min(answerRoom(shown), shown * 2 + 384) : answerRoom(shown)
        for target in plan.targets {
            for region in target.regions ?? [] {
                plan.notes.append("show \(target.path) lines \(region.startLine)-\(region.endLine): \(region.reason)")
            }
        }
        if try fit(&plan, available: request.contextTokens - plan.answerTokens - marginTokens) { return plan }
        // Last resort: one region per file.
        for i in plan.targets.indices { plan.targets[i].regions = Array((plan.targets[i].regions ?? []).prefix(1)) }
        if try fit(&plan, available: request.contextTokens - plan.answerTokens - marginTokens) { return plan }
        throw AgentError.promptTooLarge(needed: plan.promptTokens, available: request.contextTokens - plan.answerTokens - marginTokens,
                                        detail: "even one region of each file with no test excerpts is too large")
    }

    /// Renders the plan's first prompt and shrinks the optional parts (test excerpts, failure
    /// output, outlines) until it fits `available` tokens. False when it cannot.
    private func fit(_ plan: inout EditPlan, available: Int) throws -> Bool {
        func measure() throws -> Int {
            let messages = try prompts.initialMessages(plan: plan)
            // Each chat turn costs a few template tokens besides its text.
            return messages.reduce(0) { $0 + counter.countTokens($1.content) + 6 }
        }
        plan.promptTokens = try measure()
        while plan.promptTokens > available {
            if !plan.references.isEmpty {
                plan.references.removeLast()
            } else if let failure = plan.failureExcerpt, failure.count > 400 {
                plan.failureExcerpt = String(failure.suffix(failure.count / 2))
            } else if plan.failureExcerpt != nil {
                plan.failureExcerpt = nil
            } else if let i = plan.targets.firstIndex(where: { $0.outline.count > 4 }) {
                plan.targets[i].outline = Array(plan.targets[i].outline.prefix(plan.targets[i].outline.count / 2))
            } else {
                return false
            }
            plan.promptTokens = try measure()
        }
        return true
    }

    /// Files to edit when none are named: files of the failing run's frames (innermost first),
    /// then `ContextSelector`'s ranking for the instruction plus the names the failing tests
    /// use. Test files are never guessed as targets.
    func guessTargets(_ instruction: String, evidence: TestEvidence, tracked: [String]) throws -> [(path: String, reason: String)] {
        var result: [(String, String)] = []
        let allowed = Set(tracked)
        for location in evidence.locations.reversed() where !TestFiles.isTestFile(location.path) && allowed.contains(location.path) {
            if !result.contains(where: { $0.0 == location.path }) {
                result.append((location.path, "the failing run points at line \(location.line)"))
            }
        }
        if !result.isEmpty { return Array(result.prefix(2)) }
        let names = evidence.usedNames.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(6).map(\.key)
        let query = ([instruction] + names).joined(separator: " ")
        var request = ContextRequest(instruction: query, budget: 1500, maxFiles: 8, includeHistory: false,
                                     cacheDirectory: cacheDirectory)
        request.filter = ContextPathFilter()
        request.cancellation = cancellation
        let selection = try ContextSelector(repository: repository, tokenCounter: EstimatingTokenCounter()).select(request)
        for file in selection.files where !TestFiles.isTestFile(file.path) && allowed.contains(file.path)
            && (SourceLanguage(path: file.path) != nil || CodeStructure.family(forPath: file.path) != nil) {
            result.append((file.path, "\(file.reason.rawValue): \(file.detail)"))
            if result.count >= 1 { break }
        }
        return result
    }

    private func readText(_ root: String, _ path: String) -> String? {
        FileManager.default.contents(atPath: (root as NSString).appendingPathComponent(path))
            .map { String(decoding: $0, as: UTF8.self) }
    }

    private func checkCancelled() throws {
        if cancellation.isCancelled { throw AgentError.cancelled }
    }
}
