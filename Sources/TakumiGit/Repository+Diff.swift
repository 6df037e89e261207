import CLibGit2
import Foundation

/// Which two states a diff compares.
public enum DiffSelection: Sendable, Equatable {
    /// HEAD → index (`git diff --cached`). With an unborn HEAD, everything staged is new.
    case staged
    /// Index → working tree (`git diff`).
    case unstaged
    /// HEAD → working tree, staged and unstaged together (`git diff HEAD`).
    case workingTreeVsHead
    /// Between two revisions (`git diff A B`).
    case commits(from: String, to: String)
}

/// Options for `Repository.diff`.
public struct DiffOptions: Sendable, Equatable {
    /// Limit to these paths (exact paths or directory prefixes; no globbing).
    public var paths: [String] = []
    public var contextLines: Int = 3
    /// Include untracked files as additions (only for `.unstaged` / `.workingTreeVsHead`).
    public var includeUntracked: Bool = false
    public init(paths: [String] = [], contextLines: Int = 3, includeUntracked: Bool = false) {
        self.paths = paths
        self.contextLines = contextLines
        self.includeUntracked = includeUntracked
    }
}

extension Repository {
    /// A git-style unified patch for `selection` (what `git diff` would print, without color).
    public func diff(_ selection: DiffSelection, options: DiffOptions = DiffOptions()) throws -> String {
        String(decoding: try diffData(selection, options: options), as: UTF8.self)
    }

    /// The paths a diff touches (new path for renames).
    public func changedPaths(_ selection: DiffSelection, options: DiffOptions = DiffOptions()) throws -> [String] {
        try withDiff(selection, options: options) { diff in
            (0..<git_diff_num_deltas(diff)).compactMap { i in
                guard let delta = git_diff_get_delta(diff, i)?.pointee else { return nil }
                return (delta.new_file.path ?? delta.old_file.path).map { String(gitCString: $0) }
            }
        }
    }

    /// `diff` byte-exact (file contents that are not UTF-8).
    public func diffData(_ selection: DiffSelection, options: DiffOptions = DiffOptions()) throws -> Data {
        try withDiff(selection, options: options) { diff in
            var buf = git_buf()
            try check("format diff", git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH))
            return takeBuffer(&buf)
        }
    }

    private func withDiff<R>(_ selection: DiffSelection, options: DiffOptions, _ body: (OpaquePointer) throws -> R) throws -> R {
        switch selection {
        case .unstaged, .workingTreeVsHead: _ = try workingDirectory(for: "diff the working tree")
        case .staged, .commits: break
        }
        return try withHandle { repo in
            var diffOptions = git_diff_options()
            try check("init diff options", git_diff_options_init(&diffOptions, UInt32(GIT_DIFF_OPTIONS_VERSION)))
            diffOptions.context_lines = UInt32(max(0, options.contextLines))
            if !options.paths.isEmpty { diffOptions.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue }
            if options.includeUntracked {
                diffOptions.flags |= GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
                    | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue
            }
            return try withStrarray(options.paths) { pathspec in
                diffOptions.pathspec = pathspec.pointee
                var diff: OpaquePointer?
                switch selection {
                case .staged:
                    let tree = try headTree(repo)
                    defer { git_tree_free(tree) }
                    let index = try openIndex(repo)
                    defer { git_index_free(index) }
                    try check("diff HEAD against the index", git_diff_tree_to_index(&diff, repo, tree, index, &diffOptions))
                case .unstaged:
                    let index = try openIndex(repo)
                    defer { git_index_free(index) }
                    try check("diff the index against the working tree", git_diff_index_to_workdir(&diff, repo, index, &diffOptions))
                case .workingTreeVsHead:
                    let tree = try headTree(repo)
                    defer { git_tree_free(tree) }
                    try check("diff HEAD against the working tree", git_diff_tree_to_workdir_with_index(&diff, repo, tree, &diffOptions))
                case let .commits(from, to):
                    let old = try tree(repo, revision: from)
                    defer { git_tree_free(old) }
                    let new = try tree(repo, revision: to)
                    defer { git_tree_free(new) }
                    try check("diff \(from)..\(to)", git_diff_tree_to_tree(&diff, repo, old, new, &diffOptions))
                }
                guard let diff else { throw GitError.notFound(what: "diff result") }
                defer { git_diff_free(diff) }
                return try body(diff)
            }
        }
    }

    /// HEAD's tree, or nil for an unborn HEAD (diffs then treat everything as added).
    private func headTree(_ repo: OpaquePointer) throws -> OpaquePointer? {
        if git_repository_head_unborn(repo) == 1 { return nil }
        return try tree(repo, revision: "HEAD")
    }

    private func tree(_ repo: OpaquePointer, revision: String) throws -> OpaquePointer? {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, repo, revision)
        if code == GIT_ENOTFOUND.rawValue { throw GitError.notFound(what: "revision '\(revision)'") }
        try check("resolve revision '\(revision)'", code)
        defer { git_object_free(object) }
        var tree: OpaquePointer?
        try check("read tree of '\(revision)'", git_object_peel(&tree, object, GIT_OBJECT_TREE))
        return tree
    }
}
