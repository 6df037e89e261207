import CLibGit2
import Foundation

/// Where `Repository.apply` writes a patch.
public enum ApplyLocation: Sendable {
    /// The working-tree files only (like `git apply`).
    case workingTree
    /// The index only (like `git apply --cached`).
    case index
    /// Both (like `git apply --index`).
    case both

    var libgit2: git_apply_location_t {
        switch self {
        case .workingTree: return GIT_APPLY_LOCATION_WORKDIR
        case .index: return GIT_APPLY_LOCATION_INDEX
        case .both: return GIT_APPLY_LOCATION_BOTH
        }
    }
}

extension Repository {
    /// Applies a git-style patch (e.g. from `UnifiedDiff.patch(for:)`) through `git_apply`.
    /// With `checkOnly` nothing is written: it only verifies that the patch applies. libgit2
    /// applies exactly (no offsets, no fuzz) and all-or-nothing. Note: libgit2 writes the
    /// post-image blobs into the object database even for `.workingTree`; prefer
    /// `apply(edits:)` when you have before/after texts.
    public func apply(patch: String, to location: ApplyLocation, checkOnly: Bool = false) throws {
        try apply(patchData: Data(patch.utf8), to: location, checkOnly: checkOnly)
    }

    /// `apply(patch:)` for a byte-exact patch (contents that are not UTF-8).
    public func apply(patchData patch: Data, to location: ApplyLocation, checkOnly: Bool = false) throws {
        if location != .index { _ = try workingDirectory(for: "apply a patch to the working tree") }
        if patch.isEmpty { return }
        let target = Self.firstPatchedPath(String(decoding: patch.prefix(4096), as: UTF8.self)) ?? "the repository"
        try withHandle { repo in
            var diff: OpaquePointer?
            let bytes = [UInt8](patch)
            let parseCode = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    git_diff_from_buffer(&diff, chars.baseAddress, chars.count)
                }
            }
            try check("parse patch for \(target)", parseCode)
            defer { git_diff_free(diff) }
            var options = git_apply_options()
            try check("init apply options", git_apply_options_init(&options, UInt32(GIT_APPLY_OPTIONS_VERSION)))
            if checkOnly { options.flags |= GIT_APPLY_CHECK.rawValue }
            let code = git_apply(repo, diff, location.libgit2, &options)
            if code == GIT_EAPPLYFAIL.rawValue || code == GIT_ECONFLICT.rawValue || code == GIT_ENOTFOUND.rawValue {
                let error = GitError.last("apply", code: code)
                if case let .libgit2(_, _, message) = error {
                    throw GitError.patchDoesNotApply(path: target, message: message)
                }
                throw error
            }
            try check("apply patch to \(target)", code)
        }
    }

    /// Applies whole-file edits. Each file must currently hold exactly `before` (nil: must not
    /// exist), else nothing at all is written and `patchDoesNotApply` names the file.
    ///
    /// The working tree is written directly (atomic rename per file, the file's permissions
    /// kept), not through `git_apply`, because libgit2 stores every post-image as a loose blob
    /// even for working-tree-only applies; this way applying in a temporary worktree leaves no
    /// object behind. The index side goes through `git_apply` (the index needs the blobs), so
    /// for `.index` / `.both` the staged contents must equal `before` too (a file with unstaged
    /// changes cannot take a `.both` edit computed from its working-tree text).
    public func apply(edits: [FileEdit], to location: ApplyLocation, checkOnly: Bool = false) throws {
        switch location {
        case .index:
            try apply(patchData: try UnifiedDiff.patchData(for: edits), to: .index, checkOnly: checkOnly)
        case .workingTree:
            try applyToWorkingTree(edits, checkOnly: checkOnly)
        case .both:
            try applyToWorkingTree(edits, checkOnly: true)
            try apply(patchData: try UnifiedDiff.patchData(for: edits), to: .index, checkOnly: true)
            if checkOnly { return }
            try apply(patchData: try UnifiedDiff.patchData(for: edits), to: .index)
            try applyToWorkingTree(edits, checkOnly: false)
        }
    }

    private func applyToWorkingTree(_ edits: [FileEdit], checkOnly: Bool) throws {
        let root = try workingDirectory(for: "apply edits to the working tree")
        var seen = Set<String>()
        for edit in edits {
            try Self.validateRelativePath(edit.path)
            guard seen.insert(edit.path).inserted else {
                throw GitError.invalidArgument("two edits for the same file \(edit.path)")
            }
            let current = try contentsInWorkingTree(edit.path)
            if current != edit.before {
                let reason = current == nil ? "the file does not exist"
                    : edit.before == nil ? "the file already exists" : "its contents differ from the expected text"
                throw GitError.patchDoesNotApply(path: edit.path, message: reason)
            }
        }
        if checkOnly { return }
        let fileManager = FileManager.default
        for edit in edits {
            let fullPath = root + edit.path
            do {
                guard let after = edit.after else {
                    try fileManager.removeItem(atPath: fullPath)
                    Self.removeEmptyParents(of: fullPath, stoppingAt: root)
                    continue
                }
                let directory = (fullPath as NSString).deletingLastPathComponent
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let permissions: Int
                if let existing = try? fileManager.attributesOfItem(atPath: fullPath)[.posixPermissions] as? Int {
                    permissions = existing
                } else {
                    permissions = edit.mode == 0o100755 ? 0o755 : 0o644
                }
                let temporary = directory + "/.takumi-\(UUID().uuidString).tmp"
                try after.write(to: URL(fileURLWithPath: temporary))
                try fileManager.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary)
                if rename(temporary, fullPath) != 0 {
                    let reason = String(cString: strerror(errno))
                    try? fileManager.removeItem(atPath: temporary)
                    throw GitError.invalidArgument("cannot replace \(fullPath): \(reason)")
                }
            } catch let error as GitError {
                throw error
            } catch {
                throw GitError.invalidArgument("cannot write \(fullPath): \(error.localizedDescription)")
            }
        }
    }

    /// Rejects absolute paths, `..` components and paths into `.git`.
    static func validateRelativePath(_ path: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.isEmpty || path.hasPrefix("/") || components.contains("..") || components.contains("")
            || components.first == ".git" {
            throw GitError.invalidArgument("refusing to edit path outside the working tree: '\(path)'")
        }
    }

    private static func removeEmptyParents(of path: String, stoppingAt root: String) {
        var directory = (path as NSString).deletingLastPathComponent
        while directory.count + 1 > root.count, directory + "/" != root {
            guard (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true else { return }
            try? FileManager.default.removeItem(atPath: directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
    }

    /// The path of the first `diff --git a/X b/Y` header (Y), for error messages.
    static func firstPatchedPath(_ patch: String) -> String? {
        for line in patch.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("diff --git ") {
            if let range = line.range(of: " b/", options: .backwards) { return String(line[range.upperBound...]) }
        }
        return nil
    }
}
