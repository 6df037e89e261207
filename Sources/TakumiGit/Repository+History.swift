import CLibGit2
import Foundation

/// One commit of the history.
public struct CommitInfo: Equatable, Sendable, Codable {
    public var id: String
    public var parents: [String]
    public var authorName: String
    public var authorEmail: String
    /// Author time.
    public var date: Date
    /// First line of the message.
    public var summary: String
    /// The whole message.
    public var message: String

    public init(id: String, parents: [String], authorName: String, authorEmail: String, date: Date, summary: String, message: String) {
        self.id = id
        self.parents = parents
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.date = date
        self.summary = summary
        self.message = message
    }
}

/// A run of lines last changed by one commit (`git blame`).
public struct BlameHunk: Equatable, Sendable, Codable {
    /// 1-based first line in the current file.
    public var startLine: Int
    public var lineCount: Int
    public var commit: String
    public var authorName: String
    public var date: Date
    /// The path in that commit (differs after a rename).
    public var originalPath: String

    public init(startLine: Int, lineCount: Int, commit: String, authorName: String, date: Date, originalPath: String) {
        self.startLine = startLine
        self.lineCount = lineCount
        self.commit = commit
        self.authorName = authorName
        self.date = date
        self.originalPath = originalPath
    }
}

extension Repository {
    /// The most recent commits reachable from HEAD (newest first), optionally only those that
    /// change one of `paths` compared to their first parent. At most `limit` commits are
    /// returned and at most `scanLimit` are examined (bounded time on huge histories).
    /// An unborn HEAD has no history: returns [].
    public func recentCommits(touching paths: [String] = [], limit: Int = 10, scanLimit: Int = 5000) throws -> [CommitInfo] {
        try withHandle { repo in
            if git_repository_head_unborn(repo) == 1 { return [] }
            var walk: OpaquePointer?
            try check("create revision walk", git_revwalk_new(&walk, repo))
            defer { git_revwalk_free(walk) }
            git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
            try check("walk history from HEAD", git_revwalk_push_head(walk))

            var diffOptions = git_diff_options()
            try check("init diff options", git_diff_options_init(&diffOptions, UInt32(GIT_DIFF_OPTIONS_VERSION)))
            diffOptions.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue

            return try withStrarray(paths) { pathspec in
                diffOptions.pathspec = pathspec.pointee
                var result: [CommitInfo] = []
                var oid = git_oid()
                var scanned = 0
                while result.count < limit, scanned < scanLimit, git_revwalk_next(&oid, walk) == 0 {
                    scanned += 1
                    var found: OpaquePointer?
                    try check("read commit \(hexString(&oid))", git_commit_lookup(&found, repo, &oid))
                    defer { git_commit_free(found) }
                    guard let commit = found else { continue }
                    if !paths.isEmpty, try !commitTouches(repo, commit, options: &diffOptions) { continue }
                    result.append(Self.commitInfo(commit))
                }
                return result
            }
        }
    }

    /// Whether `commit` changes a path in `options.pathspec` relative to its first parent
    /// (a root commit changes everything it contains).
    private func commitTouches(_ repo: OpaquePointer, _ commit: OpaquePointer, options: inout git_diff_options) throws -> Bool {
        var tree: OpaquePointer?
        try check("read commit tree", git_commit_tree(&tree, commit))
        defer { git_tree_free(tree) }
        var parentTree: OpaquePointer?
        if git_commit_parentcount(commit) > 0 {
            var parent: OpaquePointer?
            try check("read parent commit", git_commit_parent(&parent, commit, 0))
            defer { git_commit_free(parent) }
            try check("read parent tree", git_commit_tree(&parentTree, parent))
        }
        defer { git_tree_free(parentTree) }
        var diff: OpaquePointer?
        try check("diff commit against its parent", git_diff_tree_to_tree(&diff, repo, parentTree, tree, &options))
        defer { git_diff_free(diff) }
        return git_diff_num_deltas(diff) > 0
    }

    static func commitInfo(_ commit: OpaquePointer) -> CommitInfo {
        let id = hexString(git_commit_id(commit))
        let parents = (0..<git_commit_parentcount(commit)).compactMap { i in
            git_commit_parent_id(commit, i).map { hexString($0) }
        }
        let author = git_commit_author(commit)?.pointee
        let message = git_commit_message(commit).map { String(gitCString: $0) } ?? ""
        let summary = git_commit_summary(commit).map { String(gitCString: $0) } ?? ""
        return CommitInfo(id: id, parents: parents,
                          authorName: author?.name.map { String(gitCString: $0) } ?? "",
                          authorEmail: author?.email.map { String(gitCString: $0) } ?? "",
                          date: Date(timeIntervalSince1970: TimeInterval(author?.when.time ?? 0)),
                          summary: summary, message: message)
    }

    /// Blame for lines `lines` (1-based, inclusive) of `path` as committed at HEAD.
    public func blame(_ path: String, lines: ClosedRange<Int>? = nil) throws -> [BlameHunk] {
        try withHandle { repo in
            if git_repository_head_unborn(repo) == 1 { throw GitError.unbornHead(operation: "blame \(path)") }
            var options = git_blame_options()
            try check("init blame options", git_blame_options_init(&options, UInt32(GIT_BLAME_OPTIONS_VERSION)))
            if let lines {
                options.min_line = max(1, lines.lowerBound)
                options.max_line = max(1, lines.upperBound)
            }
            var blame: OpaquePointer?
            let code = git_blame_file(&blame, repo, path, &options)
            if code == GIT_ENOTFOUND.rawValue { throw GitError.notFound(what: "\(path) at HEAD") }
            try check("blame \(path)", code)
            defer { git_blame_free(blame) }
            return (0..<git_blame_get_hunk_count(blame)).compactMap { i in
                guard let hunk = git_blame_get_hunk_byindex(blame, i)?.pointee else { return nil }
                var commitID = hunk.final_commit_id
                let signature = hunk.final_signature?.pointee
                return BlameHunk(startLine: hunk.final_start_line_number, lineCount: hunk.lines_in_hunk,
                                 commit: hexString(&commitID),
                                 authorName: signature?.name.map { String(gitCString: $0) } ?? "",
                                 date: Date(timeIntervalSince1970: TimeInterval(signature?.when.time ?? 0)),
                                 originalPath: hunk.orig_path.map { String(gitCString: $0) } ?? path)
            }
        }
    }
}
