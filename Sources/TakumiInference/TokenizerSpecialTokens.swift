/// How llama.cpp classifies vocabulary entries (`tokenizer.ggml.token_type`).
public enum TokenType: Int32, Sendable {
    case normal = 1
    case unknown = 2
    /// Special tokens such as `<|im_start|>`: recognized in text only when asked to.
    case control = 3
    /// Added tokens such as `<tool_call>`: always recognized in text, stored as plain text.
    case userDefined = 4
    /// Padding entries (`[PAD151665]`): never produced, decode to nothing.
    case unused = 5
    case byte = 6

    /// Unknown type numbers are treated as normal tokens, as llama.cpp does.
    init(fileValue: Int32) { self = TokenType(rawValue: fileValue) ?? .normal }
}

/// The ids of the special tokens chat and fill-in-the-middle formatting need; nil when the
/// vocabulary has no such token.
public struct SpecialTokenIds: Equatable, Sendable {
    /// End of sequence as declared by the file (`tokenizer.ggml.eos_token_id`); for
    /// Qwen2.5 instruct models this is `<|im_end|>`.
    public var endOfSequence: Int32?
    public var endOfText: Int32?          // <|endoftext|>
    public var imStart: Int32?            // <|im_start|>
    public var imEnd: Int32?              // <|im_end|>, end of a chat turn
    public var fimPrefix: Int32?          // <|fim_prefix|>
    public var fimMiddle: Int32?          // <|fim_middle|>
    public var fimSuffix: Int32?          // <|fim_suffix|>
    public var fimPad: Int32?             // <|fim_pad|>
    public var repoName: Int32?           // <|repo_name|>
    public var fileSeparator: Int32?      // <|file_sep|>

    public init() {}

    /// Looks the tokens up by their text in `idsByText`.
    init(idsByText: [String: Int32], declaredEndOfSequence: Int32?) {
        endOfSequence = declaredEndOfSequence ?? idsByText["<|im_end|>"] ?? idsByText["<|endoftext|>"]
        endOfText = idsByText["<|endoftext|>"]
        imStart = idsByText["<|im_start|>"]
        imEnd = idsByText["<|im_end|>"]
        fimPrefix = idsByText["<|fim_prefix|>"]
        fimMiddle = idsByText["<|fim_middle|>"]
        fimSuffix = idsByText["<|fim_suffix|>"]
        fimPad = idsByText["<|fim_pad|>"]
        repoName = idsByText["<|repo_name|>"]
        fileSeparator = idsByText["<|file_sep|>"]
    }

    /// Tokens after which generation ends: end of sequence/turn/text, and the FIM tokens a
    /// model emits when it moves on to another file (llama.cpp stops at these too).
    var endOfGeneration: Set<Int32> {
        Set([endOfSequence, endOfText, imEnd, fimPad, repoName, fileSeparator].compactMap { $0 })
    }
}

/// Finds special-token texts inside UTF-8 text, longest first at each position.
struct SpecialTokenMatcher: Sendable {
    struct Candidate: Sendable {
        var bytes: [UInt8]
        var id: Int32
        /// User-defined tokens are recognized even when control tokens are not parsed.
        var alwaysParsed: Bool
    }

    /// Candidates grouped by first byte, each group longest first.
    private let candidatesByFirstByte: [[Candidate]]

    init(_ specials: [(bytes: [UInt8], id: Int32, alwaysParsed: Bool)]) {
        var groups = [[Candidate]](repeating: [], count: 256)
        for special in specials where !special.bytes.isEmpty {
            groups[Int(special.bytes[0])].append(Candidate(bytes: special.bytes, id: special.id, alwaysParsed: special.alwaysParsed))
        }
        candidatesByFirstByte = groups.map { group in
            group.sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        }
    }

    /// The special token starting at `position`, if any.
    func match(in text: UnsafeBufferPointer<UInt8>, at position: Int, parseControl: Bool) -> (id: Int32, length: Int)? {
        let group = candidatesByFirstByte[Int(text[position])]
        if group.isEmpty { return nil }
        let remaining = text.count - position
        for candidate in group where candidate.bytes.count <= remaining && (parseControl || candidate.alwaysParsed) {
            var equal = true
            for k in 1..<candidate.bytes.count where text[position + k] != candidate.bytes[k] {
                equal = false
                break
            }
            if equal { return (candidate.id, candidate.bytes.count) }
        }
        return nil
    }

    func id(of bytes: [UInt8]) -> Int32? {
        guard let first = bytes.first else { return nil }
        return candidatesByFirstByte[Int(first)].first { $0.bytes == bytes }?.id
    }
}
