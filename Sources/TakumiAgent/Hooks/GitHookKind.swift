import Foundation

/// The git hooks Takumi installs.
public enum GitHookKind: String, CaseIterable, Sendable, Codable {
    /// Writes a suggested message into the commit message file.
    case prepareCommitMsg = "prepare-commit-msg"
    /// Prints review suggestions about the staged change (never blocks unless configured).
    case preCommit = "pre-commit"

    /// Parses a `--hook` value: a hook name or `all`.
    public static func parseSelection(_ text: String) throws -> [GitHookKind] {
        if text == "all" { return GitHookKind.allCases }
        guard let kind = GitHookKind(rawValue: text) else { throw AgentError.unknownHook(name: text) }
        return [kind]
    }

    /// The file name a hook that was there before Takumi is kept under, next to ours.
    public var chainedFileName: String { rawValue + ".pre-takumi" }
}
