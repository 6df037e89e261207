import Foundation
import TakumiGit

/// Chooses what a model sees for an instruction in a repository, within a token budget.
///
/// Order of preference: files named on the command line; files whose path the instruction
/// mentions; files defining a symbol it mentions; files ranked by BM25 over the instruction's
/// words (the user's dirty files get a boost). Each chosen file comes whole when it fits,
/// otherwise as the regions around matching lines, with the user's uncommitted diff and recent
/// commit summaries. A repository map (paths with top-level symbols) fills what remains.
public struct ContextSelector {
    public let repository: Repository
    public let counter: TokenCounter

    public init(repository: Repository, tokenCounter: TokenCounter = EstimatingTokenCounter()) {
        self.repository = repository
        self.counter = tokenCounter
    }

    /// A candidate file with everything known about it while ranking.
    struct Candidate {
        var path: String
        var reason: ContextSelection.Reason
        var detail: String
        var score: Double
    }

    public func select(_ request: ContextRequest) throws -> ContextSelection {
        guard request.budget >= 64 else { throw ContextError.budgetTooSmall(request.budget) }
        let root = try repository.workingDirectory(for: "select context")
        let head = try repository.head()
        var timer = PhaseTimer(enabled: ProcessInfo.processInfo.environment["TAKUMI_TIMING"] == "1")

        // Candidates: tracked regular files plus the user's untracked (not ignored) files.
        // (The index lists each path once; untracked paths are by definition not in it.)
        var paths: [String] = []
        var blobIDs: [String?] = []
        for file in try repository.trackedFiles() where file.isRegularFile
            && file.size <= UInt64(request.filter.maxFileBytes) && request.filter.accepts(path: file.path) {
            paths.append(file.path)
            blobIDs.append(file.blobID)
        }
        timer.lap("tracked files")

        // Status (libgit2, one thread, mostly lstat) runs while the files are scanned. The scan
        // trusts cached term counts by blob id; files status then reports modified are re-read.
        let statusResult = RunInBackground { try repository.status() }
        let cacheURL = request.cacheDirectory.map {
            TermCache.url(in: $0, repositoryGitDirectory: repository.commonDirectory)
        }
        let oldCache = cacheURL.flatMap { TermCache.load(from: $0, maxFileBytes: request.filter.maxFileBytes) }
        let queryTerms = Terms.queryTerms(request.instruction)
        let index = LexicalIndex(root: root, paths: paths, queryTerms: queryTerms,
                                 maxFileBytes: request.filter.maxFileBytes, blobIDs: blobIDs,
                                 cache: oldCache, collectForCache: cacheURL != nil, cancellation: request.cancellation)
        // A scan cut short by a cancellation is incomplete: neither used nor cached.
        if request.cancellation?.isCancelled == true { _ = try? statusResult.wait(); throw AgentError.cancelled }
        timer.lap("lexical scan of \(paths.count) files (\(index.freshlyScanned) read, rest cached)")
        let status = try statusResult.wait()
        timer.lap("status (remaining wait)")
        let dirty = Set(status.dirtyPaths)
        let info = ContextSelection.RepositoryInfo(
            root: repository.rootPath ?? root, head: head.commit, branch: head.branch,
            dirtyPaths: status.dirtyPaths, stagedPaths: status.stagedPaths)
        let modified = Set(paths.indices.filter { dirty.contains(paths[$0]) })
        index.rescan(root: root, fileIndices: modified.sorted(), maxFileBytes: request.filter.maxFileBytes)
        if let cacheURL, oldCache == nil || index.scannedFiles(besides: modified) {
            // Best effort: a cache that cannot be written only makes the next run slower.
            try? index.makeCache(old: oldCache, maxFileBytes: request.filter.maxFileBytes, excluded: modified)
                .save(to: cacheURL)
            timer.lap("cache written")
        }
        let untracked = status.untrackedPaths.prefix(2000).filter { request.filter.accepts(path: $0) }
        if !untracked.isEmpty {
            index.append(LexicalIndex(root: root, paths: Array(untracked), queryTerms: queryTerms,
                                      maxFileBytes: request.filter.maxFileBytes))
            paths += untracked
        }

        var scores = index.bm25()
        for (i, path) in paths.enumerated() where dirty.contains(path) && scores[i] > 0 { scores[i] *= 1.3 }
        let scoreByPath = Dictionary(paths.enumerated().map { ($1, scores[$0]) }, uniquingKeysWith: { a, _ in a })

        var reader = FileReader(root: root)
        var candidates: [Candidate] = []
        var chosen = Set<String>()
        func add(_ path: String, _ reason: ContextSelection.Reason, _ detail: String) {
            guard chosen.insert(path).inserted else { return }
            candidates.append(Candidate(path: path, reason: reason, detail: detail, score: scoreByPath[path] ?? 0))
        }

        for path in try namedPaths(request.paths, root: root, tracked: paths) { add(path, .named, "named on the command line") }
        for (path, mention) in mentionedPaths(in: request.instruction, candidates: paths) {
            add(path, .mentionedPath, "instruction mentions \(mention)")
        }
        for (path, symbol, line) in definingFiles(request.instruction, index: index, scores: scores, reader: &reader) {
            add(path, .mentionedSymbol, "defines \(symbol) (line \(line))")
        }
        let ranked = paths.indices.filter { scores[$0] > 0 }.sorted { scores[$0] > scores[$1] }
        if let best = ranked.first.map({ scores[$0] }) {
            let matched = queryTerms
            for i in ranked.prefix(request.maxFiles * 2) where scores[i] >= best * 0.35 {
                let words = matched.indices.filter { index.frequency(file: i, term: $0) > 0 }.map { matched[$0] }
                add(paths[i], .lexical, String(format: "BM25 %.2f: %@", scores[i], words.prefix(6).joined(separator: ", ")))
            }
        }
        timer.lap("mentions and symbols")
        let named = candidates.filter { $0.reason == .named }
        let others = candidates.filter { $0.reason != .named }
            .sorted { ($0.reason, -$0.score) < ($1.reason, -$1.score) }
            .prefix(request.maxFiles)

        // Files first (keeping a slice for the map), then the map fills the rest.
        let mapReserve = min(request.budget / 8, 1500)
        var remaining = request.budget - mapReserve
        var files: [ContextSelection.File] = []
        let hitTerms = Set(queryTerms)
        for (position, candidate) in (named + others).enumerated() {
            if remaining < 48 { break }
            let isNamed = candidate.reason == .named
            let cap = isNamed ? remaining : min(remaining, max(request.budget / 3, 256))
            guard let file = buildFile(candidate, reader: &reader, allowance: cap, isDirty: dirty.contains(candidate.path),
                                       withHistory: request.includeHistory && position < 3, hitTerms: hitTerms,
                                       instructionWords: Set(Terms.identifierWords(request.instruction)))
            else { continue }
            files.append(file)
            remaining -= file.tokens
        }

        timer.lap("file contents, diffs, history")
        let used = files.reduce(0) { $0 + $1.tokens }
        let map = buildMap(paths: paths, scores: scores, selected: files.map(\.path),
                           allowance: request.budget - used, reader: &reader)
        timer.lap("repository map")
        return ContextSelection(repository: info, instruction: request.instruction, budget: request.budget,
                                files: files, map: map.text, mapTokens: map.tokens, totalTokens: used + map.tokens)
    }

    // MARK: - Finding the files the instruction is about

    /// Command-line paths made repository-relative; directories expand to their candidate files.
    private func namedPaths(_ named: [String], root: String, tracked: [String]) throws -> [String] {
        var result: [String] = []
        for raw in named {
            var path = raw
            if path.hasPrefix("/") {
                let rootNoSlash = String(root.dropLast())
                guard path == rootNoSlash || path.hasPrefix(root) else {
                    throw ContextError.pathOutsideRepository(path: raw, root: rootNoSlash)
                }
                path = String(path.dropFirst(min(path.count, root.count)))
            }
            while path.hasPrefix("./") { path = String(path.dropFirst(2)) }
            while path.hasSuffix("/") { path = String(path.dropLast()) }
            if path.split(separator: "/").contains("..") {
                throw ContextError.pathOutsideRepository(path: raw, root: String(root.dropLast()))
            }
            var isDirectory: ObjCBool = false
            if path.isEmpty || (FileManager.default.fileExists(atPath: root + path, isDirectory: &isDirectory) && isDirectory.boolValue) {
                let prefix = path.isEmpty ? "" : path + "/"
                result.append(contentsOf: tracked.filter { $0.hasPrefix(prefix) }.prefix(20))
            } else {
                result.append(path)
            }
        }
        return result
    }

    /// Files whose path, or file name with extension, appears in the instruction as a word.
    private func mentionedPaths(in instruction: String, candidates: [String]) -> [(String, String)] {
        let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "`'\"(),;:<>[]{}"))
        let words = instruction.components(separatedBy: separators)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".!?")) }
            .filter { $0.count >= 3 && ($0.contains(".") || $0.contains("/")) }
        guard !words.isEmpty else { return [] }
        var byName: [String: [String]] = [:]
        var all = Set<String>()
        for path in candidates {
            all.insert(path)
            let name = path.split(separator: "/").last.map(String.init) ?? path
            byName[name, default: []].append(path)
        }
        var result: [(String, String)] = []
        for word in words {
            var clean = word
            while clean.hasPrefix("./") { clean = String(clean.dropFirst(2)) }
            if all.contains(clean) { result.append((clean, clean)); continue }
            if let matches = byName[clean] { result += matches.prefix(3).map { ($0, clean) }; continue }
            // A partial path ("parser/lexer.py"): match on the suffix.
            if clean.contains("/") {
                let name = clean.split(separator: "/").last.map(String.init) ?? clean
                for path in byName[name] ?? [] where path.hasSuffix("/" + clean) { result.append((path, clean)) }
            }
        }
        return result
    }

    /// Files that define a symbol the instruction names (exact, case-sensitive), best BM25
    /// first; only files containing the word are scanned.
    private func definingFiles(_ instruction: String, index: LexicalIndex, scores: [Double],
                               reader: inout FileReader) -> [(String, String, Int)] {
        let words = Set(Terms.identifierWords(instruction).filter {
            $0.count >= 3 && !Terms.stopwords.contains($0.lowercased()) && !$0.allSatisfy(\.isNumber)
        })
        var result: [(String, String, Int)] = []
        for word in words.sorted() {
            guard let term = index.queryTerms.firstIndex(of: word.lowercased()) else { continue }
            let containing = index.paths.indices.filter { index.frequency(file: $0, term: term) > 0 }
                .sorted { scores[$0] > scores[$1] }.prefix(40)
            var found = 0
            for i in containing where found < 3 {
                let path = index.paths[i]
                guard let language = SourceLanguage(path: path), let text = reader.text(path) else { continue }
                if let symbol = reader.symbols(path, text: text, language: language).first(where: { $0.name == word }) {
                    result.append((path, word, symbol.line))
                    found += 1
                }
            }
        }
        return result
    }

    // MARK: - Building the pieces

    /// The directory part of a relative path ("" at the root), without Foundation bridging.
    static func directory(of path: String) -> Substring {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return path[..<slash]
    }

    private func buildFile(_ candidate: Candidate, reader: inout FileReader, allowance: Int, isDirty: Bool,
                           withHistory: Bool, hitTerms: Set<String>, instructionWords: Set<String>) -> ContextSelection.File? {
        let path = candidate.path
        let text = reader.text(path)
        let symbols = SourceLanguage(path: path).map { reader.symbols(path, text: text ?? "", language: $0) } ?? []
        var file = ContextSelection.File(path: path, reason: candidate.reason,
                                         detail: text == nil ? candidate.detail + " (does not exist yet)" : candidate.detail,
                                         tokens: 0, content: nil, regions: [], lineCount: 0,
                                         uncommittedDiff: nil, recentCommits: [], symbols: symbols.map(\.name))
        var budget = allowance
        let overhead = counter.countTokens("### \(path)\n```\n```\n")
        budget -= overhead

        // The user's uncommitted changes and history, kept small (a quarter of the allowance).
        if isDirty, let diff = try? repository.diff(.workingTreeVsHead, options: DiffOptions(paths: [path], includeUntracked: false)),
           !diff.isEmpty {
            let tokens = counter.countTokens(diff)
            if tokens <= budget / 4 { file.uncommittedDiff = diff; budget -= tokens }
        }
        if withHistory, let commits = try? repository.recentCommits(touching: [path], limit: 3, scanLimit: 300) {
            let lines = commits.map { "\($0.id.prefix(8)) \($0.summary)" }
            let tokens = counter.countTokens(lines.joined(separator: "\n"))
            if !lines.isEmpty, tokens <= budget / 8 { file.recentCommits = lines; budget -= tokens }
        }

        guard let text else {
            file.tokens = allowance - budget
            return candidate.reason == .named ? file : nil
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        file.lineCount = text.hasSuffix("\n") ? lines.count - 1 : lines.count
        let fullTokens = counter.countTokens(text)
        if fullTokens <= budget {
            file.content = text
            budget -= fullTokens
        } else {
            // The parts the request's words point at: definitions it names or whose lines use
            // its words, else windows around those lines, else the top of the file.
            var evidence = RegionChooser.Evidence()
            evidence.instructionPlainNames = Set(symbols.map(\.name).filter { instructionWords.contains($0) })
            evidence.instructionWords = hitTerms
            var chooser = RegionChooser()
            chooser.maxRegions = 6
            chooser.maxDefinitionLines = 48   // reference context: a long function is shown as a window
            chooser.topOfFileWhenNothingMatches = true
            file.regions = chooser.choose(path: path, text: text, evidence: evidence, allowance: budget,
                                          outlineAllowance: 0, counter: counter).regions
            let regionTokens = file.regions.reduce(0) { $0 + counter.countTokens($1.text) + 16 }
            if file.regions.isEmpty && candidate.reason != .named { return nil }
            budget -= regionTokens
        }
        file.tokens = allowance - budget
        return file
    }

    /// The map: best-ranked files first, then neighbours of the chosen files, then the rest
    /// in path order; each line `path: symbols`, added while the allowance lasts.
    private func buildMap(paths: [String], scores: [Double], selected: [String], allowance: Int,
                          reader: inout FileReader) -> (text: String, tokens: Int) {
        guard allowance > 16 else { return ("", 0) }
        let selectedSet = Set(selected)
        let directories = Set(selected.map(Self.directory(of:)))
        var order: [Int] = []
        var placed = Set<Int>()
        let ranked = paths.indices.filter { scores[$0] > 0 }.sorted { scores[$0] > scores[$1] }.prefix(200)
        for i in ranked where placed.insert(i).inserted { order.append(i) }
        for i in paths.indices where directories.contains(Self.directory(of: paths[i])) {
            if placed.insert(i).inserted { order.append(i) }
        }
        var lines: [String] = []
        var tokens = 0
        var symbolReads = 0
        func addLine(_ i: Int) -> Bool {
            let path = paths[i]
            if selectedSet.contains(path) { return true }
            var line = path
            // Reading files for symbols is the costly part: bounded, the rest get paths only.
            if symbolReads < 400, let language = SourceLanguage(path: path) {
                symbolReads += 1
                if let text = reader.text(path) {
                    let names = reader.symbols(path, text: text, language: language).map(\.name)
                    var unique: [String] = []
                    for name in names where !unique.contains(name) { unique.append(name) }
                    if !unique.isEmpty { line += ": " + unique.prefix(12).joined(separator: ", ") }
                }
            }
            let cost = counter.countTokens(line) + 1
            if tokens + cost > allowance { return false }
            tokens += cost
            lines.append(line)
            return true
        }
        for i in order where !addLine(i) { return (lines.joined(separator: "\n"), tokens) }
        for i in paths.indices where !placed.contains(i) {
            if !addLine(i) { break }
        }
        return (lines.joined(separator: "\n"), tokens)
    }
}
