/// Turns generated token ids into text while generating, emitting only whole UTF-8
/// characters: a character split across tokens (common for CJK and emoji, whose bytes are
/// merged separately) is held back until its last byte arrives.
///
/// Bytes that can never become valid UTF-8 (a stray continuation byte, a lead byte followed
/// by a non-continuation) are emitted as U+FFFD right away, so one bad token cannot stall
/// the stream; `finish()` flushes an incomplete tail the same way.
public struct StreamingDetokenizer {
    private let tokenizer: Tokenizer
    private let skipControl: Bool
    private var pending: [UInt8] = []

    /// - Parameter skipControl: drop control tokens (`<|im_end|>` ...) instead of rendering
    ///   their text.
    public init(tokenizer: Tokenizer, skipControl: Bool = true) {
        self.tokenizer = tokenizer
        self.skipControl = skipControl
    }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func feed(_ id: Int32) -> String {
        if skipControl && tokenizer.isControl(id) { return "" }
        return feed(bytes: tokenizer.tokenBytes(id))
    }

    /// Adds raw bytes; returns the text that is now complete (possibly empty).
    public mutating func feed(bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Bytes held back waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// Ends the stream: returns whatever is held back (an incomplete character becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes can be decoded now: everything except an incomplete but still
    /// valid-so-far sequence at the very end.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        // A character is at most 4 bytes, so only the last 3 bytes can start an unfinished one.
        var start = count - 1
        let lowest = max(0, count - 3)
        while start >= lowest {
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {
                // `byte` starts a sequence (or is ASCII / invalid): is it complete?
                let needed = sequenceLength(lead: byte)
                if needed == 0 { return count }                   // invalid lead: emit as U+FFFD
                if count - start >= needed { return count }       // complete
                // Incomplete: hold it back only if what is there is still a valid prefix.
                for k in (start + 1)..<count where !isValidContinuation(bytes[k], position: k - start, lead: byte) {
                    return count
                }
                return start
            }
            start -= 1
        }
        return count
    }

    /// The length of the sequence `lead` starts, or 0 when it cannot start one.
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    /// Whether `byte` may be the `position`-th byte (1-based after the lead) of a sequence
    /// started by `lead`, including the tighter second-byte ranges that exclude overlong
    /// forms and surrogates.
    private static func isValidContinuation(_ byte: UInt8, position: Int, lead: UInt8) -> Bool {
        guard byte & 0xC0 == 0x80 else { return false }
        guard position == 1 else { return true }
        switch lead {
        case 0xE0: return byte >= 0xA0
        case 0xED: return byte <= 0x9F
        case 0xF0: return byte >= 0x90
        case 0xF4: return byte <= 0x8F
        default: return true
        }
    }
}
