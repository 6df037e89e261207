import Foundation

/// What happens during `takumi edit`, as it happens (streamed by `--jsonl`).
public enum EditEvent: Equatable, Sendable {
    /// An attempt starts.
    case attempt(number: Int, format: String)
    /// The answer of an attempt could not be used (malformed, unmatched, not mergeable).
    case rejected(number: Int, reason: String)
    /// The test gate ran on a candidate.
    case test(number: Int, passed: Bool, report: TestReport)
    /// The change was written.
    case applied(files: [String])
}
