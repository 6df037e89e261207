import CLibGit2
import Foundation

/// What HEAD points at.
public struct HeadInfo: Equatable, Sendable, Codable {
    /// The commit id (40 hex digits), nil when HEAD is unborn.
    public var commit: String?
    /// The branch short name (`main`), nil when detached. Set for an unborn branch too.
    public var branch: String?
    public var isDetached: Bool
    /// No commit yet (fresh repository, or an orphan branch).
    public var isUnborn: Bool
    /// The upstream branch short name (`origin/main`), if configured.
    public var upstream: String?
    /// First line of the HEAD commit message.
    public var summary: String?

    public init(commit: String?, branch: String?, isDetached: Bool, isUnborn: Bool, upstream: String?, summary: String?) {
        self.commit = commit
        self.branch = branch
        self.isDetached = isDetached
        self.isUnborn = isUnborn
        self.upstream = upstream
        self.summary = summary
    }
}

extension Repository {
    public func head() throws -> HeadInfo {
        try withHandle { repo in
            let detached = git_repository_head_detached(repo) == 1
            var ref: OpaquePointer?
            let code = git_repository_head(&ref, repo)
            if code == GIT_EUNBORNBRANCH.rawValue || code == GIT_ENOTFOUND.rawValue {
                return HeadInfo(commit: nil, branch: try unbornBranchName(repo), isDetached: false,
                                isUnborn: true, upstream: nil, summary: nil)
            }
            try check("read HEAD in \(gitDirectory)", code)
            defer { git_reference_free(ref) }
            guard let ref else { throw GitError.notFound(what: "HEAD in \(gitDirectory)") }

            var branch: String?
            var upstream: String?
            if git_reference_is_branch(ref) == 1 {
                branch = String(gitCString: git_reference_shorthand(ref))
                var upstreamRef: OpaquePointer?
                if git_branch_upstream(&upstreamRef, ref) == 0, let upstreamRef {
                    upstream = String(gitCString: git_reference_shorthand(upstreamRef))
                    git_reference_free(upstreamRef)
                }
            }
            var commitObject: OpaquePointer?
            try check("peel HEAD to a commit", git_reference_peel(&commitObject, ref, GIT_OBJECT_COMMIT))
            defer { git_object_free(commitObject) }
            let commitID = hexString(git_object_id(commitObject))
            let summary = git_commit_summary(commitObject).map { String(gitCString: $0) }
            return HeadInfo(commit: commitID, branch: branch, isDetached: detached, isUnborn: false,
                            upstream: upstream, summary: summary)
        }
    }

    /// For an unborn HEAD, the branch HEAD names (`refs/heads/main` → `main`).
    private func unbornBranchName(_ repo: OpaquePointer) throws -> String? {
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, repo, "HEAD") == 0, let ref else { return nil }
        defer { git_reference_free(ref) }
        guard let target = git_reference_symbolic_target(ref) else { return nil }
        let name = String(gitCString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
    }

    /// Resolves a revision (`HEAD`, `main~2`, a hex id) to a full commit id.
    public func resolveCommit(_ revision: String) throws -> String {
        try withHandle { repo in
            var object: OpaquePointer?
            let code = git_revparse_single(&object, repo, revision)
            if code == GIT_ENOTFOUND.rawValue {
                if revision == "HEAD", git_repository_head_unborn(repo) == 1 {
                    throw GitError.unbornHead(operation: "resolve HEAD")
                }
                throw GitError.notFound(what: "revision '\(revision)'")
            }
            try check("resolve revision '\(revision)'", code)
            defer { git_object_free(object) }
            var commit: OpaquePointer?
            try check("peel '\(revision)' to a commit", git_object_peel(&commit, object, GIT_OBJECT_COMMIT))
            defer { git_object_free(commit) }
            return hexString(git_object_id(commit))
        }
    }

    /// Reads a string configuration value (`core.hooksPath`), nil when unset.
    public func configString(_ key: String) throws -> String? {
        try withHandle { repo in
            var config: OpaquePointer?
            try check("open configuration of \(gitDirectory)", git_repository_config(&config, repo))
            defer { git_config_free(config) }
            var buf = git_buf()
            let code = git_config_get_string_buf(&buf, config, key)
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try check("read configuration key \(key)", code)
            return String(decoding: takeBuffer(&buf), as: UTF8.self)
        }
    }

    /// Reads a boolean configuration value (`core.bare`), nil when unset.
    public func configBool(_ key: String) throws -> Bool? {
        try withHandle { repo in
            var config: OpaquePointer?
            try check("open configuration of \(gitDirectory)", git_repository_config(&config, repo))
            defer { git_config_free(config) }
            var value: Int32 = 0
            let code = git_config_get_bool(&value, config, key)
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try check("read configuration key \(key)", code)
            return value != 0
        }
    }
}
