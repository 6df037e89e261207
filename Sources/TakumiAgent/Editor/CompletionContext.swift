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
    /// (what the code at the cursor is likely to call). "Near" is the chunk of
    /// `FillInMiddleCompleter.windowAlignment` lines that holds the cursor (after it too),
    /// `prefixLines` before it and `suffixLines` after it — all but the cursor's own line,
    /// which is being written. Typing leaves the query as it was, and moving within the chunk
    /// only trades one line for another, so the chosen files (the start of the prompt, and
    /// its KV cache) stay as they were.
    public static func query(prefix: String, suffix: String) -> String {
        let before = prefix.split(separator: "\n", omittingEmptySubsequences: false)
        let after = suffix.split(separator: "\n", omittingEmptySubsequences: false)
        let complete = before.dropLast()  // the lines before the cursor's line
        let imports = complete.filter { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("import ") || t.hasPrefix("from ") || t.hasPrefix("#include")
                || t.hasPrefix("use ") || t.contains("require(")
        }
        let step = FillInMiddleCompleter.windowAlignment
        let cursorLine = complete.count
        let chunkStart = cursorLine / step * step
        let near = complete[max(0, chunkStart - prefixLines)...]
        // `after` starts with the rest of the cursor's line; the chunk ends chunkStart + step.
        let laterEnd = min(after.count, chunkStart + step - cursorLine + suffixLines)
        let later = after[min(1, after.count)..<max(min(1, after.count), laterEnd)]
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
