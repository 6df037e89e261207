import Foundation

/// Splitting text into search terms, shared by queries and documents so they hash alike.
///
/// A term is an identifier-like word lowercased (`parseConfig` → `parseconfig`), plus, for
/// compound words, each camelCase / snake_case part (`parse`, `config`). Documents are scanned
/// as raw bytes and terms are identified by a 64-bit FNV-1a hash of their lowercased bytes,
/// so scanning never allocates (50,000 files must be scanned in well under a second).
public enum Terms {
    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// English filler and instruction verbs that say nothing about which file is meant.
    public static let stopwords: Set<String> = [
        "a", "an", "the", "to", "in", "of", "and", "or", "for", "with", "on", "at", "by", "from",
        "is", "are", "be", "it", "its", "this", "that", "these", "those", "as", "into", "so", "if",
        "when", "then", "than", "not", "no", "do", "does", "should", "must", "can", "could", "would",
        "please", "make", "fix", "change", "update", "implement", "support", "handle", "ensure",
        "also", "need", "needs", "we", "i", "you", "our", "my", "me", "us", "there", "which", "what",
        "instead", "using", "use", "via", "all", "any", "some", "each", "every", "one", "but",
        "just", "only", "like", "has", "have", "was", "were", "will", "way", "file", "files", "code",
        "function", "method", "class", "new", "add", "so", "s", "t",
    ]

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte >= 0x80
    }
    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    @inline(__always) static func lowered(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    @inline(__always) static func mix(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* fnvPrime
    }

    public static func hash(_ term: String) -> UInt64 {
        var value = fnvOffset
        for byte in term.utf8 { value = mix(value, lowered(byte)) }
        return value
    }

    /// Scans `bytes`, calling `emit` with the hash of every term (whole words and the parts of
    /// compound words). Returns the number of whole words (the document length for BM25).
    @inline(__always)
    public static func scan(_ bytes: UnsafeRawBufferPointer, _ emit: (UInt64) -> Void) -> Int {
        var words = 0
        var index = 0
        let count = bytes.count
        while index < count {
            var byte = bytes[index]
            if !isWordByte(byte) { index += 1; continue }
            // A word starts here.
            var whole = fnvOffset
            var part = fnvOffset
            var partLength = 0
            var split = false
            var previous: UInt8 = 0
            while index < count {
                byte = bytes[index]
                guard isWordByte(byte) else { break }
                // A part boundary: "_", lower→Upper ("parseConfig"), or the last capital of a
                // capital run followed by a lowercase letter ("HTTPServer" → HTTP | Server).
                var boundary = false
                if byte == 0x5F {
                    boundary = true
                } else if isUpper(byte) && isLower(previous) {
                    boundary = true
                } else if isUpper(byte) && isUpper(previous) && index + 1 < count && isLower(bytes[index + 1]) {
                    boundary = true
                }
                if boundary && partLength > 0 {
                    emit(part)
                    split = true
                    part = fnvOffset
                    partLength = 0
                } else if byte == 0x5F {
                    split = true
                }
                whole = mix(whole, lowered(byte))
                if byte != 0x5F {
                    part = mix(part, lowered(byte))
                    partLength += 1
                }
                previous = byte
                index += 1
            }
            if split && partLength > 0 { emit(part) }
            emit(whole)
            words += 1
        }
        return words
    }

    /// The distinct terms of a query (lowercased), stopwords and 1-letter words removed.
    public static func queryTerms(_ text: String) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for word in identifierWords(text) {
            for term in [word.lowercased()] + parts(of: word).map({ $0.lowercased() }) {
                if term.count < 2 || stopwords.contains(term) || term.allSatisfy(\.isNumber) { continue }
                // Plurals in prose ("tokens") should find singular identifiers ("token").
                for variant in [term] + singulars(of: term) where seen.insert(variant).inserted {
                    result.append(variant)
                }
            }
        }
        return result
    }

    /// Singular forms of an English plural ("entries" → "entry", "boxes" → "boxe", "box").
    public static func singulars(of term: String) -> [String] {
        guard term.count > 3, term.last == "s", !term.hasSuffix("ss"), term.allSatisfy(\.isLetter) else { return [] }
        if term.hasSuffix("ies"), term.count > 4 { return [String(term.dropLast(3)) + "y"] }
        if term.hasSuffix("es"), term.count > 4 { return [String(term.dropLast(1)), String(term.dropLast(2))] }
        return [String(term.dropLast())]
    }

    /// Identifier-like words of `text` in their original case (`parse_config`, `HTTPServer`).
    public static func identifierWords(_ text: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if isWordByte(byte) { current.append(byte) } else if !current.isEmpty {
                words.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// The identifiers of `text` that are written as code somewhere in it: compound
    /// (snake_case, camelCase, with digits), called (`name(`), dotted (`mod.name`) or quoted
    /// in backticks. In "take_nth skips the first element", `take_nth` is code and `first`
    /// is English; a function called `first` is then only weakly named.
    public static func codeIdentifiers(_ text: String) -> Set<String> {
        let bytes = Array(text.utf8)
        // ASCII only: Japanese text runs straight into identifiers ("first()に", "keyが").
        func isWordByte(_ byte: UInt8) -> Bool { byte < 0x80 && Terms.isWordByte(byte) }
        var result = Set<String>()
        var start = 0
        var i = 0
        while i <= bytes.count {
            if i < bytes.count, isWordByte(bytes[i]) { i += 1; continue }
            if i > start {
                let word = bytes[start..<i]
                let before: UInt8 = start > 0 ? bytes[start - 1] : 0
                let after: UInt8 = i < bytes.count ? bytes[i] : 0
                let compound = word.contains(0x5F) || word.dropFirst().contains(where: isUpper)
                    || (word.contains { $0 >= 0x30 && $0 <= 0x39 } && !word.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
                let written = after == 0x28 || before == 0x2E || (after == 0x2E && i + 1 < bytes.count && isWordByte(bytes[i + 1]))
                    || before == 0x60
                if compound || written { result.insert(String(decoding: word, as: UTF8.self)) }
            }
            i += 1
            start = i
        }
        return result
    }

    /// camelCase / snake_case parts of a word (empty when it is not compound).
    public static func parts(of word: String) -> [String] {
        var parts: [String] = []
        let data = Array(word.utf8)
        data.withUnsafeBytes { buffer in
            var current: [UInt8] = []
            var previous: UInt8 = 0
            for (index, byte) in buffer.enumerated() {
                let boundary = byte == 0x5F || (isUpper(byte) && isLower(previous))
                    || (isUpper(byte) && isUpper(previous) && index + 1 < buffer.count && isLower(buffer[index + 1]))
                if boundary && !current.isEmpty {
                    parts.append(String(decoding: current, as: UTF8.self))
                    current.removeAll()
                }
                if byte != 0x5F { current.append(byte) }
                previous = byte
            }
            if !current.isEmpty { parts.append(String(decoding: current, as: UTF8.self)) }
        }
        return parts.count > 1 ? parts : []
    }
}
