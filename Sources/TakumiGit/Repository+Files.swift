import CLibGit2
import Foundation

/// A file recorded in the index (what `git ls-files` lists).
public struct TrackedFile: Equatable, Sendable, Codable {
    public var path: String
    /// The blob id staged for this path (40 hex digits).
    public var blobID: String
    /// The git file mode (0o100644, 0o100755, 0o120000 symlink, 0o160000 submodule).
    public var mode: UInt32
    /// Size of the working-tree file when it was last staged (from the index's stat cache).
    public var size: UInt64

    public var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
    public var isSymlink: Bool { mode == 0o120000 }
    public var isSubmodule: Bool { mode == 0o160000 }

    public init(path: String, blobID: String, mode: UInt32, size: UInt64) {
        self.path = path
        self.blobID = blobID
        self.mode = mode
        self.size = size
    }
}

extension Repository {
    /// Every path in the index, sorted, each once (conflicted paths too: their stages are
    /// merged into one entry carrying the "ours" blob when present).
    public func trackedFiles() throws -> [TrackedFile] {
        try withHandle { repo in
            let index = try openIndex(repo)
            defer { git_index_free(index) }
            let count = git_index_entrycount(index)
            var files: [TrackedFile] = []
            files.reserveCapacity(count)
            var lastPath: String?
            for i in 0..<count {
                guard let entry = git_index_get_byindex(index, i)?.pointee else { continue }
                let path = String(gitCString: entry.path)
                // Entries are sorted by path then stage; keep one per path.
                if path == lastPath { continue }
                lastPath = path
                var oid = entry.id
                files.append(TrackedFile(path: path, blobID: hexString(&oid), mode: entry.mode,
                                         size: UInt64(entry.file_size)))
            }
            return files
        }
    }

    /// The index, re-read from disk so changes by other processes (git add) are seen.
    /// The caller frees it with `git_index_free`.
    func openIndex(_ repo: OpaquePointer) throws -> OpaquePointer {
        var index: OpaquePointer?
        try check("open index of \(gitDirectory)", git_repository_index(&index, repo))
        guard let index else { throw GitError.notFound(what: "index of \(gitDirectory)") }
        let code = git_index_read(index, 0)
        if code < 0 {
            let error = GitError.last("read index of \(gitDirectory)", code: code)
            git_index_free(index)
            throw error
        }
        return index
    }

    /// The contents of `path` in the HEAD commit; nil when HEAD lacks it or is unborn.
    public func contentsAtHead(_ path: String) throws -> Data? {
        try withHandle { repo in
            if git_repository_head_unborn(repo) == 1 { return nil }
            return try contents(path, atRevision: "HEAD")
        }
    }

    /// The contents of `path` in commit `revision`; nil when the commit lacks it.
    public func contents(_ path: String, atRevision revision: String) throws -> Data? {
        try withHandle { repo in
            var commit: OpaquePointer?
            let code = git_revparse_single(&commit, repo, revision)
            if code == GIT_ENOTFOUND.rawValue { throw GitError.notFound(what: "revision '\(revision)'") }
            try check("resolve revision '\(revision)'", code)
            defer { git_object_free(commit) }
            var tree: OpaquePointer?
            try check("read tree of '\(revision)'", git_object_peel(&tree, commit, GIT_OBJECT_TREE))
            defer { git_object_free(tree) }
            var entry: OpaquePointer?
            let lookup = git_tree_entry_bypath(&entry, tree, path)
            if lookup == GIT_ENOTFOUND.rawValue { return nil }
            try check("find \(path) in '\(revision)'", lookup)
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            return try blobData(repo, git_tree_entry_id(entry), what: "\(revision):\(path)")
        }
    }

    /// The contents of `path` staged in the index (stage 0); nil when not staged.
    public func contentsInIndex(_ path: String) throws -> Data? {
        try withHandle { repo in
            let index = try openIndex(repo)
            defer { git_index_free(index) }
            guard let entry = git_index_get_bypath(index, path, 0) else { return nil }
            var oid = entry.pointee.id
            return try blobData(repo, &oid, what: "index:\(path)")
        }
    }

    /// The contents of `path` in the working tree; nil when the file does not exist.
    public func contentsInWorkingTree(_ path: String) throws -> Data? {
        let root = try workingDirectory(for: "read \(path) from the working tree")
        let url = URL(fileURLWithPath: root + path)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try Data(contentsOf: url) } catch {
            throw GitError.invalidArgument("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a blob by id (hex), e.g. a `TrackedFile.blobID`.
    public func blob(_ id: String) throws -> Data {
        try withHandle { repo in
            var oid = git_oid()
            try check("parse object id \(id)", git_oid_fromstr(&oid, id))
            return try blobData(repo, &oid, what: "blob \(id)")
        }
    }

    func blobData(_ repo: OpaquePointer, _ oid: UnsafePointer<git_oid>, what: String) throws -> Data {
        var blob: OpaquePointer?
        try check("read \(what)", git_blob_lookup(&blob, repo, oid))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: raw, count: size)
    }
}
