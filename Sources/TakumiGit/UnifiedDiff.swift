import CLibGit2
import Foundation

/// A change to one file given as whole before/after contents (never as model-written line
/// numbers): nil `before` creates the file, nil `after` deletes it.
public struct FileEdit: Equatable, Sendable {
    public var path: String
    public var before: Data?
    public var after: Data?
    /// The file's git mode (0o100644, or 0o100755 for an executable), written into the patch
    /// header; pass the tracked mode (`TrackedFile.mode`) for existing files.
    public var mode: UInt32

    public init(path: String, before: Data?, after: Data?, mode: UInt32 = 0o100644) {
        self.path = path
        self.before = before
        self.after = after
        self.mode = mode
    }

    public init(path: String, before: String?, after: String?, mode: UInt32 = 0o100644) {
        self.init(path: path, before: before.map { Data($0.utf8) }, after: after.map { Data($0.utf8) }, mode: mode)
    }
}

/// Git-style unified diffs computed by libgit2 (`git_patch_from_buffers`) from before/after
/// texts, so `git apply` (and `git_apply`) accept them: `diff --git` headers, `new file mode`
/// / `deleted file mode` for created and deleted files, `\ No newline at end of file` markers.
public enum UnifiedDiff {
    /// The patch for one edit as text; empty when before == after. Contents that are not
    /// UTF-8 are repaired with U+FFFD here; use `patchData` to keep every byte.
    public static func patch(for edit: FileEdit, contextLines: Int = 3) throws -> String {
        String(decoding: try patchData(for: edit, contextLines: contextLines), as: UTF8.self)
    }

    /// One patch for several edits, in order.
    public static func patch(for edits: [FileEdit], contextLines: Int = 3) throws -> String {
        String(decoding: try patchData(for: edits, contextLines: contextLines), as: UTF8.self)
    }

    /// One patch for several edits, byte-exact.
    public static func patchData(for edits: [FileEdit], contextLines: Int = 3) throws -> Data {
        try edits.reduce(into: Data()) { $0.append(try patchData(for: $1, contextLines: contextLines)) }
    }

    /// The patch for one edit, byte-exact; empty when before == after.
    public static func patchData(for edit: FileEdit, contextLines: Int = 3) throws -> Data {
        LibGit2.ensureInitialized()
        guard !edit.path.isEmpty else { throw GitError.invalidArgument("a file edit needs a path") }
        if edit.before == nil && edit.after == nil {
            throw GitError.invalidArgument("edit of \(edit.path) has neither before nor after contents")
        }
        if edit.before == edit.after { return Data() }
        var options = git_diff_options()
        try check("init diff options", git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        options.context_lines = UInt32(max(0, contextLines))
        // Treat every file as text: binary detection would turn edits into "Binary files differ".
        options.flags |= GIT_DIFF_FORCE_TEXT.rawValue
        options.flags |= GIT_DIFF_SHOW_BINARY.rawValue

        // libgit2 keeps pointers to the buffers until the patch is freed, so format the
        // patch inside the closures that keep them alive.
        let formatted: Result<Data, GitError> = withOptionalBytes(edit.before) { oldPointer, oldLength in
            withOptionalBytes(edit.after) { newPointer, newLength in
                var patch: OpaquePointer?
                let code = git_patch_from_buffers(&patch, oldPointer, oldLength, edit.path,
                                                  newPointer, newLength, edit.path, &options)
                if code < 0 { return .failure(GitError.last("diff before/after of \(edit.path)", code: code)) }
                defer { git_patch_free(patch) }
                var buf = git_buf()
                let formatCode = git_patch_to_buf(&buf, patch)
                if formatCode < 0 { return .failure(GitError.last("format patch of \(edit.path)", code: formatCode)) }
                return .success(takeBuffer(&buf))
            }
        }
        return fixHeader(try formatted.get(), edit: edit)
    }

    /// libgit2 knows no file mode for plain buffers and writes 100644; put in the file's real
    /// mode so `git apply` neither rejects nor silently changes it (an executable stays one).
    private static func fixHeader(_ patch: Data, edit: FileEdit) -> Data {
        let mode = String(edit.mode, radix: 8)
        // Only the header (up to the first "--- " or "@@" line) is rewritten; hunks stay byte-exact.
        var output = Data()
        var rest = patch[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            let lineData = rest[rest.startIndex..<newline]
            let line = String(decoding: lineData, as: UTF8.self)
            if line.hasPrefix("--- ") || line.hasPrefix("@@") { break }
            var fixed = line
            if line.hasPrefix("new file mode ") { fixed = "new file mode \(mode)" }
            else if line.hasPrefix("deleted file mode ") { fixed = "deleted file mode \(mode)" }
            else if line.hasPrefix("index ") {
                // "index abc..def 100644" (modification) carries the mode; creations and
                // deletions ("index 000..abc") do not.
                let parts = line.split(separator: " ")
                if parts.count == 3 { fixed = "\(parts[0]) \(parts[1]) \(mode)" }
            }
            output.append(fixed == line ? Data(lineData) : Data(fixed.utf8))
            output.append(UInt8(ascii: "\n"))
            rest = rest[(newline + 1)...]
        }
        output.append(contentsOf: rest)
        return output
    }

    private static func withOptionalBytes<R>(_ data: Data?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        guard let data else { return body(nil, 0) }
        if data.isEmpty {
            // An empty (existing) file: a non-null pointer with length 0.
            var byte: UInt8 = 0
            return withUnsafePointer(to: &byte) { body(UnsafeRawPointer($0), 0) }
        }
        return data.withUnsafeBytes { body($0.baseAddress, $0.count) }
    }
}
