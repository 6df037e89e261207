import Foundation

/// What `ContextSelector` is asked for.
public struct ContextRequest: Sendable {
    /// The user's instruction, in natural language.
    public var instruction: String
    /// Files (or directories) named on the command line, relative to the repository root.
    public var paths: [String]
    /// Token budget for everything selected (files, diffs, history, map).
    public var budget: Int
    public var filter: ContextPathFilter
    /// At most this many files besides the named ones.
    public var maxFiles: Int
    /// Add recent commit summaries for the top files.
    public var includeHistory: Bool
    /// Where to keep per-blob term counts between runs (nil: no cache). The CLI uses
    /// `$TAKUMI_HOME/cache/context`.
    public var cacheDirectory: URL?
    /// Checked while files are scanned (Ctrl-C in a big repository stops within a second).
    public var cancellation: CancellationFlag?

    public init(instruction: String, paths: [String] = [], budget: Int = 6000,
                filter: ContextPathFilter = ContextPathFilter(), maxFiles: Int = 8, includeHistory: Bool = true,
                cacheDirectory: URL? = nil) {
        self.cacheDirectory = cacheDirectory
        self.instruction = instruction
        self.paths = paths
        self.budget = budget
        self.filter = filter
        self.maxFiles = maxFiles
        self.includeHistory = includeHistory
    }
}

/// Errors of context selection (the TakumiAgent module's context part).
public enum ContextError: Error, CustomStringConvertible, Equatable {
    /// A named path is outside the repository's working tree.
    case pathOutsideRepository(path: String, root: String)
    /// The budget cannot hold anything.
    case budgetTooSmall(Int)

    public var description: String {
        switch self {
        case let .pathOutsideRepository(path, root):
            return "context: \(path) is outside the repository at \(root)"
        case let .budgetTooSmall(budget):
            return "context: a budget of \(budget) tokens is too small (at least 64)"
        }
    }
}
