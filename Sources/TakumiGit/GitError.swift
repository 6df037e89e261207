import CLibGit2

/// Every failure of the TakumiGit module. Messages name the operation and the offending
/// path, ref or revision, plus libgit2's own explanation (read right after the failing call).
public enum GitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A libgit2 call failed: `operation` says what we were doing (with the path/ref),
    /// `code` is libgit2's return code, `message` its last error text.
    case libgit2(operation: String, code: Int32, message: String)
    /// No repository at or above `path` (or in the environment's GIT_DIR).
    case notARepository(path: String)
    /// The operation needs a working tree but the repository is bare.
    case bareRepository(operation: String, gitDir: String)
    /// HEAD has no commit yet (a freshly `git init`-ed repository).
    case unbornHead(operation: String)
    /// A path, ref or revision that does not exist.
    case notFound(what: String)
    /// A patch did not apply (or would not, in check-only mode).
    case patchDoesNotApply(path: String, message: String)
    /// The repository belongs to another user and is not listed in `safe.directory`.
    case notOwnedByCurrentUser(path: String)
    /// Input the wrapper refuses (an empty path, a path outside the working tree...).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .libgit2(operation, code, message):
            return "git: \(operation) failed (libgit2 error \(code)): \(message)"
        case let .notARepository(path):
            return "git: not a git repository (or any parent up to /): \(path)"
        case let .bareRepository(operation, gitDir):
            return "git: \(operation) needs a working tree, but \(gitDir) is a bare repository"
        case let .unbornHead(operation):
            return "git: \(operation) needs a commit, but HEAD is unborn (no commits yet)"
        case let .notFound(what):
            return "git: not found: \(what)"
        case let .patchDoesNotApply(path, message):
            return "git: patch does not apply to \(path): \(message)"
        case let .notOwnedByCurrentUser(path):
            return "git: \(path) is owned by another user; if you trust it, run: git config --global --add safe.directory \(path)"
        case let .invalidArgument(text):
            return "git: \(text)"
        }
    }

    /// Builds the error for a failed libgit2 call. Must be called right after the call:
    /// `git_error_last()` is thread-local and overwritten by the next libgit2 call.
    static func lastMessage() -> String? {
        guard let error = git_error_last(), let text = error.pointee.message else { return nil }
        return String(cString: text)
    }

    static func last(_ operation: String, code: Int32) -> GitError {
        var message = "unknown error"
        if let error = git_error_last(), let text = error.pointee.message {
            message = String(cString: text)
        }
        return .libgit2(operation: operation, code: code, message: message)
    }
}

/// Runs a libgit2 call returning an int status and converts a negative result into a
/// `GitError` naming `operation`.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ code: Int32) throws -> Int32 {
    if code < 0 { throw GitError.last(operation(), code: code) }
    return code
}
