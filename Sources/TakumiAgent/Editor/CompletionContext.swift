import Foundation
import TakumiGit

/// The repository files a completion shows before the buffer, chosen by `ContextSelector`
/// (the one selector of edit, context and the hooks) from what is written around the cursor:
/// the files that define the names used there or that the buffer imports, then those that
/// share its words. The buffer's own file is left out (the buffer itself is the prompt).
public enum CompletionContext {
    /// Lines of the prefix (before the cursor) and of the suffix whose words form the query.
    static let prefixLines = 40
    static let suffixLines = 10

    /// The query for the selector: the words near the cursor, plus the buffer's imports
    /// (what the code at the cursor is likely to call). "Near" is counted from the chunk of
    /// `FillInMiddleCompleter.windowAlignment` lines that holds the cursor (the lines before
    /// it and after it), so typing, or moving within the chunk, leaves the query (so the
    /// chosen files, so the start of the prompt and its KV cache) as it was.
    public static func query(prefix: String, suffix: String) -> String {
        let before = prefix.split(separator: "\n", omittingEmptySubsequences: false)
        let after = suffix.split(separator: "\n", omittingEmptySubsequences: false)
        let complete = before.dropLast()  // the cursor's line is being written
        let imports = complete.filter { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("import ") || t.hasPrefix("from ") || t.hasPrefix("#include")
                || t.hasPrefix("use ") || t.contains("require(")
        }
        // The words around the cursor's chunk, not the chunk itself: moving within it keeps
        // the query. (The chunk's own lines are in the prompt anyway, as the FIM prefix.)
        let step = FillInMiddleCompleter.windowAlignment
        let cursorLine = complete.count
        let chunkStart = cursorLine / step * step
        let near = complete[max(0, chunkStart - prefixLines)..<chunkStart]
        let afterChunk = min(after.count, chunkStart + step - cursorLine)  // `after` starts on the cursor's line
        let later = after[afterChunk..<min(after.count, afterChunk + suffixLines)]
        return (imports + near + later).joined(separator: "\n")
    }

    /// (path, text) of at most `maxFiles` files within about `budget` tokens: whole files
    /// where they fit, else their relevant regions. `path` is repository-relative.
    public static func files(repository: Repository, path: String, prefix: String, suffix: String,
                             budget: Int = 1000, maxFiles: Int = 4, cacheDirectory: URL? = nil) throws -> [(String, String)] {
        let request = ContextRequest(instruction: query(prefix: prefix, suffix: suffix), budget: max(64, budget + 200),
                                     maxFiles: maxFiles + 1, includeHistory: false, cacheDirectory: cacheDirectory)
        let selection = try ContextSelector(repository: repository).select(request)
        return selection.files.filter { $0.path != path }.prefix(maxFiles).map { file in
            if let content = file.content { return (file.path, content) }
            // Regions of a file too big to show whole, with an elision mark between them.
            return (file.path, file.regions.map(\.text).joined(separator: "\n⋮\n"))
        }
    }
}
