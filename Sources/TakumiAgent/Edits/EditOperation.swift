import Foundation

/// The two answer formats the model can be asked for.
public enum EditFormat: String, Equatable, Sendable, Codable, CaseIterable {
    /// `path` + `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` blocks.
    case searchReplace = "search-replace"
    /// `path` + a fenced code block with the complete new file.
    case wholeFile = "whole-file"
    /// Regions of a large file were shown; the answer holds the complete new version of each
    /// definition it changes, merged back by name (`DefinitionMerger`).
    case regions

    /// The prompt template that asks for this format.
    public var templateName: String {
        switch self {
        case .searchReplace: return "edit-search-replace"
        case .wholeFile: return "edit-whole-file"
        case .regions: return "edit-regions"
        }
    }
}

/// One edit parsed from an answer, before it is matched against the files.
/// `answerLine` (1-based) points back into the answer for error messages.
public enum EditOperation: Equatable, Sendable {
    /// Replace `search` lines by `replace` lines. An empty `search` creates a new file.
    case searchReplace(path: String, search: [String], replace: [String], answerLine: Int)
    /// The complete new content of a file (created when it does not exist).
    case wholeFile(path: String, lines: [String], answerLine: Int)
    /// Remove the file.
    case delete(path: String, answerLine: Int)
    /// New versions of some definitions of an existing file (merged by `DefinitionMerger`).
    case definitions(path: String, lines: [String], answerLine: Int)

    public var path: String {
        switch self {
        case let .searchReplace(path, _, _, _), let .wholeFile(path, _, _), let .delete(path, _),
             let .definitions(path, _, _): return path
        }
    }
}
