import Foundation

/// What an editor sends through `takumi filter`.
public struct FilterRequest: Sendable {
    public var instruction: String
    /// The selected text, exactly as the editor piped it.
    public var selection: String
    /// The file the selection belongs to (relative or absolute), for context.
    public var filePath: String?
    /// That file's current text, if it could be read.
    public var fileText: String?
    /// Where the selection is in the file (1-based, inclusive).
    public var lines: ClosedRange<Int>?
    /// Programming language name for the prompt ("swift"); guessed from the path if nil.
    public var language: String?

    public init(instruction: String, selection: String, filePath: String? = nil, fileText: String? = nil,
                lines: ClosedRange<Int>? = nil, language: String? = nil) {
        self.instruction = instruction
        self.selection = selection
        self.filePath = filePath
        self.fileText = fileText
        self.lines = lines
        self.language = language
    }
}

/// Rewrites a selection as instructed (the logic behind `takumi filter`). The CLI owns the
/// I/O promises (only the result on stdout, the input echoed on failure); this type owns
/// the prompt and the shape of the result.
public struct EditorFilter {
    public var generator: TextGenerator
    public var render: PromptRenderer
    /// Tokens of surrounding file shown as context.
    public var contextTokenBudget: Int = 1500
    /// Lines of context on each side of a located selection.
    public var contextLines: Int = 40

    public init(generator: TextGenerator, render: @escaping PromptRenderer) {
        self.generator = generator
        self.render = render
    }

    /// Parses `--lines A:B`.
    public static func parseLines(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]), start >= 1, end >= start else {
            throw AgentError.invalidLineRange(text: text)
        }
        return start...end
    }

    /// A language name from a file extension (for the prompt's code fence).
    public static func languageName(forPath path: String) -> String {
        let known = ["swift": "swift", "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp", "hpp": "cpp", "py": "python",
                     "js": "javascript", "ts": "typescript", "go": "go", "rs": "rust", "java": "java",
                     "kt": "kotlin", "rb": "ruby", "sh": "sh", "md": "markdown", "json": "json",
                     "yaml": "yaml", "yml": "yaml", "toml": "toml", "html": "html", "css": "css", "lua": "lua"]
        return known[(path as NSString).pathExtension.lowercased()] ?? ""
    }

    public func prompt(for request: FilterRequest) throws -> [ChatMessage] {
        let language = request.language ?? request.filePath.map(EditorFilter.languageName(forPath:)) ?? ""
        var values: [String: Any] = [
            "instruction": request.instruction,
            "language": language,
            "path": request.filePath ?? "",
            "selection": request.selection,
        ]
        // Mustache renders a section for an empty string too: leave the key out instead.
        let surrounding = context(for: request)
        if !surrounding.isEmpty { values["context"] = surrounding }
        let user = try render("filter", values)
        let system = "You are an expert programmer. You rewrite the given code exactly as instructed and answer "
            + "with the complete rewritten code only, in one fenced code block."
        return [.system(system), .user(user)]
    }

    /// Surrounding lines of the file (the selection itself marked), cut to the budget.
    func context(for request: FilterRequest) -> String {
        guard let fileText = request.fileText, !fileText.isEmpty else { return "" }
        let lines = fileText.split(separator: "\n", omittingEmptySubsequences: false)
        var window: [String]
        if let range = request.lines, range.lowerBound <= lines.count {
            let from = max(0, range.lowerBound - 1 - contextLines)
            let to = min(lines.count, range.upperBound + contextLines)
            window = []
            for index in from..<to {
                let number = index + 1
                if number == range.lowerBound { window.append("<<< selection starts >>>") }
                window.append(String(lines[index]))
                if number == min(range.upperBound, lines.count) { window.append("<<< selection ends >>>") }
            }
        } else {
            window = lines.map(String.init)
        }
        var text = window.joined(separator: "\n")
        while generator.countTokens(text) > contextTokenBudget && window.count > 8 {
            window.removeFirst(window.count / 8)
            window.removeLast(window.count / 8)
            text = window.joined(separator: "\n")
        }
        return text
    }

    /// The rewritten selection, shaped like the input. Throws on an empty answer or when the
    /// deadline passed (the caller then echoes the input).
    public func rewrite(_ request: FilterRequest, deadline: GenerationDeadline? = nil) throws -> String {
        let messages = try prompt(for: request)
        let budget = max(256, generator.countTokens(request.selection) * 2 + 128)
        let result = try generator.generate(GenerationRequest(prompt: .chat(messages), maxTokens: budget)) { _ in
            deadline?.control() ?? .continue
        }
        if result.finishReason == .cancelled, let deadline {
            throw AgentError.timedOut(task: "filter", seconds: deadline.seconds)
        }
        if result.finishReason == .maxTokens {
            // A cut-off rewrite would silently delete the rest of the selection.
            throw AgentError.emptyAnswer(task: "filter (the answer was cut off at \(budget) tokens)")
        }
        let code = AnswerCleanup.stripCodeFence(result.text)
        guard !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AgentError.emptyAnswer(task: "filter")
        }
        var shaped = code
        // Drop leading blank lines the fence left; keep the code's own indentation.
        while shaped.hasPrefix("\n") { shaped.removeFirst() }
        shaped = SelectionText.restoringIndentation(shaped, like: request.selection)
        return SelectionText.matchingTrailingNewlines(shaped, like: request.selection)
    }
}
