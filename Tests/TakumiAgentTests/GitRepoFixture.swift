import Foundation
import Testing
import TakumiGit
import TakumiAgent

/// A throwaway git repository in a temp dir, with plumbing snapshots to prove that nothing of
/// the user's state changed.
final class GitRepoFixture {
    let dir: TempDir
    var path: String { dir.path }

    init(files: [String: String]) throws {
        dir = try TempDir("takumi-repo")
        for (p, text) in files { try dir.write(p, text) }
        try git("init -q -b main && git add -A && git commit -q -m initial")
    }

    @discardableResult
    func git(_ args: String) throws -> String {
        try sh("export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t; git \(args)", in: path)
    }

    func open() throws -> Repository { try Repository.open(path: path) }

    /// Everything a user could notice: files (bytes), status, index, refs, stash, worktrees,
    /// objects, and the takumi state directory aside.
    struct Snapshot: Equatable {
        var files: [String: Data]
        var status, index, refs, stash, worktrees, objects: String
    }

    func snapshot() throws -> Snapshot {
        Snapshot(files: snapshotTree(path),
                 status: try git("status --porcelain=v1 --untracked-files=all"),
                 index: try git("ls-files -s"),
                 refs: try git("for-each-ref"),
                 stash: try git("stash list"),
                 worktrees: try sh("git worktree list --porcelain | grep -c '^worktree'", in: path),
                 objects: try sh("find .git/objects -type f | sort", in: path))
    }
}
