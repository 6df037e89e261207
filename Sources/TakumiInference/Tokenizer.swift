import Foundation

/// Byte-level BPE tokenizer (GPT-2 style, as Qwen2 uses), matching llama.cpp's ids.
///
/// Encoding: split out special tokens, split the rest with the qwen2 pre-tokenizer, then run
/// byte-pair merges on each piece's bytes. No BOS token is added. Results for each distinct
/// piece are cached, so repeated words in source code cost one dictionary lookup.
///
/// Immutable after construction except for that cache, which is guarded by a lock: one
/// tokenizer may be shared between threads.
public final class Tokenizer: @unchecked Sendable {
    /// The raw bytes each token stands for (special tokens: their text).
    private let tokenBytesTable: TokenByteTable
    public let tokenTypes: [TokenType]
    public let specialIds: SpecialTokenIds
    private let endOfGenerationIds: Set<Int32>
    private let merges: BPEMerges
    /// The single-byte token for each byte value.
    private let byteTokens: [Int32]
    private let specialMatcher: SpecialTokenMatcher
    private let maxDigitsPerPiece: Int

    private let cacheLock = NSLock()
    private var pieceCache: [[UInt8]: [Int32]] = [:]
    /// The cache is dropped when it grows past this many pieces, bounding memory on huge
    /// inputs with few repeats.
    private static let pieceCacheLimit = 65_536

    public var vocabularySize: Int { tokenBytesTable.count }
    /// Where the vocabulary came from (a file path, or "<memory>"), for error messages.
    public let source: String

    /// Builds a tokenizer from the vocabulary as GGUF stores it.
    ///
    /// - Parameters:
    ///   - tokens: token texts in the byte-level alphabet (space is "Ġ"); control and
    ///     user-defined tokens as plain text.
    ///   - merges: "left right" pairs in the byte-level alphabet, highest priority first.
    ///   - tokenTypes: llama.cpp token types (1 normal, 3 control, 4 user-defined, 5 unused ...).
    ///   - endOfSequence: the file's declared end-of-sequence id, if any.
    ///   - maxDigitsPerPiece: how many digits the pre-tokenizer keeps together (qwen2: 1).
    ///   - source: names the input in errors (a file path, or "<memory>").
    public init(tokens: [String], merges mergeLines: [String], tokenTypes rawTypes: [Int32],
                endOfSequence: Int32? = nil, maxDigitsPerPiece: Int = 1, source: String = "<memory>") throws {
        guard rawTypes.count == tokens.count else {
            throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.token_type",
                                             reason: "has \(rawTypes.count) entries but tokenizer.ggml.tokens has \(tokens.count)")
        }
        guard tokens.count < Int(Int32.max) else {
            throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.tokens", reason: "too many tokens (\(tokens.count))")
        }
        let types = rawTypes.map(TokenType.init(fileValue:))

        // Raw bytes of every token; normal tokens are indexed by bytes for the merges.
        var table = TokenByteTable(capacity: tokens.count)
        var specialIdsByText: [String: Int32] = [:]
        var scratch: [UInt8] = []
        for (index, text) in tokens.enumerated() {
            var text = text
            let type = types[index]
            text.withUTF8 { utf8 in
                switch type {
                case .normal, .byte, .unknown:
                    scratch.removeAll(keepingCapacity: true)
                    ByteLevel.decode(utf8: utf8, into: &scratch)
                    scratch.withUnsafeBufferPointer { table.append($0, indexed: true) }
                case .control, .userDefined, .unused:
                    table.append(utf8, indexed: false)
                }
            }
            if type != .normal && specialIdsByText[text] == nil { specialIdsByText[text] = Int32(index) }
        }

        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            guard let id = table.id(of: [UInt8(byte)]) else {
                throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.tokens",
                                                 reason: "no token for byte 0x\(String(byte, radix: 16)) ('\(ByteLevel.scalarForByte[byte])'); not a byte-level BPE vocabulary")
            }
            byteTokens[byte] = id
        }

        let merges = try BPEMerges(lines: mergeLines, vocabulary: table, source: source)

        var specials: [(bytes: [UInt8], id: Int32, alwaysParsed: Bool)] = []
        for (index, type) in types.enumerated() where type == .control || type == .userDefined || type == .unknown {
            let bytes = Array(table.bytes(of: index))
            if !bytes.isEmpty { specials.append((bytes, Int32(index), type == .userDefined)) }
        }

        self.source = source
        self.tokenBytesTable = table
        self.tokenTypes = types
        self.specialIds = SpecialTokenIds(idsByText: specialIdsByText, declaredEndOfSequence: endOfSequence)
        self.endOfGenerationIds = specialIds.endOfGeneration
        self.merges = merges
        self.byteTokens = byteTokens
        self.specialMatcher = SpecialTokenMatcher(specials)
        self.maxDigitsPerPiece = maxDigitsPerPiece
    }

    // MARK: - Encoding

    /// Token ids for `text`. With `parseSpecial`, texts of control tokens such as
    /// `<|im_start|>` become those tokens; without it they are tokenized as plain text
    /// (user-defined tokens such as `<tool_call>` are always recognized, as in llama.cpp).
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        var text = text   // withUTF8 may make a bridged string contiguous
        var ids: [Int32] = []
        text.withUTF8 { buffer in
            ids.reserveCapacity(buffer.count / 3 + 1)
            var plainStart = 0
            var position = 0
            while position < buffer.count {
                if let special = specialMatcher.match(in: buffer, at: position, parseControl: parseSpecial) {
                    encodePlain(UnsafeBufferPointer(rebasing: buffer[plainStart..<position]), into: &ids)
                    ids.append(special.id)
                    position += special.length
                    plainStart = position
                } else {
                    position += 1
                }
            }
            encodePlain(UnsafeBufferPointer(rebasing: buffer[plainStart..<buffer.count]), into: &ids)
        }
        return ids
    }

    /// Encodes text that contains no special tokens.
    private func encodePlain(_ utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        guard !utf8.isEmpty else { return }
        for range in PreTokenizer.split(utf8, maxDigits: maxDigitsPerPiece) {
            let piece = Array(UnsafeBufferPointer(rebasing: utf8[range]))
            ids.append(contentsOf: encodePiece(piece))
        }
    }

    private func encodePiece(_ piece: [UInt8]) -> [Int32] {
        if piece.count == 1 { return [byteTokens[Int(piece[0])]] }
        cacheLock.lock()
        let cached = pieceCache[piece]
        cacheLock.unlock()
        if let cached { return cached }

        var symbols = piece.map { byteTokens[Int($0)] }
        merges.apply(to: &symbols)

        cacheLock.lock()
        if pieceCache.count >= Self.pieceCacheLimit { pieceCache.removeAll(keepingCapacity: true) }
        pieceCache[piece] = symbols
        cacheLock.unlock()
        return symbols
    }

    // MARK: - Decoding

    /// The raw bytes token `id` stands for: for normal tokens the bytes behind the byte-level
    /// text, for control and user-defined tokens their text, for unused entries nothing.
    /// Empty for ids outside the vocabulary.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokenBytesTable.count else { return [] }
        if tokenTypes[Int(id)] == .unused { return [] }
        return Array(tokenBytesTable.bytes(of: Int(id)))
    }

    /// Whether `id` is a control token (chat/FIM markers, end of text ...).
    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < tokenTypes.count && tokenTypes[Int(id)] == .control
    }

    /// Decodes ids to text. Bytes that do not form valid UTF-8 (a character cut between
    /// tokens, or garbage ids) become U+FFFD; use `StreamingDetokenizer` to decode while
    /// generating. Control tokens are rendered as their text unless `skipControl`.
    public func decode(_ ids: [Int32], skipControl: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < tokenBytesTable.count && !(skipControl && isControl(id))
            && tokenTypes[Int(id)] != .unused {
            bytes.append(contentsOf: tokenBytesTable.bytes(of: Int(id)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether generation should end after `id` (end of turn, end of text, FIM file switch).
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIds.contains(id) }

    /// The id of the special (control, user-defined or unknown-type) token whose text is
    /// exactly `text`, e.g. "<|im_end|>"; nil for ordinary text.
    public func tokenId(forSpecialText text: String) -> Int32? {
        specialMatcher.id(of: Array(text.utf8))
    }
}
