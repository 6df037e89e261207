import Foundation

/// One review finding, always tied to a file and a line of the new version.
public struct ReviewSuggestion: Equatable, Sendable, Codable {
    public var file: String
    public var line: Int
    public var message: String
    /// The line is one the change added (not just nearby context).
    public var onChangedLine: Bool

    public init(file: String, line: Int, message: String, onChangedLine: Bool) {
        self.file = file
        self.line = line
        self.message = message
        self.onChangedLine = onChangedLine
    }

    public var formatted: String { "\(file):\(line): \(message)" }
}

public struct ReviewResult: Equatable, Sendable, Codable {
    public var suggestions: [ReviewSuggestion]
    public var language: MessageLanguage
    public var model: String
    public var diffTruncated: Bool
    /// Lines of the answer that named no known file and line (dropped, kept for --json).
    public var ignoredLines: [String]
}

/// Asks the model for findings about a diff and keeps those that name a changed file and line.
public struct ReviewWriter {
    public var generator: TextGenerator
    public var render: PromptRenderer
    public var diffTokenBudget: Int = 3000
    public var maxTokens: Int = 400
    public var maxFindings: Int = 8

    public init(generator: TextGenerator, render: @escaping PromptRenderer) {
        self.generator = generator
        self.render = render
    }

    public func review(diffText: String, language explicit: MessageLanguage? = nil, history: [String] = [],
                       deadline: GenerationDeadline? = nil,
                       onText: (String) -> Void = { _ in }) throws -> ReviewResult {
        let diff = ParsedDiff.parse(diffText)
        guard !diff.isEmpty else { throw AgentError.nothingStaged }
        let language = MessageLanguage.choose(explicit: explicit, instruction: nil, history: history)
        let full = diff.render(lineNumbers: true)
        let shown = diff.render(fittingTokens: diffTokenBudget, lineNumbers: true, countTokens: generator.countTokens)
        let user = try render("review", [
            "language": language.englishName,
            "japanese": language == .ja,
            "maxFindings": String(maxFindings),
            "summary": diff.summary,
            "diff": shown,
        ])
        let system = "You are a meticulous code reviewer. You only report real problems, each with its file and line."
        let request = GenerationRequest(prompt: .chat([.system(system), .user(user)]), maxTokens: maxTokens)
        // Small models loop ("a.py:3: x" twenty times): stop at the first repeated line
        // or when far more lines than findings were asked for have come.
        var answer = ""
        var seenLines = Set<String>()
        var stoppedEarly = false
        let result = try generator.generate(request) { event in
            if case let .text(piece) = event {
                onText(piece)
                answer += piece
                while let newline = answer.firstIndex(of: "\n") {
                    let line = answer[..<newline].trimmingCharacters(in: .whitespaces)
                    answer = String(answer[answer.index(after: newline)...])
                    guard !line.isEmpty else { continue }
                    if !seenLines.insert(line).inserted || seenLines.count > maxFindings * 2 {
                        stoppedEarly = true
                        return .stop
                    }
                }
            }
            return deadline?.control() ?? .continue
        }
        if result.finishReason == .cancelled, !stoppedEarly, let deadline {
            throw AgentError.timedOut(task: "review", seconds: deadline.seconds)
        }
        // After an early stop, a half-written last line is not a finding.
        var text = result.text
        if stoppedEarly, let lastNewline = text.lastIndex(of: "\n") { text = String(text[..<lastNewline]) }
        let (suggestions, ignored) = ReviewWriter.parse(text, diff: diff)
        return ReviewResult(suggestions: Array(suggestions.prefix(maxFindings)), language: language,
                            model: generator.modelDescription, diffTruncated: shown != full, ignoredLines: ignored)
    }

    /// Reads `PATH:LINE: FINDING` lines (bullets, backticks and "line" words tolerated).
    /// A finding is kept only when PATH is a file of the diff (an unambiguous path suffix
    /// counts) that is not deleted; duplicates are dropped.
    public static func parse(_ answer: String, diff: ParsedDiff) -> (suggestions: [ReviewSuggestion], ignored: [String]) {
        var suggestions: [ReviewSuggestion] = []
        var ignored: [String] = []
        let files = diff.files.filter { !$0.isDeleted && !$0.isBinary }
        for raw in AnswerCleanup.stripCodeFence(answer).split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.uppercased().hasPrefix("NO FINDINGS") { continue }
            line = stripListMarker(line)
            line = line.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "**", with: "")
            guard let parsed = splitLocation(line),
                  let file = match(path: parsed.path, in: files) else {
                ignored.append(String(raw))
                continue
            }
            let message = parsed.message.trimmingCharacters(in: .whitespaces)
            guard !message.isEmpty else { ignored.append(String(raw)); continue }
            let suggestion = ReviewSuggestion(file: file.path, line: parsed.line, message: message,
                                              onChangedLine: file.addedLineNumbers.contains(parsed.line))
            if !suggestions.contains(suggestion) { suggestions.append(suggestion) }
        }
        return (suggestions, ignored)
    }

    /// Removes "- ", "* ", "• " or "1. " / "1) " before a finding.
    static func stripListMarker(_ text: String) -> String {
        var rest = Substring(text)
        if let first = rest.first, "-*•".contains(first), rest.dropFirst().first == " " {
            rest = rest.dropFirst(2)
        } else {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            let after = rest.dropFirst(digits.count)
            if !digits.isEmpty, let mark = after.first, mark == "." || mark == ")", after.dropFirst().first == " " {
                rest = after.dropFirst(2)
            }
        }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// "a/b.swift:12: text", "a/b.swift:12:3: text", "a/b.swift line 12: text".
    static func splitLocation(_ line: String) -> (path: String, line: Int, message: String)? {
        let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 3, let number = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
            var rest = parts[2...].joined(separator: ":")
            // Skip a column number ("12:3: ...").
            let afterColumn = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if afterColumn.count == 2, Int(afterColumn[0].trimmingCharacters(in: .whitespaces)) != nil {
                rest = String(afterColumn[1])
            }
            return (parts[0].trimmingCharacters(in: .whitespaces), number, rest)
        }
        if let range = line.range(of: " line "), let colon = line[range.upperBound...].firstIndex(of: ":"),
           let number = Int(line[range.upperBound..<colon].trimmingCharacters(in: .whitespaces)) {
            return (String(line[..<range.lowerBound]).trimmingCharacters(in: .whitespaces), number,
                    String(line[line.index(after: colon)...]))
        }
        return nil
    }

    static func match(path: String, in files: [ParsedDiff.FileChange]) -> ParsedDiff.FileChange? {
        if let exact = files.first(where: { $0.path == path }) { return exact }
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        let candidates = files.filter { $0.path == trimmed || $0.path.hasSuffix("/" + trimmed) }
        return candidates.count == 1 ? candidates[0] : nil
    }
}
