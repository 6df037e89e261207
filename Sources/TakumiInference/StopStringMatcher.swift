/// Holds back generated text that could be the beginning of a stop string, so a caller that
/// streams text never prints part of a stop string it will later cut off.
public struct StopStringMatcher {
    public let stopStrings: [String]
    private var held = ""

    public init(stopStrings: [String]) {
        self.stopStrings = stopStrings.filter { !$0.isEmpty }
    }

    public enum Outcome: Equatable {
        /// Text that is safe to emit (possibly empty: everything is held back).
        case text(String)
        /// A stop string was found: `text` is what precedes it (to emit); generation ends.
        case stopped(text: String, stopString: String)
    }

    /// Adds newly generated text.
    public mutating func feed(_ text: String) -> Outcome {
        held += text
        // The earliest stop string occurrence wins.
        var earliest: (range: Range<String.Index>, stop: String)?
        for stop in stopStrings {
            if let range = held.range(of: stop), earliest.map({ range.lowerBound < $0.range.lowerBound }) ?? true {
                earliest = (range, stop)
            }
        }
        if let earliest {
            let before = String(held[..<earliest.range.lowerBound])
            held = ""
            return .stopped(text: before, stopString: earliest.stop)
        }
        // Keep the longest suffix of `held` that is a proper prefix of some stop string.
        let keep = longestSuffixThatStartsAStopString()
        let emitEnd = held.index(held.endIndex, offsetBy: -keep)
        let emitted = String(held[..<emitEnd])
        held = String(held[emitEnd...])
        return .text(emitted)
    }

    /// Ends the stream: returns the text still held back (it did not become a stop string).
    public mutating func finish() -> String {
        defer { held = "" }
        return held
    }

    private func longestSuffixThatStartsAStopString() -> Int {
        var best = 0
        let characters = Array(held)
        for stop in stopStrings {
            let stopCharacters = Array(stop)
            let maxLength = min(stopCharacters.count - 1, characters.count)
            guard maxLength > best else { continue }
            for length in stride(from: maxLength, to: best, by: -1)
            where Array(characters[(characters.count - length)...]) == Array(stopCharacters[..<length]) {
                best = length
                break
            }
        }
        return best
    }
}
