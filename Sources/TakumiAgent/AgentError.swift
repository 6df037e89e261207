import Foundation

/// Every error the agent module throws. Messages name the offending value (file, line, key,
/// command) so that a user — or the model, through a feedback template — can act on them.
public enum AgentError: Error, Equatable, CustomStringConvertible {
    // Prompts
    case templateNotFound(name: String, searched: [String])
    case templateInvalid(path: String, reason: String)

    // Configuration
    case configSyntax(file: String, line: Int, reason: String)
    case configValue(file: String, key: String, reason: String)

    // Edit answers (these are fed back to the model, never partially applied)
    case malformedAnswer(line: Int, reason: String)
    case noEditsInAnswer
    case answerChangesNothing
    case unsafePath(path: String, reason: String)
    case searchNotFound(path: String, search: String, hint: String)
    case searchAmbiguous(path: String, search: String, lines: [Int])
    case fileNotFound(path: String)
    case fileAlreadyExists(path: String)
    case fileNotEditable(path: String, editable: [String])
    case unsupportedEncoding(path: String, reason: String)
    /// Definitions from the answer could not be merged into the file (fed back to the model).
    case mergeFailed(path: String, reason: String)
    /// The prompt cannot fit the model's context even with the least context shown.
    case promptTooLarge(needed: Int, available: Int, detail: String)
    /// No file to edit could be found for the instruction.
    case noTargetFound(instruction: String)

    // Test gate and apply
    case testCommandNotDetected(root: String)
    case processLaunchFailed(command: String, reason: String)
    case isolationFailed(reason: String)
    case fileChangedSinceRead(path: String)
    case writeFailed(path: String, reason: String)
    case undoUnavailable(reason: String)
    case cancelled

    // Where Takumi meets other tools: git hooks, editor filters, commit messages, reviews
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

    /// The case name ("searchNotFound", ...), for `--json` output and tests.
    public var kind: String {
        guard let label = Mirror(reflecting: self).children.first?.label else {
            switch self {
            case .cancelled: return "cancelled"
            case .answerChangesNothing: return "answerChangesNothing"
            case .nothingStaged: return "nothingStaged"
            default: return "noEditsInAnswer"
            }
        }
        return label
    }

    public var description: String {
        switch self {
        case let .templateNotFound(name, searched):
            return "prompt template '\(name).md' not found (searched: \(searched.joined(separator: ", ")))"
        case let .templateInvalid(path, reason):
            return "prompt template \(path) is invalid: \(reason)"
        case let .configSyntax(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .configValue(file, key, reason):
            return "\(file): key '\(key)': \(reason)"
        case let .malformedAnswer(line, reason):
            return "malformed answer at line \(line): \(reason)"
        case .noEditsInAnswer:
            return "the answer contains no edit in the requested format"
        case .answerChangesNothing:
            return "the answer is the same as the current code: it changes nothing"
        case let .unsafePath(path, reason):
            return "refusing path '\(path)': \(reason)"
        case let .searchNotFound(path, _, _):
            return "a SEARCH block for \(path) does not match the file"
        case let .searchAmbiguous(path, _, lines):
            return "a SEARCH block for \(path) matches \(lines.count) places (lines \(lines.map(String.init).joined(separator: ", ")))"
        case let .fileNotFound(path):
            return "file \(path) does not exist"
        case let .fileAlreadyExists(path):
            return "file \(path) already exists (an empty SEARCH creates new files only)"
        case let .fileNotEditable(path, editable):
            return "\(path) was shown for reference only or not shown at all; change only \(editable.joined(separator: ", ")) (or create new files)"
        case let .mergeFailed(_, reason):
            return "the answer could not be merged: \(reason)"
        case .noTargetFound:
            return "no file to edit could be found for the instruction; name the files: takumi edit \"…\" PATH…"
        case let .promptTooLarge(needed, available, detail):
            return "the request needs \(needed) tokens of prompt but the model's context leaves \(available) (\(detail)); name fewer files, or use --context with a larger window"
        case let .unsupportedEncoding(path, reason):
            return "cannot edit \(path): \(reason)"
        case let .testCommandNotDetected(root):
            return "no test command detected in \(root); pass --test CMD or --no-test"
        case let .processLaunchFailed(command, reason):
            return "cannot run '\(command)': \(reason)"
        case let .isolationFailed(reason):
            return "cannot prepare the isolated copy: \(reason)"
        case let .fileChangedSinceRead(path):
            return "\(path) changed since takumi read it; nothing was written"
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason)"
        case .cancelled:
            return "interrupted; nothing was changed"
        case let .undoUnavailable(reason):
            return "nothing to undo: \(reason)"
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
