/// The qwen2 pre-tokenizer: splits text into the pieces BPE runs on, exactly as llama.cpp
/// applies the pattern
///
///     (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
///     | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// The pattern is implemented as a hand-written scanner over Unicode scalars (not a regex
/// engine) because tokenizing whole source files must take milliseconds. Alternatives are
/// tried in order at each position, as in a backtracking regex: the first that matches wins.
/// `\p{L}` / `\p{N}` are the Unicode general categories L* / N*, `\s` is the White_Space
/// property, and `\p{N}` matches a single digit (so numbers become one token per digit).
public enum PreTokenizer {
    /// The classes of scalars the pattern distinguishes.
    enum ScalarClass: UInt8 {
        case letter          // \p{L}
        case number          // \p{N}
        case newline         // \r or \n (also whitespace)
        case space           // U+0020, the only char the optional ` ?` accepts (also whitespace)
        case otherWhitespace // any other White_Space scalar
        case other           // everything else: punctuation, symbols, marks, controls

        var isWhitespace: Bool { self == .newline || self == .space || self == .otherWhitespace }
    }

    /// Splits UTF-8 text (which must be valid UTF-8, as any Swift String is) into pieces,
    /// returned as byte ranges that cover the text without gaps, in order. `maxDigits` is how
    /// many digits one piece may hold (1 for qwen2).
    public static func split(_ utf8: UnsafeBufferPointer<UInt8>, maxDigits: Int = 1) -> [Range<Int>] {
        // Decode once into parallel arrays: class of each scalar and its byte offset
        // (offsets has one extra entry: the end of the text).
        var classes: [ScalarClass] = []
        var offsets: [Int] = []
        classes.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        var i = 0
        while i < utf8.count {
            offsets.append(i)
            let lead = utf8[i]
            if lead < 0x80 {
                classes.append(asciiClass[Int(lead)])
                i += 1
                continue
            }
            let (value, length) = decodeMultiByte(utf8, at: i)
            classes.append(classify(value))
            i += length
        }
        offsets.append(utf8.count)

        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(classes.count / 3 + 1)
        var position = 0
        while position < classes.count {
            let end = matchEnd(at: position, classes: classes, utf8: utf8, offsets: offsets, maxDigits: maxDigits)
            pieces.append(offsets[position]..<offsets[end])
            position = end
        }
        return pieces
    }

    /// Where the pattern's match starting at `start` ends (exclusive scalar index; > start).
    private static func matchEnd(at start: Int, classes: [ScalarClass], utf8: UnsafeBufferPointer<UInt8>,
                                 offsets: [Int], maxDigits: Int) -> Int {
        let count = classes.count
        let first = classes[start]

        // 1. English contractions: '[sS] '[tT] '[rR][eE] '[vV][eE] '[mM] '[lL][lL] '[dD]
        if first == .other, utf8[offsets[start]] == UInt8(ascii: "'"), start + 1 < count {
            let next = asciiLower(utf8[offsets[start + 1]])
            if next == UInt8(ascii: "s") || next == UInt8(ascii: "t") || next == UInt8(ascii: "m")
                || next == UInt8(ascii: "d") {
                return start + 2
            }
            if start + 2 < count {
                let third = asciiLower(utf8[offsets[start + 2]])
                if (next == UInt8(ascii: "r") && third == UInt8(ascii: "e"))
                    || (next == UInt8(ascii: "v") && third == UInt8(ascii: "e"))
                    || (next == UInt8(ascii: "l") && third == UInt8(ascii: "l")) {
                    return start + 3
                }
            }
        }

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+ : a word, optionally with one leading non-letter,
        //    non-digit, non-newline character (usually the space before it).
        if first == .letter {
            return endOfRun(of: .letter, from: start + 1, classes: classes)
        }
        if first != .newline && first != .number && start + 1 < count && classes[start + 1] == .letter {
            return endOfRun(of: .letter, from: start + 2, classes: classes)
        }

        // 3. \p{N} : one digit (\p{N}{1,maxDigits} for patterns such as llama3's).
        if first == .number {
            var end = start + 1
            while end < count && end - start < maxDigits && classes[end] == .number { end += 1 }
            return end
        }

        // 4. ` ?[^\s\p{L}\p{N}]+[\r\n]*` : punctuation/symbol run, optionally after one space,
        //    swallowing the line breaks that follow it.
        var symbolsStart = -1
        if first == .other {
            symbolsStart = start
        } else if first == .space && start + 1 < count && classes[start + 1] == .other {
            symbolsStart = start + 1
        }
        if symbolsStart >= 0 {
            let symbolsEnd = endOfRun(of: .other, from: symbolsStart + 1, classes: classes)
            return endOfRun(of: .newline, from: symbolsEnd, classes: classes)
        }

        // Only whitespace is left: first is whitespace here.
        var runEnd = start + 1
        var lastNewline = first == .newline ? start : -1
        while runEnd < count && classes[runEnd].isWhitespace {
            if classes[runEnd] == .newline { lastNewline = runEnd }
            runEnd += 1
        }
        // 5. \s*[\r\n]+ : whitespace up to and including the last line break of the run.
        if lastNewline >= 0 { return lastNewline + 1 }
        // 6. \s+(?!\S) : the run up to the end of text, or all but its last character (which
        //    then belongs to the next word, as in " x" after "   ").
        if runEnd == count { return runEnd }
        if runEnd - start >= 2 { return runEnd - 1 }
        // 7. \s+ : a single whitespace character before a non-space.
        return runEnd
    }

    private static func endOfRun(of kind: ScalarClass, from index: Int, classes: [ScalarClass]) -> Int {
        var end = index
        while end < classes.count && classes[end] == kind { end += 1 }
        return end
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }

    /// Decodes the scalar whose multi-byte UTF-8 sequence starts at `index` (valid UTF-8).
    private static func decodeMultiByte(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
        let lead = UInt32(utf8[index])
        func continuation(_ k: Int) -> UInt32 {
            index + k < utf8.count ? UInt32(utf8[index + k] & 0x3F) : 0
        }
        if lead >= 0xF0 {
            return (((lead & 0x07) << 18) | (continuation(1) << 12) | (continuation(2) << 6) | continuation(3), 4)
        } else if lead >= 0xE0 {
            return (((lead & 0x0F) << 12) | (continuation(1) << 6) | continuation(2), 3)
        } else {
            return (((lead & 0x1F) << 6) | continuation(1), 2)
        }
    }

    static func classify(_ value: UInt32) -> ScalarClass {
        if value < 0x80 { return asciiClass[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        let properties = scalar.properties
        if properties.isWhitespace { return .otherWhitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    private static let asciiClass: [ScalarClass] = (0..<128).map { (value: Int) -> ScalarClass in
        switch value {
        case 0x0A, 0x0D: return .newline
        case 0x20: return .space
        case 0x09, 0x0B, 0x0C: return .otherWhitespace
        case 0x30...0x39: return .number
        case 0x41...0x5A, 0x61...0x7A: return .letter
        default: return .other
        }
    }
}
