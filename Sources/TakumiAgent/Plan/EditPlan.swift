import Foundation

/// What `takumi edit` is asked, before anything is decided (the CLI fills it from flags and
/// settings; `EditPlanner` turns it into an `EditPlan`).
public struct EditRequest: Sendable {
    public enum TestChoice: Equatable, Sendable {
        /// `--no-test`: no gate, no locating test run.
        case none
        /// `--test CMD` or `test.command`.
        case command(String)
        /// Detect the project's test command (`TestCommandDetector`).
        case detect
    }

    public var instruction: String
    /// Repository-relative files the user named (validated by the caller); empty: guess.
    public var paths: [String]
    /// Directories to guess files in (empty: the whole repository).
    public var scope: [String] = []
    public var test: TestChoice
    public var format: Settings.FormatChoice
    /// Auto format: files up to this many lines in total are shown and answered whole.
    public var wholeFileMaxLines: Int
    /// The model's context window in tokens; the prompt plus the answer's room must fit it.
    public var contextTokens: Int
    /// Tokens kept for the answer at least (the CLI's `--max-tokens`); nil: 1,536, and for a
    /// regions answer no more than about twice the regions shown (a small model that loops
    /// over an enumeration is stopped early rather than after 1,536 tokens).
    public var maxAnswerTokens: Int?
    public static let defaultAnswerTokens = 1536
    /// Run the tests once before asking the model, to see what fails and where.
    public var locateWithTests: Bool

    public init(instruction: String, paths: [String] = [], test: TestChoice = .detect,
                format: Settings.FormatChoice = .auto, wholeFileMaxLines: Int = 150,
                contextTokens: Int = 8192, maxAnswerTokens: Int? = nil, locateWithTests: Bool = true) {
        self.instruction = instruction
        self.paths = paths
        self.test = test
        self.format = format
        self.wholeFileMaxLines = wholeFileMaxLines
        self.contextTokens = contextTokens
        self.maxAnswerTokens = maxAnswerTokens
        self.locateWithTests = locateWithTests
    }
}

/// A file the model may change, as the prompt shows it.
public struct PlannedTarget: Equatable, Sendable {
    public var path: String
    /// The file's bytes when planned (nil: it does not exist yet) — the one snapshot every
    /// later step (merge, diff, race check) compares against.
    public var snapshot: Data?
    public var text: String
    public var lineCount: Int
    public var reason: String
    /// nil: the whole file is shown; else only these regions (with `outline` for the rest).
    public var regions: [ShownRegion]?
    /// One line per definition of the file not shown ("L120 def chunked(iterable, n)").
    public var outline: [String]
    /// Qualified names of the definitions the evidence points at (the failing run, the
    /// instruction's names), whether the file is shown whole or as regions.
    public var focus: [String] = []
    /// Functions the focus calls, tried by the repairs after it (`RepairFocus`).
    public var helpers: [String] = []

    public var isWhole: Bool { regions == nil }
}

/// Read-only context: an excerpt of a test file (or another reference file).
public struct ReferenceExcerpt: Equatable, Sendable, Codable {
    public var path: String
    public var startLine: Int
    public var endLine: Int
    public var text: String
    public var reason: String

    public init(path: String, startLine: Int, endLine: Int, text: String, reason: String) {
        self.path = path
        self.startLine = startLine
        self.endLine = endLine
        self.text = text
        self.reason = reason
    }
}

/// Everything the edit session needs, decided once by `EditPlanner`.
public struct EditPlan: Sendable {
    public var instruction: String
    public var targets: [PlannedTarget]
    public var references: [ReferenceExcerpt]
    public var format: EditFormat
    /// nil: no test gate.
    public var testCommand: String?
    public var testCommandReason: String?
    /// The tests on the unchanged copy, when they were run to locate the problem.
    public var baseline: TestReport?
    /// The part of the baseline's output shown to the model (the first failure).
    public var failureExcerpt: String?
    /// Token accounting of the first prompt.
    public var contextTokens: Int
    public var answerTokens: Int
    public var promptTokens: Int
    /// Human-readable lines: why these files, regions and tests (for `takumi context` and progress).
    public var notes: [String]

    /// Paths and bytes of the targets as planned.
    public var snapshots: [String: Data] {
        var result: [String: Data] = [:]
        for target in targets { if let data = target.snapshot { result[target.path] = data } }
        return result
    }

    /// Lines of the shown reference excerpts and the failure output (copied into an answer
    /// at module level, they are junk: `DefinitionMerger.referenceLines`).
    public var referenceLines: Set<String> {
        var lines = Set<String>()
        for excerpt in references {
            for line in excerpt.text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { lines.insert(t) }
            }
        }
        return lines
    }

    /// The mergers the applier uses for this plan's targets.
    public var mergers: [String: DefinitionMerger] {
        var result: [String: DefinitionMerger] = [:]
        let reference = referenceLines
        for target in targets {
            let focus = Set((target.regions ?? []).flatMap(\.definitions))
            result[target.path] = DefinitionMerger(path: target.path, focus: focus, referenceLines: reference)
        }
        return result
    }
}
