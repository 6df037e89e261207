import Foundation

/// A commit message suggested for a change, with what it took to write it.
public struct CommitMessageSuggestion: Equatable, Sendable, Codable {
    public var message: String
    public var language: MessageLanguage
    public var style: CommitStyle
    public var model: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// The diff was cut to fit the prompt budget.
    public var diffTruncated: Bool
    /// Generations it took (2 when the first answer repeated a recent subject or was a label);
    /// the token
    /// counts and seconds above add up all of them.
    public var attempts: Int
}

/// Writes a commit message for a diff in the repository's own style (learned from recent
/// history) and language (`--lang`, else history's).
public struct CommitMessageWriter {
    public var generator: TextGenerator
    public var render: PromptRenderer
    /// Tokens of diff shown to the model; a hook keeps this small to answer in seconds.
    public var diffTokenBudget: Int = 1500
    public var maxTokens: Int = 120
    /// Messages of history it takes to follow the history's habit of writing no bodies.
    public static let styleEvidence = 5

    public init(generator: TextGenerator, render: @escaping PromptRenderer) {
        self.generator = generator
        self.render = render
    }

    /// The prompt for `diff`, rendered from `commit-message.md`.
    public func prompt(diff: ParsedDiff, style: CommitStyle, language: MessageLanguage,
                       instruction: String?, showsFileList: Bool = true) throws -> (messages: [ChatMessage], truncated: Bool) {
        let full = diff.render()
        let shown = diff.render(fittingTokens: diffTokenBudget, countTokens: generator.countTokens)
        var values: [String: Any] = [
            "language": language.englishName,
            "rules": style.guidance,
            "examples": style.exampleSubjects,
            "hasExamples": !style.exampleSubjects.isEmpty,
            "japanese": language == .ja,
            "diff": shown,
        ]
        if showsFileList { values["summary"] = diff.summary }
        // Only a real hint: Mustache renders a section for an empty string too.
        if let instruction, !instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            values["instruction"] = instruction
        }
        let user = try render("commit-message", values)
        let system = "You are an experienced software engineer writing concise, accurate git commit messages."
        return ([.system(system), .user(user)], shown != full)
    }

    /// Writes the message. `history` holds recent full commit messages, newest first.
    /// With a `deadline`, generation stops when it passes and `timedOut` is thrown: a
    /// half-written message is worse than none. Small models sometimes copy an example
    /// subject or answer with a label; such an answer is asked for once more without examples
    /// (`SubjectCheck`).
    public func write(diffText: String, history: [String], language explicit: MessageLanguage? = nil,
                      instruction: String? = nil, deadline: GenerationDeadline? = nil,
                      onText: (String) -> Void = { _ in }) throws -> CommitMessageSuggestion {
        let diff = ParsedDiff.parse(diffText)
        guard !diff.isEmpty else { throw AgentError.nothingStaged }
        let style = CommitStyle.infer(from: history)
        let language = MessageLanguage.choose(explicit: explicit, instruction: instruction, history: history)

        // Subjects only, as the history writes them — when there is a history to go by.
        let subjectOnly = !style.usesBody && history.count >= CommitMessageWriter.styleEvidence
        let first = try generateOnce(diff: diff, style: style, language: language, instruction: instruction,
                                     subjectOnly: subjectOnly, deadline: deadline, onText: onText)
        var attempt = first
        var attempts = 1
        // A near-copy of a recent subject, a label or the diff's summary line: ask once more,
        // without the examples (which are what gets copied).
        // A subject that lists the files: ask once more without the list of changed files.
        if let subject = attempt.message.split(separator: "\n").first.map(String.init),
           let problem = SubjectCheck.problem(subject: subject, history: history, paths: diff.files.map(\.path)) {
            var withoutExamples = style
            withoutExamples.exampleSubjects = []
            attempt = try generateOnce(diff: diff, style: withoutExamples, language: language, instruction: instruction,
                                       showsFileList: problem != .listsFiles, subjectOnly: subjectOnly,
                                       deadline: deadline, onText: onText)
            attempts = 2
        }
        let results = attempts == 1 ? [first.result] : [first.result, attempt.result]
        return CommitMessageSuggestion(
            message: attempt.message, language: language, style: style, model: generator.modelDescription,
            promptTokens: results.reduce(0) { $0 + $1.promptTokens },
            generatedTokens: results.reduce(0) { $0 + $1.generatedTokens },
            prefillSeconds: results.reduce(0) { $0 + $1.prefillSeconds },
            decodeSeconds: results.reduce(0) { $0 + $1.decodeSeconds },
            diffTruncated: attempt.truncated, attempts: attempts)
    }

    private func generateOnce(diff: ParsedDiff, style: CommitStyle, language: MessageLanguage, instruction: String?,
                              showsFileList: Bool = true, subjectOnly: Bool, deadline: GenerationDeadline?,
                              onText: (String) -> Void)
        throws -> (message: String, result: GenerationResult, truncated: Bool) {
        let (messages, truncated) = try prompt(diff: diff, style: style, language: language, instruction: instruction,
                                               showsFileList: showsFileList)
        let request = GenerationRequest(prompt: .chat(messages), maxTokens: maxTokens)
        var answer = ""
        var subjectDone = false
        let result = try generator.generate(request) { event in
            guard case let .text(piece) = event else { return deadline?.control() ?? .continue }
            onText(piece)
            answer += piece
            // Where the history has subjects only, a finished subject line is the whole
            // message: stop there instead of decoding a body (or a list) that is cut anyway.
            if subjectOnly, CommitMessageWriter.hasCompleteSubject(answer) {
                subjectDone = true
                return .stop
            }
            return deadline?.control() ?? .continue
        }
        if result.finishReason == .cancelled, !subjectDone, let deadline {
            throw AgentError.timedOut(task: "commit message", seconds: deadline.seconds)
        }
        // Stopped at the subject: the unfinished line after it (a body's first word) goes.
        let text = subjectDone ? String(result.text[..<(result.text.lastIndex(of: "\n") ?? result.text.endIndex)]) : result.text
        let message = CommitMessageWriter.clean(text, style: style)
        guard !message.isEmpty else { throw AgentError.emptyAnswer(task: "commit message") }
        return (message, result, truncated)
    }

    /// True once `answer` holds a whole line that would be the subject: a newline after a
    /// line that is not blank, a code fence or a label ("### Commit Message").
    static func hasCompleteSubject(_ answer: String) -> Bool {
        let lines = answer.split(separator: "\n", omittingEmptySubsequences: false).dropLast() // the last is unfinished
        return lines.contains { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            return !line.isEmpty && !line.hasPrefix("```") && !SubjectCheck.isLabel(line)
        }
    }

    /// The model's answer as a commit message: fence, label lines and quotes removed, trailing
    /// spaces trimmed, at most one blank line in a row, subject fitted to the style.
    public static func clean(_ answer: String, style: CommitStyle) -> String {
        let unfenced = AnswerCleanup.stripCodeFence(answer)
        // Heading lines before the subject ("### Commit Message", "**Subject:**") name nothing.
        let body = unfenced.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.trimmingCharacters(in: .whitespaces).isEmpty || SubjectCheck.isLabel(String($0)) }
        let text = AnswerCleanup.stripLabelAndQuotes(body.isEmpty ? unfenced : body.joined(separator: "\n"))
        var lines: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            while line.last == " " || line.last == "\t" || line.last == "\r" { line.removeLast() }
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            // A line starting with '#' would be eaten by git as a comment.
            if line.hasPrefix("#") { line = String(line.drop(while: { $0 == "#" || $0 == " " })) }
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        // Markdown is not a subject's: "- **calc.py:** Fix add" becomes "calc.py: Fix add".
        if var subject = lines.first {
            if subject.hasPrefix("- ") || subject.hasPrefix("* ") { subject.removeFirst(2) }
            subject = subject.replacingOccurrences(of: "**", with: "")
            lines[0] = subject.trimmingCharacters(in: .whitespaces)
        }
        // git's convention: subject, blank line, body.
        if lines.count > 1 && !lines[1].isEmpty { lines.insert("", at: 1) }
        return style.conform(lines.joined(separator: "\n"))
    }
}
