import CLibGit2
import Foundation

/// A linked worktree checked out (detached) at a commit, for running tests in isolation.
///
/// Created by `Repository.createTemporaryWorktree()`. `remove()` (or deinit, as a fallback)
/// prunes it and deletes its directory; nothing stays behind: no branch (the temporary branch
/// libgit2 needs to create a worktree is deleted at once), no ref, no reflog, no object.
public final class TemporaryWorktree: @unchecked Sendable {
    /// The worktree's root directory (no trailing slash).
    public let path: String
    /// The worktree's name under `.git/worktrees/`.
    public let name: String
    /// The commit checked out (detached).
    public let commit: String
    /// The worktree opened as a repository (apply patches, read status there).
    public let repository: Repository

    private let owner: Repository
    private let containerDirectory: String
    private var removed = false
    private let lock = NSLock()

    init(path: String, name: String, commit: String, repository: Repository, owner: Repository, containerDirectory: String) {
        self.path = path
        self.name = name
        self.commit = commit
        self.repository = repository
        self.owner = owner
        self.containerDirectory = containerDirectory
    }

    deinit { try? remove() }

    /// Copies the user's uncommitted state of `source` (staged and unstaged modifications,
    /// deletions, untracked files; ignored files excluded) into this worktree's files, so tests
    /// run against what the user has now. Returns the paths copied or deleted.
    @discardableResult
    public func copyUncommittedChanges(from source: Repository) throws -> [String] {
        let sourceRoot = try source.workingDirectory(for: "copy uncommitted changes")
        let fileManager = FileManager.default
        var touched: [String] = []
        for entry in try source.status().entries {
            var paths = [entry.path]
            if let original = entry.originalPath { paths.append(original) }
            for relative in paths {
                try Repository.validateRelativePath(relative)
                let from = sourceRoot + relative
                let to = path + "/" + relative
                do {
                    if fileManager.fileExists(atPath: to) || (try? fileManager.destinationOfSymbolicLink(atPath: to)) != nil {
                        try fileManager.removeItem(atPath: to)
                    }
                    if fileManager.fileExists(atPath: from) || (try? fileManager.destinationOfSymbolicLink(atPath: from)) != nil {
                        try fileManager.createDirectory(atPath: (to as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                        try fileManager.copyItem(atPath: from, toPath: to)
                    }
                } catch {
                    throw GitError.invalidArgument("cannot copy \(relative) into worktree \(path): \(error.localizedDescription)")
                }
                touched.append(relative)
            }
        }
        return touched
    }

    /// Prunes the worktree from the repository and deletes its files. Safe to call twice.
    public func remove() throws {
        lock.lock()
        defer { lock.unlock() }
        if removed { return }
        try owner.withHandle { repo in
            var worktree: OpaquePointer?
            let code = git_worktree_lookup(&worktree, repo, name)
            if code == 0, let worktree {
                defer { git_worktree_free(worktree) }
                var options = git_worktree_prune_options()
                try check("init prune options", git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)))
                options.flags = GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_LOCKED.rawValue
                    | GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue
                try check("prune temporary worktree \(name) at \(path)", git_worktree_prune(worktree, &options))
            } else if code != GIT_ENOTFOUND.rawValue {
                try check("look up temporary worktree \(name)", code)
            }
        }
        try? FileManager.default.removeItem(atPath: containerDirectory)
        removed = true
    }
}

extension Repository {
    /// Creates a linked worktree at HEAD (detached) in a new temporary directory under
    /// `parentDirectory` (default: the system temp directory). Throws for a bare repository
    /// without commits or an unborn HEAD.
    public func createTemporaryWorktree(parentDirectory: String? = nil) throws -> TemporaryWorktree {
        let headCommit = try resolveCommit("HEAD")
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let name = "takumi-tmp-\(suffix)"
        let parent = parentDirectory ?? FileManager.default.temporaryDirectory.path
        let container = (parent as NSString).appendingPathComponent("takumi-worktree-\(suffix)")
        do {
            try FileManager.default.createDirectory(atPath: container, withIntermediateDirectories: true)
        } catch {
            throw GitError.invalidArgument("cannot create temporary directory \(container): \(error.localizedDescription)")
        }
        let path = (container as NSString).appendingPathComponent("worktree")

        do {
            try withHandle { repo in
                var oid = git_oid()
                try check("parse commit id \(headCommit)", git_oid_fromstr(&oid, headCommit))
                var commit: OpaquePointer?
                try check("look up HEAD commit \(headCommit)", git_commit_lookup(&commit, repo, &oid))
                defer { git_commit_free(commit) }

                // libgit2 can only add a worktree on a branch: make a throwaway one, then
                // detach the new worktree's HEAD and delete the branch.
                var branch: OpaquePointer?
                try check("create temporary branch \(name)", git_branch_create(&branch, repo, name, commit, 0))
                defer { git_reference_free(branch) }
                var worktree: OpaquePointer?
                var options = git_worktree_add_options()
                try check("init worktree options", git_worktree_add_options_init(&options, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)))
                options.ref = branch
                let addCode = git_worktree_add(&worktree, repo, name, path, &options)
                if addCode < 0 {
                    let error = GitError.last("add temporary worktree \(name) at \(path)", code: addCode)
                    git_reference_delete(branch)
                    throw error
                }
                defer { git_worktree_free(worktree) }

                var worktreeRepo: OpaquePointer?
                var code = git_repository_open_from_worktree(&worktreeRepo, worktree)
                if code == 0 {
                    code = git_repository_set_head_detached(worktreeRepo, &oid)
                    git_repository_free(worktreeRepo)
                }
                let detachError = code < 0 ? GitError.last("detach HEAD of worktree \(name)", code: code) : nil
                // git_reference_delete, not git_branch_delete: the latter also rewrites the
                // config (branch.<name> section) and leaks ~280 KB per call in libgit2 1.5;
                // the branch has no config and is not checked out once HEAD is detached.
                let deleteCode = git_reference_delete(branch)
                let deleteError = deleteCode < 0 ? GitError.last("delete temporary branch \(name)", code: deleteCode) : nil
                if let error = detachError ?? deleteError { throw error }
            }
            let opened = try Repository.open(path: path)
            return TemporaryWorktree(path: opened.rootPath ?? path, name: name, commit: headCommit,
                                     repository: opened, owner: self, containerDirectory: container)
        } catch {
            // Leave nothing behind on failure either.
            withHandle { repo in
                var worktree: OpaquePointer?
                if git_worktree_lookup(&worktree, repo, name) == 0 {
                    var options = git_worktree_prune_options()
                    git_worktree_prune_options_init(&options, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION))
                    options.flags = GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_LOCKED.rawValue
                        | GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue
                    git_worktree_prune(worktree, &options)
                    git_worktree_free(worktree)
                }
                var branch: OpaquePointer?
                if git_branch_lookup(&branch, repo, name, GIT_BRANCH_LOCAL) == 0 {
                    git_reference_delete(branch)
                    git_reference_free(branch)
                }
            }
            try? FileManager.default.removeItem(atPath: container)
            throw error
        }
    }
}
