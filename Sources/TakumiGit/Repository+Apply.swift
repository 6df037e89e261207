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
    /// Applies a git-style patch (e.g. from `UnifiedDiff.patch(for:)`). With `checkOnly`
    /// nothing is written: it only verifies that the patch applies. libgit2 applies exactly
    /// (no offsets, no fuzz) and all-or-nothing.
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

    /// Computes the patch for `edits` from their before/after contents and applies it.
    public func apply(edits: [FileEdit], to location: ApplyLocation, checkOnly: Bool = false) throws {
        try apply(patchData: try UnifiedDiff.patchData(for: edits), to: location, checkOnly: checkOnly)
    }

    /// The path of the first `diff --git a/X b/Y` header (Y), for error messages.
    static func firstPatchedPath(_ patch: String) -> String? {
        for line in patch.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("diff --git ") {
            if let range = line.range(of: " b/", options: .backwards) { return String(line[range.upperBound...]) }
        }
        return nil
    }
}
