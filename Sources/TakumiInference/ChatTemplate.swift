/// Formats conversations and fill-in-the-middle requests as the model was trained to see
/// them. The family is chosen from the model's `tokenizer.chat_template` (a Jinja template
/// we do not execute: we recognize its family and render that family in Swift).
public struct ChatTemplate: Equatable, Sendable {
    public enum Family: String, Equatable, Sendable {
        /// `<|im_start|>role\ncontent<|im_end|>\n` turns (Qwen, and many others).
        case chatML
    }

    public struct Message: Equatable, Sendable {
        public enum Role: String, Equatable, Sendable { case system, user, assistant }
        public var role: Role
        public var content: String
        public init(role: Role, content: String) {
            self.role = role
            self.content = content
        }
        public static func system(_ text: String) -> Message { Message(role: .system, content: text) }
        public static func user(_ text: String) -> Message { Message(role: .user, content: text) }
        public static func assistant(_ text: String) -> Message { Message(role: .assistant, content: text) }
    }

    public static let qwenDefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

    public let family: Family
    /// The system prompt the template inserts when a conversation has none (Qwen's
    /// templates do; nil means no system turn is added).
    public let defaultSystemPrompt: String?

    public init(family: Family = .chatML, defaultSystemPrompt: String? = ChatTemplate.qwenDefaultSystemPrompt) {
        self.family = family
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// Recognizes the family of a model's Jinja chat template. A missing template means
    /// ChatML without a default system prompt (llama.cpp's fallback too); a template of
    /// another family is an error naming the key, so callers can still use raw and FIM
    /// prompts with such a model.
    public init(templateSource: String?, path: String = "<memory>") throws {
        guard let source = templateSource else {
            self.init(family: .chatML, defaultSystemPrompt: nil)
            return
        }
        guard source.contains("<|im_start|>") else {
            throw InferenceError.badMetadata(path: path, key: "tokenizer.chat_template",
                                             reason: "unsupported chat template family (no <|im_start|>; supported: ChatML): \(source.prefix(80).debugDescription)")
        }
        self.init(family: .chatML, defaultSystemPrompt: Self.literalDefaultSystemPrompt(in: source))
    }

    /// The chat template of a GGUF model file.
    public init(gguf file: GGUFFile) throws {
        let source = file.contains("tokenizer.chat_template") ? try file.string("tokenizer.chat_template") : nil
        try self.init(templateSource: source, path: file.path)
    }

    /// Finds a constant system turn written in the template, as Qwen's
    /// `'<|im_start|>system\nYou are Qwen, ...<|im_end|>\n'` (in the Jinja source the line
    /// break is the two characters `\n`). Turns built from variables are skipped.
    static func literalDefaultSystemPrompt(in source: String) -> String? {
        let opener = "<|im_start|>system\\n"
        var searchFrom = source.startIndex
        while let openerRange = source.range(of: opener, range: searchFrom..<source.endIndex) {
            searchFrom = openerRange.upperBound
            guard let closer = source.range(of: "<|im_end|>", range: openerRange.upperBound..<source.endIndex) else { break }
            let candidate = source[openerRange.upperBound..<closer.lowerBound]
            if !candidate.isEmpty && !candidate.contains(where: { "'\"+{}%\\".contains($0) }) {
                return String(candidate)
            }
        }
        return nil
    }

    /// The prompt for `messages`, ending with the assistant header when
    /// `addGenerationPrompt` (so the model writes the assistant's next turn). A first
    /// message that is not a system message gets the default system prompt before it.
    public func render(_ messages: [Message], addGenerationPrompt: Bool = true) -> String {
        PromptSegment.joined(segments(messages, addGenerationPrompt: addGenerationPrompt))
    }

    /// The same prompt as special tokens and literal text; encode it with
    /// `Tokenizer.encode(_: [PromptSegment])` so message contents stay literal.
    public func segments(_ messages: [Message], addGenerationPrompt: Bool = true) -> [PromptSegment] {
        var segments: [PromptSegment] = []
        if messages.first?.role != .system, let system = defaultSystemPrompt {
            appendTurn(role: .system, content: system, to: &segments)
        }
        for message in messages {
            appendTurn(role: message.role, content: message.content, to: &segments)
        }
        if addGenerationPrompt {
            segments += [.special("<|im_start|>"), .text("assistant\n")]
        }
        return segments
    }

    private func appendTurn(role: Message.Role, content: String, to segments: inout [PromptSegment]) {
        segments += [.special("<|im_start|>"), .text("\(role.rawValue)\n\(content)"), .special("<|im_end|>"), .text("\n")]
    }

    /// Texts of the tokens that end the assistant's turn.
    public var stopTokenTexts: [String] { ["<|im_end|>", "<|endoftext|>"] }

    /// Ids of the tokens that end the assistant's turn in `tokenizer`'s vocabulary.
    public func stopTokenIds(in tokenizer: Tokenizer) -> Set<Int32> {
        Set(stopTokenTexts.compactMap { tokenizer.tokenId(forSpecialText: $0) })
    }

    /// A fill-in-the-middle prompt (Qwen2.5-Coder format): the model writes what goes
    /// between `prefix` and `suffix`. With repository context (a repository name or context
    /// files), the prompt starts with `<|repo_name|>name\n`, then `<|file_sep|>path\ncontent\n`
    /// per context file, then `<|file_sep|>path\n` for the file being edited, then the FIM
    /// markers; without it, `path` is not used (file-level FIM has no place for it).
    ///
    /// The cursor's line up to the cursor goes after `<|fim_middle|>`, as if the model had
    /// written it (llama.cpp's `/infill` does the same with its `prompt` field): typing at the
    /// cursor then changes only the prompt's last tokens, so the KV cache (in-process or a
    /// snapshot) keeps everything before them, the whole suffix included.
    public static func fillInMiddle(prefix: String, suffix: String, path: String? = nil,
                                    repositoryName: String? = nil,
                                    contextFiles: [(path: String, content: String)] = []) -> String {
        PromptSegment.joined(fillInMiddleSegments(prefix: prefix, suffix: suffix, path: path,
                                                  repositoryName: repositoryName, contextFiles: contextFiles))
    }

    /// The fill-in-the-middle prompt as special tokens and literal text.
    public static func fillInMiddleSegments(prefix: String, suffix: String, path: String? = nil,
                                            repositoryName: String? = nil,
                                            contextFiles: [(path: String, content: String)] = []) -> [PromptSegment] {
        var segments: [PromptSegment] = []
        if repositoryName != nil || !contextFiles.isEmpty {
            segments += [.special("<|repo_name|>"), .text("\(repositoryName ?? "repository")\n")]
            for file in contextFiles {
                segments += [.special("<|file_sep|>"), .text("\(file.path)\n\(file.content)\n")]
            }
            if let path { segments += [.special("<|file_sep|>"), .text("\(path)\n")] }
        }
        let (linesBefore, lineStart) = splitAtLastLine(prefix)
        segments += [.special("<|fim_prefix|>"), .text(linesBefore), .special("<|fim_suffix|>"), .text(suffix),
                     .special("<|fim_middle|>")]
        if !lineStart.isEmpty { segments.append(.text(lineStart)) }
        return segments
    }

    /// `text` up to and including its last newline, and the rest (the cursor's line so far).
    public static func splitAtLastLine(_ text: String) -> (linesBefore: String, lineStart: String) {
        guard let newline = text.utf8.lastIndex(of: UInt8(ascii: "\n")) else { return ("", text) }
        let cut = text.utf8.index(after: newline)
        return (String(text[..<cut]), String(text[cut...]))
    }
}
