/// Holds back generated text that could be the beginning of a stop string, so a caller that
/// streams text never prints part of a stop string it will later cut off.
///
/// Matching works on Unicode scalars, not Swift `Character`s: a stop string "\n```" must
/// match after a "\r" even though "\r\n" is a single `Character`.
public struct StopStringMatcher {
    public let stopStrings: [String]
    private let stops: [[Unicode.Scalar]]
    private var held: [Unicode.Scalar] = []

    public init(stopStrings: [String]) {
        self.stopStrings = stopStrings.filter { !$0.isEmpty }
        stops = self.stopStrings.map { Array($0.unicodeScalars) }
    }

    public enum Outcome: Equatable {
        /// Text that is safe to emit (possibly empty: everything is held back).
        case text(String)
        /// A stop string was found: `text` is what precedes it (to emit); generation ends.
        case stopped(text: String, stopString: String)
    }

    /// Adds newly generated text.
    public mutating func feed(_ text: String) -> Outcome {
        held.append(contentsOf: text.unicodeScalars)
        // The earliest occurrence of any stop string wins (the first listed among equals).
        var earliest: (start: Int, stop: Int)?
        for (index, stop) in stops.enumerated() {
            if let start = Self.firstOccurrence(of: stop, in: held), start < (earliest?.start ?? Int.max) {
                earliest = (start, index)
            }
        }
        if let earliest {
            let before = Self.string(held[..<earliest.start])
            held.removeAll()
            return .stopped(text: before, stopString: stopStrings[earliest.stop])
        }
        // Keep the longest suffix of `held` that is a proper prefix of some stop string.
        let keep = longestSuffixThatStartsAStopString()
        let emitted = Self.string(held[..<(held.count - keep)])
        held.removeFirst(held.count - keep)
        return .text(emitted)
    }

    /// Ends the stream: returns the text still held back (it did not become a stop string).
    public mutating func finish() -> String {
        defer { held.removeAll() }
        return Self.string(held[...])
    }

    private func longestSuffixThatStartsAStopString() -> Int {
        var best = 0
        for stop in stops {
            let longest = min(stop.count - 1, held.count)
            var length = longest
            while length > best {
                if held[(held.count - length)...].elementsEqual(stop[..<length]) {
                    best = length
                    break
                }
                length -= 1
            }
        }
        return best
    }

    private static func firstOccurrence(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
