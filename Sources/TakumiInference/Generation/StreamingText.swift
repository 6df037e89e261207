/// Collects token bytes and releases only whole UTF-8 characters, so streamed text never
/// shows half a character (a token may end in the middle of a multi-byte sequence).
struct UTF8StreamAssembler {
    private var pending: [UInt8] = []

    /// Adds `bytes` and returns the bytes of every complete character now available.
    /// Malformed sequences are released as they are (decoding turns them into U+FFFD).
    mutating func append(_ bytes: [UInt8]) -> [UInt8] {
        pending.append(contentsOf: bytes)
        let cut = completePrefixLength(pending)
        let out = Array(pending[..<cut])
        pending.removeSubrange(..<cut)
        return out
    }

    /// Whatever is still held back (an unfinished character at the very end).
    mutating func flush() -> [UInt8] {
        defer { pending.removeAll() }
        return pending
    }

    /// Length of the longest prefix that does not end inside an unfinished sequence.
    private func completePrefixLength(_ b: [UInt8]) -> Int {
        // Look back at most 3 bytes for the lead byte of the last sequence.
        var i = b.count - 1
        var continuation = 0
        while i >= 0, continuation < 3, b[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return b.count }
        let lead = b[i]
        let needed: Int
        if lead & 0x80 == 0 { needed = 1 }
        else if lead & 0xE0 == 0xC0 { needed = 2 }
        else if lead & 0xF0 == 0xE0 { needed = 3 }
        else if lead & 0xF8 == 0xF0 { needed = 4 }
        else { return b.count } // not a lead byte: malformed, release it
        let have = continuation + 1
        return have < needed ? i : b.count
    }
}

/// Finds stop strings in generated text and decides how much text is safe to stream:
/// text that might be the beginning of a stop string is held back until it is not.
struct StopStringHoldback {
    private let stops: [[UInt8]]
    private(set) var text: [UInt8] = []
    private(set) var emitted = 0

    init(_ stopStrings: [String]) {
        stops = stopStrings.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    enum Step: Equatable {
        /// Text safe to show now (maybe empty).
        case emit([UInt8])
        /// A stop string was found: the remaining text before it; generation ends.
        case stop([UInt8])
    }

    mutating func append(_ bytes: [UInt8]) -> Step {
        text.append(contentsOf: bytes)
        // A new match can only start where it could still overlap the unemitted text.
        let longest = stops.map(\.count).max() ?? 0
        let searchFrom = max(0, emitted - longest + 1)
        var firstMatch: Int?
        for stop in stops {
            if let at = find(stop, from: searchFrom) { firstMatch = min(firstMatch ?? at, at) }
        }
        if let at = firstMatch {
            let out = at > emitted ? Array(text[emitted..<at]) : []
            emitted = max(emitted, at)
            text.removeSubrange(at...)
            return .stop(out)
        }
        // Hold back the longest suffix that is a proper prefix of some stop string.
        var hold = 0
        for stop in stops {
            var k = min(stop.count - 1, text.count)
            while k > hold {
                if text.suffix(k).elementsEqual(stop.prefix(k)) { hold = k; break }
                k -= 1
            }
        }
        let safeEnd = max(emitted, text.count - hold)
        let out = Array(text[emitted..<safeEnd])
        emitted = safeEnd
        return .emit(out)
    }

    /// At the end of generation, everything held back is released.
    mutating func finish() -> [UInt8] {
        defer { emitted = text.count }
        return Array(text[emitted...])
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard needle.count <= text.count else { return nil }
        var i = start
        while i + needle.count <= text.count {
            if text[i] == needle[0], text[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
