import CLibGit2
import Foundation

/// A private repository checked out (detached) at a commit, for running a project's tests
/// where they cannot reach the user's repository.
///
/// Created by `Repository.createTemporaryCheckout()`: a new repository in a temporary
/// directory that borrows the user's objects read-only (`objects/info/alternates`; git never
/// writes into an alternate) and has its own HEAD, refs, index, stash, config and object
/// directory. A test that runs `git commit`, `git stash`, `git tag` or `git gc` changes only
/// this copy. The user's repository is not written at all: no worktree registration, no
/// branch, no ref, no reflog, no object. `remove()` (or deinit, as a fallback) deletes it.
public final class TemporaryCheckout: @unchecked Sendable {
    /// The checkout's root directory (no trailing slash).
    public let path: String
    /// The commit checked out (detached).
    public let commit: String
    /// The checkout opened as a repository.
    public let repository: Repository

    private let containerDirectory: String
    private var removed = false
    private let lock = NSLock()

    init(path: String, commit: String, repository: Repository, containerDirectory: String) {
        self.path = path
        self.commit = commit
        self.repository = repository
        self.containerDirectory = containerDirectory
    }

    deinit { remove() }

    /// Copies the user's uncommitted state of `source` (staged and unstaged modifications,
    /// deletions, untracked files; ignored files excluded) into this checkout's files, so tests
    /// run against what the user has now. Returns the paths copied or deleted.
    @discardableResult
    public func copyUncommittedChanges(from source: Repository) throws -> [String] {
        let sourceRoot = try source.workingDirectory(for: "copy uncommitted changes")
        let fileManager = FileManager.default
        var touched: [String] = []
        for entry in try source.status().entries {
            var paths = [entry.path]
            if let original = entry.originalPath { paths.append(original) }
            // A nested repository shows as an untracked "dir/": it is not this repository's
            // content (git does not track into it), so the copy leaves it out.
            for relative in paths where !relative.hasSuffix("/") {
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
                    throw GitError.invalidArgument("cannot copy \(relative) into the test copy \(path): \(error.localizedDescription)")
                }
                touched.append(relative)
            }
        }
        return touched
    }

    /// Deletes the checkout (its files and its private repository). Safe to call twice.
    public func remove() {
        lock.lock()
        defer { lock.unlock() }
        if removed { return }
        TemporaryCheckout.removeTree(containerDirectory)
        removed = true
    }

    /// Removes a directory tree, making read-only directories (a test may leave them) writable.
    static func removeTree(_ directory: String) {
        let fm = FileManager.default
        if (try? fm.removeItem(atPath: directory)) != nil || !fm.fileExists(atPath: directory) { return }
        if let enumerator = fm.enumerator(atPath: directory) {
            chmod(directory, 0o700)
            for case let relative as String in enumerator {
                let full = (directory as NSString).appendingPathComponent(relative)
                var info = stat()
                if lstat(full, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(full, 0o700) }
            }
        }
        try? fm.removeItem(atPath: directory)
    }
}

extension Repository {
    /// The direct refs under refs/heads, refs/tags and refs/remotes as `packed-refs` text.
    func packedReferences() throws -> String {
        try withHandle { repo in
            var iterator: OpaquePointer?
            try check("list references", git_reference_iterator_new(&iterator, repo))
            defer { git_reference_iterator_free(iterator) }
            var lines: [String] = []
            var reference: OpaquePointer?
            while git_reference_next(&reference, iterator) == 0 {
                defer { git_reference_free(reference) }
                guard let namePointer = git_reference_name(reference), let target = git_reference_target(reference) else { continue }
                let name = String(cString: namePointer)
                guard ["refs/heads/", "refs/tags/", "refs/remotes/"].contains(where: name.hasPrefix),
                      !name.contains("\n") else { continue }
                var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
                git_oid_tostr(&buffer, buffer.count, target)
                lines.append("\(String(cString: buffer)) \(name)")
            }
            return "# pack-refs with: sorted \n" + lines.sorted { $0.split(separator: " ")[1] < $1.split(separator: " ")[1] }
                .map { $0 + "\n" }.joined()
        }
    }

    /// Creates a private checkout of HEAD (detached) in a new temporary directory under
    /// `parentDirectory` (default: the system temp directory). Throws for an unborn HEAD.
    public func createTemporaryCheckout(parentDirectory: String? = nil) throws -> TemporaryCheckout {
        let headCommit = try resolveCommit("HEAD")
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let parent = parentDirectory ?? FileManager.default.temporaryDirectory.path
        let container = (parent as NSString).appendingPathComponent("takumi-checkout-\(suffix)")
        do {
            try FileManager.default.createDirectory(atPath: container, withIntermediateDirectories: true)
        } catch {
            throw GitError.invalidArgument("cannot create temporary directory \(container): \(error.localizedDescription)")
        }
        let path = (container as NSString).appendingPathComponent("work")
        do {
            var raw: OpaquePointer?
            try check("create the test copy at \(path)", git_repository_init(&raw, path, 0))
            git_repository_free(raw)
            let privateGit = path + "/.git/"
            // Borrow the user's objects read-only; keep shallow history readable.
            let objects = URL(fileURLWithPath: commonDirectory).appendingPathComponent("objects").standardizedFileURL.path
            try Data((objects + "\n").utf8).write(to: URL(fileURLWithPath: privateGit + "objects/info/alternates"))
            let shallow = (commonDirectory as NSString).appendingPathComponent("shallow")
            if FileManager.default.fileExists(atPath: shallow) {
                try FileManager.default.copyItem(atPath: shallow, toPath: privateGit + "shallow")
            }
            // The user's branches and tags as private copies (`git describe`, setuptools-scm
            // and version scripts read them); changing them in the copy changes nothing here.
            try Data(packedReferences().utf8).write(to: URL(fileURLWithPath: privateGit + "packed-refs"))
            let copy = try Repository.open(path: path)
            try copy.withHandle { repo in
                var oid = git_oid()
                try check("parse commit id \(headCommit)", git_oid_fromstr(&oid, headCommit))
                try check("detach HEAD of the test copy at \(headCommit)", git_repository_set_head_detached(repo, &oid))
                var options = git_checkout_options()
                try check("init checkout options", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
                options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
                try check("check out \(headCommit) in the test copy", git_checkout_head(repo, &options))
            }
            return TemporaryCheckout(path: copy.rootPath ?? path, commit: headCommit, repository: copy,
                                     containerDirectory: container)
        } catch {
            TemporaryCheckout.removeTree(container)
            throw error
        }
    }
}
