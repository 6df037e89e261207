import Foundation

/// One candidate: the model's answer, the diff it produced (empty when it could not be
/// applied), why it was rejected, and its test run.
public struct EditAttempt: Equatable, Sendable, Codable {
    public var answer: String
    public var diff: String
    /// Why the answer was rejected before testing (malformed, unmatched...), if it was.
    public var error: String?
    public var test: TestReport?
    public var accepted: Bool
    public var promptTokens: Int
    public var generatedTokens: Int
    public var generationSeconds: Double
    /// The round it belongs to (candidates of one round share the prompt).
    public var round = 1
    /// Mean token log-probability, when the backend gave it (candidates are tested best first).
    public var meanLogProbability: Double?
    /// Prompt tokens not computed again (KV prefix reuse, snapshots), when known.
    public var reusedPromptTokens: Int?
    /// Share of prompt-lookup draft tokens accepted, when drafting ran.
    public var draftAcceptance: Double?
    /// How a candidate that is no chat answer was made (`FillInMiddleRepair`; round 0).
    public var origin: String?

    enum CodingKeys: String, CodingKey {
        case answer, diff, error, test, accepted, round
        case promptTokens = "prompt_tokens", generatedTokens = "generated_tokens", generationSeconds = "generation_s"
        case meanLogProbability = "mean_logprob", reusedPromptTokens = "reused_prompt_tokens", draftAcceptance = "draft_acceptance"
        case origin
    }
}

/// The outcome of `takumi edit` (the `--json` document).
public struct EditReport: Equatable, Sendable, Codable {
    /// True when the change was written to the working tree.
    public var applied: Bool
    /// True when a candidate passed (with `--dry-run`, nothing is written).
    public var passed: Bool
    public var dryRun: Bool
    public var attempts: [EditAttempt]
    /// The accepted change as a unified diff ("" when none).
    public var diff: String
    /// Paths the accepted change touches.
    public var files: [String]
    public var format: String
    /// The test run on the unchanged copy, when one was needed to judge candidates.
    public var baseline: TestReport?
    public var model: String

    enum CodingKeys: String, CodingKey {
        case applied, passed, dryRun = "dry_run", attempts, diff, files, format, baseline, model
    }

    /// One line for stdout, e.g. "applied: 1 file changed, +2 -1 (attempt 1 of 3; tests passed: make test)".
    public var summary: String {
        var added = 0, removed = 0
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("+") && !line.hasPrefix("+++") { added += 1 }
            if line.hasPrefix("-") && !line.hasPrefix("---") { removed += 1 }
        }
        let fileWord = files.count == 1 ? "file" : "files"
        guard passed, let index = attempts.firstIndex(where: \.accepted) else {
            return "not applied: no candidate passed (\(attempts.count) attempt\(attempts.count == 1 ? "" : "s")); nothing changed"
        }
        let test = attempts[index].test.map { "tests passed: \($0.command)" } ?? "tests not run"
        let verb = applied ? "applied" : "dry run (nothing written)"
        return "\(verb): \(files.count) \(fileWord) changed, +\(added) -\(removed) (attempt \(index + 1) of \(attempts.count); \(test))"
    }
}
