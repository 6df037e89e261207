import Foundation
import TakumiGit

/// What commit messages and reviews read from the repository, through libgit2.
///
/// Opened from the environment like git itself (`GIT_DIR`, `GIT_INDEX_FILE` ...), so inside
/// a hook the staged change is the one being committed: `git commit -a` and
/// `git commit PATH` pass a temporary index.
public struct ChangeSource {
    public let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    public static func openFromEnvironment() throws -> ChangeSource {
        ChangeSource(repository: try Repository.openFromEnvironment())
    }

    public var rootPath: String? { repository.rootPath }

    /// HEAD → index, as `git diff --cached` prints it.
    public func stagedDiff() throws -> String {
        try repository.diff(.staged)
    }

    /// The change of `A..B` (`A..` means up to HEAD).
    public func rangeDiff(_ range: String) throws -> String {
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].hasPrefix(".") else {
            throw AgentError.invalidRange(text: range)
        }
        let to = parts[1].isEmpty ? "HEAD" : parts[1]
        return try repository.diff(.commits(from: repository.resolveCommit(parts[0]), to: repository.resolveCommit(to)))
    }

    /// Full messages of the last `count` non-merge commits of HEAD, newest first.
    public func recentCommitMessages(count: Int) throws -> [String] {
        try repository.recentCommits(limit: count * 2)
            .filter { $0.parents.count <= 1 }
            .prefix(count)
            .map { $0.message.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    public func config(_ key: String) throws -> String? {
        try repository.configString(key)
    }

    /// Tracked paths (relative to the root).
    public func trackedPaths() throws -> [String] {
        try repository.trackedFiles().map(\.path)
    }
}
