import CLibGit2
import Foundation

/// A git repository opened through libgit2.
///
/// Owns exactly one `git_repository*`. libgit2 objects are not thread-safe, so every use of
/// the handle goes through `withHandle`, which holds a (recursive) lock; everything handed out
/// is a value type (Strings, Data, structs) copied out while the lock is held, never a pointer.
public final class Repository: @unchecked Sendable {
    let handle: OpaquePointer
    private let lock = NSRecursiveLock()

    /// The `.git` directory (for a linked worktree: `.git/worktrees/<name>/`), with a trailing `/`.
    public let gitDirectory: String
    /// The directory shared by all worktrees (objects, refs, config), with a trailing `/`.
    public let commonDirectory: String
    /// The working tree root with a trailing `/`, or nil for a bare repository.
    public let workingDirectoryIfAny: String?
    public let isBare: Bool
    /// True when this is a linked worktree (`git worktree add`), not the main one.
    public let isLinkedWorktree: Bool

    private init(handle: OpaquePointer, workTreeOverride: String? = nil) {
        self.handle = handle
        gitDirectory = String(gitCString: git_repository_path(handle))
        commonDirectory = git_repository_commondir(handle).map { String(gitCString: $0) } ?? gitDirectory
        if let workTreeOverride {
            let resolved = URL(fileURLWithPath: workTreeOverride).standardizedFileURL.path
            workingDirectoryIfAny = resolved.hasSuffix("/") ? resolved : resolved + "/"
        } else {
            workingDirectoryIfAny = git_repository_workdir(handle).map { String(gitCString: $0) }
        }
        isBare = workTreeOverride == nil && git_repository_is_bare(handle) == 1
        isLinkedWorktree = git_repository_is_worktree(handle) == 1
    }

    deinit { git_repository_free(handle) }

    /// Opens the repository containing `path` (searching upwards, like git does).
    public static func open(path: String) throws -> Repository {
        LibGit2.ensureInitialized()
        var raw: OpaquePointer?
        let code = git_repository_open_ext(&raw, path, 0, nil)
        try throwIfNotFound(code, path: path)
        try check("open repository at \(path)", code)
        guard let raw else { throw GitError.notARepository(path: path) }
        return Repository(handle: raw)
    }

    /// Opens the repository the way git itself would from the current environment:
    /// `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_CEILING_DIRECTORIES`... are honored,
    /// otherwise the search starts at the current directory. Use this inside git hooks, where
    /// git passes a temporary index for `commit -a` and `commit <paths>`.
    public static func openFromEnvironment() throws -> Repository {
        LibGit2.ensureInitialized()
        let environment = ProcessInfo.processInfo.environment
        if let workTree = environment["GIT_WORK_TREE"], !workTree.isEmpty {
            return try openWithWorkTree(workTree, environment: environment)
        }
        var raw: OpaquePointer?
        let code = git_repository_open_ext(&raw, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil)
        let origin = environment["GIT_DIR"].map { "GIT_DIR=\($0)" } ?? FileManager.default.currentDirectoryPath
        try throwIfNotFound(code, path: origin)
        try check("open repository from environment (\(origin))", code)
        guard let raw else { throw GitError.notARepository(path: origin) }
        return Repository(handle: raw)
    }

    /// libgit2 1.5 rejects GIT_WORK_TREE under GIT_REPOSITORY_OPEN_FROM_ENV ("unimplemented"),
    /// so that case is done by hand: the git directory from GIT_DIR (or found from the current
    /// directory), the working tree from GIT_WORK_TREE, the index from GIT_INDEX_FILE.
    private static func openWithWorkTree(_ workTree: String, environment: [String: String]) throws -> Repository {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path)
        }
        let start = environment["GIT_DIR"].map(absolute) ?? cwd
        let flags = environment["GIT_DIR"] == nil ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        var raw: OpaquePointer?
        let code = git_repository_open_ext(&raw, start, flags, nil)
        try throwIfNotFound(code, path: start)
        try check("open repository at \(start)", code)
        guard let raw else { throw GitError.notARepository(path: start) }
        let repository = Repository(handle: raw, workTreeOverride: absolute(workTree))
        try check("use working tree GIT_WORK_TREE=\(workTree)", git_repository_set_workdir(raw, absolute(workTree), 0))
        if let indexFile = environment["GIT_INDEX_FILE"], !indexFile.isEmpty {
            var index: OpaquePointer?
            try check("open index GIT_INDEX_FILE=\(indexFile)", git_index_open(&index, absolute(indexFile)))
            defer { git_index_free(index) }
            try check("use index GIT_INDEX_FILE=\(indexFile)", git_repository_set_index(raw, index))
        }
        return repository
    }

    /// Turns libgit2's "not found" into the right error: libgit2 1.5 also reports a repository
    /// owned by another user (safe.directory) as GIT_ENOTFOUND.
    private static func throwIfNotFound(_ code: Int32, path: String) throws {
        guard code == GIT_ENOTFOUND.rawValue else { return }
        if GitError.lastMessage()?.contains("safe.directory") == true {
            throw GitError.notOwnedByCurrentUser(path: path)
        }
        throw GitError.notARepository(path: path)
    }

    /// Runs `body` with the raw handle while holding the repository lock.
    func withHandle<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }

    /// The working tree root (trailing `/`); throws for a bare repository.
    public func workingDirectory(for operation: String) throws -> String {
        guard let workingDirectoryIfAny else {
            throw GitError.bareRepository(operation: operation, gitDir: gitDirectory)
        }
        return workingDirectoryIfAny
    }

    /// The working tree root without the trailing slash (what `git rev-parse --show-toplevel` prints).
    public var rootPath: String? {
        workingDirectoryIfAny.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// An operation in progress (merge, rebase, cherry-pick...), as `git status` reports it.
    public var state: RepositoryState {
        withHandle { RepositoryState(libgit2: git_repository_state($0)) }
    }
}

public enum RepositoryState: String, Sendable, Codable {
    case clean, merge, revert, cherryPick = "cherry-pick", bisect, rebase
    case rebaseInteractive = "rebase-interactive", rebaseMerge = "rebase-merge"
    case applyMailbox = "am", applyMailboxOrRebase = "am-or-rebase"

    init(libgit2 value: Int32) {
        switch git_repository_state_t(UInt32(bitPattern: value)) {
        case GIT_REPOSITORY_STATE_MERGE: self = .merge
        case GIT_REPOSITORY_STATE_REVERT, GIT_REPOSITORY_STATE_REVERT_SEQUENCE: self = .revert
        case GIT_REPOSITORY_STATE_CHERRYPICK, GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE: self = .cherryPick
        case GIT_REPOSITORY_STATE_BISECT: self = .bisect
        case GIT_REPOSITORY_STATE_REBASE: self = .rebase
        case GIT_REPOSITORY_STATE_REBASE_INTERACTIVE: self = .rebaseInteractive
        case GIT_REPOSITORY_STATE_REBASE_MERGE: self = .rebaseMerge
        case GIT_REPOSITORY_STATE_APPLY_MAILBOX: self = .applyMailbox
        case GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE: self = .applyMailboxOrRebase
        default: self = .clean
        }
    }
}
