/// A prompt as a sequence of special tokens and literal text. Encoding segments keeps
/// special-token texts that appear inside user content (a source file that mentions
/// `<|im_end|>`, say) as plain text, so content can never inject chat or FIM markers.
public enum PromptSegment: Equatable, Sendable {
    /// A special token, by its text (e.g. "<|im_start|>").
    case special(String)
    /// Literal text; special-token texts inside it are tokenized as ordinary text.
    case text(String)

    /// The segments written out as one string (what `ChatTemplate.render` returns).
    public static func joined(_ segments: [PromptSegment]) -> String {
        segments.map { segment in
            switch segment {
            case let .special(text), let .text(text): return text
            }
        }.joined()
    }
}

extension Tokenizer {
    /// Token ids for a segmented prompt. Adjacent text segments are encoded together, so
    /// the result equals `encode(PromptSegment.joined(segments))` whenever the text holds
    /// no special-token texts. Throws when the vocabulary lacks a special token.
    public func encode(_ segments: [PromptSegment]) throws -> [Int32] {
        var ids: [Int32] = []
        var pendingText = ""
        for segment in segments {
            switch segment {
            case let .text(text):
                pendingText += text
            case let .special(name):
                guard let id = tokenId(forSpecialText: name) else {
                    throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.tokens",
                                                     reason: "the vocabulary has no special token '\(name)'")
                }
                if !pendingText.isEmpty {
                    ids.append(contentsOf: encode(pendingText, parseSpecial: false))
                    pendingText = ""
                }
                ids.append(id)
            }
        }
        if !pendingText.isEmpty { ids.append(contentsOf: encode(pendingText, parseSpecial: false)) }
        return ids
    }
}
