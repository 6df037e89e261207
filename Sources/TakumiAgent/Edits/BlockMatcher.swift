import Foundation

/// Finds where a SEARCH block's lines are in a file, through an explicit, ordered cascade of
/// ever more tolerant comparisons:
///
/// 1. `exact`              lines equal
/// 2. `trailingWhitespace` lines equal after removing trailing spaces/tabs
/// 3. `indentation`        lines equal after removing leading and trailing whitespace
///                         (the replacement is re-indented by the same offset)
/// 4. `unicodePunctuation` as 3, with typographic quotes, dashes, ellipsis and non-breaking
///                         spaces folded to ASCII
///
/// The first stage with any match decides: one match is used, several are refused as
/// ambiguous (a more tolerant stage is never consulted to break the tie). There is no
/// "closest match": if no stage matches, the block does not apply.
public enum MatchStage: String, CaseIterable, Sendable, Codable {
    case exact, trailingWhitespace, indentation, unicodePunctuation

    func normalize(_ line: String) -> String {
        switch self {
        case .exact: return line
        case .trailingWhitespace: return BlockMatcher.trimTrailing(line)
        case .indentation: return line.trimmingCharacters(in: .whitespaces)
        case .unicodePunctuation: return BlockMatcher.foldPunctuation(line).trimmingCharacters(in: .whitespaces)
        }
    }
}

public struct BlockMatch: Equatable, Sendable {
    /// Matched lines of the file.
    public var range: Range<Int>
    public var stage: MatchStage
    public init(range: Range<Int>, stage: MatchStage) {
        self.range = range
        self.stage = stage
    }
}

public enum BlockMatchOutcome: Equatable, Sendable {
    case found(BlockMatch)
    /// Starting line indexes (0-based) of every match at the first stage that matched.
    case ambiguous(stage: MatchStage, starts: [Int])
    case notFound
}

public enum BlockMatcher {
    public static func find(_ search: [String], in lines: [String]) -> BlockMatchOutcome {
        guard !search.isEmpty, search.count <= lines.count else { return .notFound }
        for stage in MatchStage.allCases {
            let needle = search.map(stage.normalize)
            let hay = lines.map(stage.normalize)
            var starts: [Int] = []
            for start in 0...(hay.count - needle.count) where hay[start] == needle[0] {
                if Array(hay[start..<(start + needle.count)]) == needle { starts.append(start) }
            }
            if starts.count == 1 {
                return .found(BlockMatch(range: starts[0]..<(starts[0] + search.count), stage: stage))
            }
            if starts.count > 1 { return .ambiguous(stage: stage, starts: starts) }
        }
        return .notFound
    }

    /// Re-indents `replace` for a match found by ignoring indentation: the indentation of the
    /// first non-blank SEARCH line is swapped for the matched file line's indentation on every
    /// replacement line that starts with it. Exact and trailing-whitespace matches are unchanged.
    public static func adjustIndentation(replace: [String], search: [String], matched: ArraySlice<String>, stage: MatchStage) -> [String] {
        guard stage == .indentation || stage == .unicodePunctuation else { return replace }
        guard let k = search.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return replace }
        let searchIndent = leadingWhitespace(search[k])
        let fileIndent = leadingWhitespace(matched[matched.startIndex + k])
        guard searchIndent != fileIndent else { return replace }
        return replace.map { line in
            if line.trimmingCharacters(in: .whitespaces).isEmpty { return line }
            if line.hasPrefix(searchIndent) { return fileIndent + line.dropFirst(searchIndent.count) }
            return line
        }
    }

    static func leadingWhitespace(_ s: String) -> String {
        String(s.prefix(while: { $0 == " " || $0 == "\t" }))
    }

    static func trimTrailing(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    /// Typographic punctuation small models (and word processors) substitute for ASCII.
    public static func foldPunctuation(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\u{2018}", "\u{2019}", "\u{201A}", "\u{201B}", "\u{2032}", "\u{FF07}": out += "'"
            case "\u{201C}", "\u{201D}", "\u{201E}", "\u{201F}", "\u{2033}", "\u{FF02}": out += "\""
            case "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}": out += "-"
            case "\u{2026}": out += "..."
            case "\u{00A0}", "\u{2007}", "\u{202F}", "\u{3000}": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
