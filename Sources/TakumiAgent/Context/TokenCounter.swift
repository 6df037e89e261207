import Foundation

/// Counts tokens of text the way a model would, for context budgets. The CLI wires in the
/// real tokenizer (any `TextGenerator` is one, see `GeneratorTokenCounter`); until then, and
/// in tests, `EstimatingTokenCounter` approximates a code BPE.
public protocol TokenCounter {
    func countTokens(_ text: String) -> Int
}

/// Uses a model's own tokenizer through the `TextGenerator` seam.
public struct GeneratorTokenCounter: TokenCounter {
    public let generator: TextGenerator
    public init(generator: TextGenerator) { self.generator = generator }
    public func countTokens(_ text: String) -> Int { generator.countTokens(text) }
}

/// A fast estimate of BPE token counts for source code (Qwen2.5-style vocabularies):
/// a run of letters costs one token per ~6 characters, a run of digits one token per digit
/// (Qwen splits numbers into digits), each punctuation character
/// one token, a single space nothing (BPE merges it into the next word), a longer run of
/// spaces (indentation) one token, each non-ASCII scalar one token.
/// It errs on the high side (about +20% against the real tokenizer on the golden samples in
/// `Fixtures/context/tokenizer-golden.jsonl`), so a budget filled with it is not overrun.
public struct EstimatingTokenCounter: TokenCounter {
    public init() {}

    public func countTokens(_ text: String) -> Int {
        var tokens = 0
        var wordLength = 0
        var digits = 0
        func endWord() {
            tokens += digits == wordLength ? wordLength : (wordLength + 5) / 6
            wordLength = 0
            digits = 0
        }
        var spaces = 0
        for byte in text.utf8 {
            let isWord = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            if isWord {
                wordLength += 1
                if byte >= 0x30 && byte <= 0x39 { digits += 1 }
                if spaces > 1 { tokens += 1 }
                spaces = 0
                continue
            }
            if wordLength > 0 { endWord() }
            if byte == 0x20 || byte == 0x09 {
                spaces += 1
                continue
            }
            if spaces > 1 { tokens += 1 }
            spaces = 0
            // Count a non-ASCII scalar once (at its lead byte), skip continuation bytes.
            if byte & 0xC0 == 0x80 { continue }
            tokens += 1
        }
        if wordLength > 0 { endWord() }
        if spaces > 1 { tokens += 1 }
        return tokens
    }
}
