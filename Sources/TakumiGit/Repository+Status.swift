import CLibGit2
import Foundation

/// How a path changed on one side (HEAD→index or index→working tree).
public enum FileChange: String, Sendable, Codable, Equatable {
    case added, modified, deleted, renamed, typeChanged = "type-changed"
}

/// One path of `git status`.
public struct StatusEntry: Equatable, Sendable, Codable {
    /// The current path (for a rename, the new one).
    public var path: String
    /// For a rename, the path it had before.
    public var originalPath: String?
    /// The change staged in the index (HEAD → index), if any.
    public var staged: FileChange?
    /// The change in the working tree not yet staged (index → working tree), if any.
    public var unstaged: FileChange?
    public var isUntracked: Bool
    public var isConflicted: Bool

    public init(path: String, originalPath: String?, staged: FileChange?, unstaged: FileChange?, isUntracked: Bool, isConflicted: Bool) {
        self.path = path
        self.originalPath = originalPath
        self.staged = staged
        self.unstaged = unstaged
        self.isUntracked = isUntracked
        self.isConflicted = isConflicted
    }
}

/// `git status` as values. Ignored files are never included.
public struct RepositoryStatus: Equatable, Sendable, Codable {
    public var entries: [StatusEntry]
    public init(entries: [StatusEntry]) { self.entries = entries }

    public var stagedPaths: [String] { entries.filter { $0.staged != nil }.map(\.path) }
    public var unstagedPaths: [String] { entries.filter { $0.unstaged != nil }.map(\.path) }
    public var untrackedPaths: [String] { entries.filter(\.isUntracked).map(\.path) }
    public var conflictedPaths: [String] { entries.filter(\.isConflicted).map(\.path) }
    public var renamed: [(from: String, to: String)] {
        entries.compactMap { entry in entry.originalPath.map { (from: $0, to: entry.path) } }
    }
    /// Every path `git status --porcelain --untracked-files=all` lists (renames by new path).
    public var dirtyPaths: [String] { entries.map(\.path) }
    public var isClean: Bool { entries.isEmpty }
}

extension Repository {
    /// The status of the working tree and index, like `git status --untracked-files=all`:
    /// untracked files are listed individually, renames in the index are detected, ignored
    /// files are left out. Optionally limited to `paths` (pathspecs).
    public func status(paths: [String] = []) throws -> RepositoryStatus {
        _ = try workingDirectory(for: "status")
        return try withHandle { repo in
            var options = git_status_options()
            try check("init status options", git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
            options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
            options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue
                | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
                | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX.rawValue
                | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY.rawValue
            if !paths.isEmpty {
                options.flags |= GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue
            }
            return try withStrarray(paths) { pathspec in
                options.pathspec = pathspec.pointee
                var list: OpaquePointer?
                try check("read status of \(workingDirectoryIfAny ?? gitDirectory)", git_status_list_new(&list, repo, &options))
                defer { git_status_list_free(list) }
                var entries: [StatusEntry] = []
                let count = git_status_list_entrycount(list)
                entries.reserveCapacity(count)
                for i in 0..<count {
                    guard let raw = git_status_byindex(list, i) else { continue }
                    if let entry = Self.statusEntry(raw.pointee) { entries.append(entry) }
                }
                return RepositoryStatus(entries: entries)
            }
        }
    }

    private static func statusEntry(_ raw: git_status_entry) -> StatusEntry? {
        let flags = raw.status.rawValue
        if flags & GIT_STATUS_IGNORED.rawValue != 0 || flags == 0 { return nil }
        func has(_ flag: git_status_t) -> Bool { flags & flag.rawValue != 0 }

        var staged: FileChange?
        if has(GIT_STATUS_INDEX_NEW) { staged = .added }
        else if has(GIT_STATUS_INDEX_RENAMED) { staged = .renamed }
        else if has(GIT_STATUS_INDEX_DELETED) { staged = .deleted }
        else if has(GIT_STATUS_INDEX_TYPECHANGE) { staged = .typeChanged }
        else if has(GIT_STATUS_INDEX_MODIFIED) { staged = .modified }

        var unstaged: FileChange?
        let untracked = has(GIT_STATUS_WT_NEW)
        if has(GIT_STATUS_WT_RENAMED) { unstaged = .renamed }
        else if has(GIT_STATUS_WT_DELETED) { unstaged = .deleted }
        else if has(GIT_STATUS_WT_TYPECHANGE) { unstaged = .typeChanged }
        else if has(GIT_STATUS_WT_MODIFIED) || has(GIT_STATUS_WT_UNREADABLE) { unstaged = .modified }

        // Prefer the index-side delta for the path: it carries the rename source.
        var path: String?
        var originalPath: String?
        if let delta = raw.head_to_index?.pointee {
            path = delta.new_file.path.map { String(gitCString: $0) }
            if staged == .renamed { originalPath = delta.old_file.path.map { String(gitCString: $0) } }
        }
        if path == nil, let delta = raw.index_to_workdir?.pointee {
            path = (delta.new_file.path ?? delta.old_file.path).map { String(gitCString: $0) }
        }
        guard let path else { return nil }
        return StatusEntry(path: path, originalPath: originalPath, staged: staged, unstaged: unstaged,
                           isUntracked: untracked, isConflicted: has(GIT_STATUS_CONFLICTED))
    }
}
