import Foundation

/// What goes into the prompt for one instruction, and why. Built by `ContextSelector`,
/// rendered into prompts by the edit pipeline (or `promptText()` as a default).
public struct ContextSelection: Equatable, Sendable, Codable {
    public struct RepositoryInfo: Equatable, Sendable, Codable {
        /// The working tree root (no trailing slash).
        public var root: String
        /// HEAD commit id, nil when unborn.
        public var head: String?
        /// Current branch, nil when detached.
        public var branch: String?
        /// Paths `git status` lists (staged, unstaged, untracked; ignored excluded).
        public var dirtyPaths: [String]
        /// Paths with staged changes (in the index in use: inside hooks, git's temporary one).
        public var stagedPaths: [String]

        public init(root: String, head: String?, branch: String?, dirtyPaths: [String], stagedPaths: [String]) {
            self.root = root
            self.head = head
            self.branch = branch
            self.dirtyPaths = dirtyPaths
            self.stagedPaths = stagedPaths
        }
    }

    /// Why a file was chosen, strongest first.
    public enum Reason: String, Sendable, Codable, Comparable {
        /// Given on the command line.
        case named
        /// Its path or file name appears in the instruction.
        case mentionedPath = "mentioned-path"
        /// It defines a symbol the instruction mentions.
        case mentionedSymbol = "mentioned-symbol"
        /// Ranked by BM25 over the instruction's words.
        case lexical

        var rank: Int {
            switch self {
            case .named: return 0
            case .mentionedPath: return 1
            case .mentionedSymbol: return 2
            case .lexical: return 3
            }
        }
        public static func < (a: Reason, b: Reason) -> Bool { a.rank < b.rank }
    }

    public struct File: Equatable, Sendable, Codable {
        public var path: String
        public var reason: Reason
        /// Human-readable detail: the symbol or words that matched, the BM25 score.
        public var detail: String
        /// Tokens of everything included for this file (content or regions, diff, history).
        public var tokens: Int
        /// The whole file, when it fit; otherwise nil and `regions` holds the relevant parts.
        public var content: String?
        public var regions: [ShownRegion]
        /// Total lines of the file (to say "lines 10-40 of 300").
        public var lineCount: Int
        /// The user's uncommitted changes to this file (`git diff HEAD`), if any.
        public var uncommittedDiff: String?
        /// Recent commits touching this file: "abc1234 summary".
        public var recentCommits: [String]
        /// Top-level symbols of the file.
        public var symbols: [String]

        public var isPartial: Bool { content == nil }

        public init(path: String, reason: Reason, detail: String, tokens: Int, content: String?,
                    regions: [ShownRegion] = [], lineCount: Int, uncommittedDiff: String? = nil,
                    recentCommits: [String] = [], symbols: [String] = []) {
            self.path = path
            self.reason = reason
            self.detail = detail
            self.tokens = tokens
            self.content = content
            self.regions = regions
            self.lineCount = lineCount
            self.uncommittedDiff = uncommittedDiff
            self.recentCommits = recentCommits
            self.symbols = symbols
        }
    }

    public var repository: RepositoryInfo
    public var instruction: String
    public var budget: Int
    public var files: [File]
    /// Compact repository map: one line per file, `path: symbol, symbol...`.
    public var map: String
    public var mapTokens: Int
    public var totalTokens: Int

    public init(repository: RepositoryInfo, instruction: String, budget: Int, files: [File],
                map: String, mapTokens: Int, totalTokens: Int) {
        self.repository = repository
        self.instruction = instruction
        self.budget = budget
        self.files = files
        self.map = map
        self.mapTokens = mapTokens
        self.totalTokens = totalTokens
    }

    /// A plain rendering of the selection for a prompt (the edit pipeline may render its own).
    public func promptText() -> String {
        var parts: [String] = []
        for file in files {
            var header = "### \(file.path)"
            if let content = file.content {
                parts.append("\(header)\n```\n\(content)\(content.hasSuffix("\n") ? "" : "\n")```")
            } else {
                header += " (excerpts of \(file.lineCount) lines)"
                let body = file.regions.map { "lines \($0.startLine)-\($0.endLine):\n```\n\($0.text)\n```" }
                parts.append(([header] + body).joined(separator: "\n"))
            }
            if let diff = file.uncommittedDiff, !diff.isEmpty {
                parts.append("Uncommitted changes to \(file.path):\n```diff\n\(diff)```")
            }
            if !file.recentCommits.isEmpty {
                parts.append("Recent commits touching \(file.path):\n" + file.recentCommits.joined(separator: "\n"))
            }
        }
        if !map.isEmpty { parts.append("### Repository map\n\(map)") }
        return parts.joined(separator: "\n\n")
    }
}
