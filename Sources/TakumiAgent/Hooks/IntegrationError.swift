import Foundation

/// Errors of the places where Takumi meets other tools: git hooks, editor filters, commit
/// messages and reviews. Messages name the offending file, hook or value.
public enum IntegrationError: Error, Equatable, CustomStringConvertible {
    case notAGitRepository(path: String, reason: String)
    case gitFailed(arguments: [String], status: Int32, stderr: String)
    case hookConflict(hook: String, existingBackup: String)
    case hookFileError(path: String, reason: String)
    case unknownHook(name: String)
    case nothingStaged
    case emptyDiff(description: String)
    case emptyAnswer(task: String)
    case timedOut(task: String, seconds: Double)
    case invalidLineRange(text: String)
    case invalidRange(text: String)
    case invalidOffset(offset: Int, length: Int)
    case fileNotReadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notAGitRepository(path, reason):
            return "\(path) is not inside a git repository (\(reason))"
        case let .gitFailed(arguments, status, stderr):
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "git \(arguments.joined(separator: " ")) failed with status \(status)"
                + (detail.isEmpty ? "" : ": \(detail)")
        case let .hookConflict(hook, existingBackup):
            return "cannot install \(hook): another hook is there and \(existingBackup) already exists; "
                + "move one of them away first"
        case let .hookFileError(path, reason):
            return "cannot update hook file \(path): \(reason)"
        case let .unknownHook(name):
            return "unknown hook '\(name)' (expected prepare-commit-msg, pre-commit or all)"
        case .nothingStaged:
            return "nothing is staged (git add the changes first)"
        case let .emptyDiff(description):
            return "no changes in \(description)"
        case let .emptyAnswer(task):
            return "the model gave an empty answer for the \(task)"
        case let .timedOut(task, seconds):
            return "the \(task) took longer than the time limit of \(Self.format(seconds)) s"
        case let .invalidLineRange(text):
            return "invalid line range '\(text)' (expected A:B with 1 <= A <= B)"
        case let .invalidRange(text):
            return "invalid revision range '\(text)' (expected A..B or A..)"
        case let .invalidOffset(offset, length):
            return "offset \(offset) is outside the buffer (0...\(length) bytes)"
        case let .fileNotReadable(path, reason):
            return "cannot read \(path): \(reason)"
        }
    }

    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
