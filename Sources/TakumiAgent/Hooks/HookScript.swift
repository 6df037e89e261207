import Foundation

/// The POSIX sh script installed as a git hook.
///
/// The script is deliberately dumb: all logic lives in `takumi hooks run HOOK`, so an upgrade
/// of takumi never needs a reinstall. Its one promise is that it never loses a commit: a
/// missing, slow or failing takumi produces one line on stderr and exit status 0. The only
/// non-zero exit it passes on is `blockStatus` (a review configured to block the commit) and
/// the status of a hook that was there before Takumi (chained, run first, its decision kept).
public enum HookScript {
    /// Marks a hook file as written by Takumi (so it is never installed twice and can be
    /// removed safely). Bump the version when the script changes incompatibly.
    public static let marker = "# takumi-hook v1"

    /// Exit status of `takumi hooks run pre-commit` meaning "the review asks to block".
    public static let blockStatus: Int32 = 3

    /// True for a script this version (or one with the same marker) wrote: the marker is its
    /// second line, right after the shebang — a hook that merely mentions it is not ours.
    public static func isTakumiHook(_ contents: String) -> Bool {
        let lines = contents.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        return lines.count >= 2 && lines[0].hasPrefix("#!") && lines[1].hasPrefix(marker)
    }

    /// The script for `kind`, calling the takumi executable at `takumiPath` (an absolute path
    /// recorded at install time; `takumi` on PATH is tried when it is gone, and
    /// `TAKUMI_HOOK_BIN` overrides both).
    public static func render(kind: GitHookKind, takumiPath: String) -> String {
        let hook = kind.rawValue
        let chained = kind.chainedFileName
        var lines = [
            "#!/bin/sh",
            marker + " (\(hook))",
            "# Installed by `takumi hooks install`; remove with `takumi hooks uninstall`.",
            "# Never blocks git: a missing, slow or failing takumi prints one line and exits 0.",
            "hook_dir=$(dirname -- \"$0\")",
            "if [ -x \"$hook_dir/\(chained)\" ]; then",
            "  \"$hook_dir/\(chained)\" \"$@\" || exit $?",
            "fi",
            "takumi=${TAKUMI_HOOK_BIN:-\(shellQuoted(takumiPath))}",
            "if [ ! -x \"$takumi\" ]; then",
            "  found=$(command -v takumi 2>/dev/null)",
            "  if [ -z \"$found\" ]; then",
            "    echo \"takumi: $takumi not found; \(hook) hook skipped\" >&2",
            "    exit 0",
            "  fi",
            "  takumi=$found",
            "fi",
            "\"$takumi\" hooks run \(hook) -- \"$@\"",
            "status=$?",
        ]
        if kind == .preCommit {
            lines += [
                "if [ \"$status\" -eq \(blockStatus) ]; then",
                "  exit 1",
                "fi",
            ]
        }
        lines += [
            "if [ \"$status\" -ne 0 ]; then",
            "  echo \"takumi: \(hook) hook failed (status $status); git goes on\" >&2",
            "fi",
            "exit 0",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as one sh word in single quotes (a quote inside becomes '\'' ).
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
