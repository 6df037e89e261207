import Foundation

/// Keeps the SEARCH part of SEARCH/REPLACE blocks copyable while the model writes it: inside a
/// SEARCH part, a token is allowed only if the text so far stays a copy of whole lines of one
/// of the shown texts (a file or a region), or ends those lines and starts the `=======`
/// divider. Outside SEARCH parts everything is allowed. So a SEARCH that cannot match is never
/// generated (on backends that run the constraint; the matching cascade still checks after).
///
/// It is called many times per token, so it keeps the positions where the current SEARCH text
/// matches and only extends them.
public final class SearchConstraint: @unchecked Sendable {
    private let texts: [[UInt8]]
    private static let marker = Array("SEARCH\n".utf8)
    private static let divider = Array("=======".utf8)

    // The SEARCH text last seen and where it matches: (text index, start offset).
    private var cachedSearch: [UInt8] = []
    private var positions: [(Int, Int)] = []
    private let lock = NSLock()

    /// `texts`: what the prompt showed of each file, with "\n" line ends.
    public init(texts: [String]) {
        self.texts = texts.map { Array($0.replacingOccurrences(of: "\r\n", with: "\n").utf8) }
        positions = Self.lineStarts(self.texts)
    }

    public var decodingConstraint: DecodingConstraint {
        DecodingConstraint { [self] generated, candidate in accepts(generated: generated, candidate: candidate) }
    }

    /// Whether `candidate` may follow `generated`.
    public func accepts(generated: [UInt8], candidate: [UInt8]) -> Bool {
        guard let searchStart = Self.openSearchStart(generated) else { return true }
        lock.lock()
        defer { lock.unlock() }
        let search = Array(generated[searchStart...])
        let matches = matchPositions(for: search)
        if candidate.isEmpty { return false }   // no end of turn inside a SEARCH
        if matches.isEmpty { return true }       // already off the file (the constraint was not run): do not trap the model
        for (text, start) in matches {
            let bytes = texts[text]
            let offset = start + search.count
            if Self.continues(bytes, at: offset, with: candidate) { return true }
            // The divider may start once the copied lines end (search empty or ending with "\n").
            if search.isEmpty || search.last == UInt8(ascii: "\n"), offset == 0 || bytes[offset - 1] == UInt8(ascii: "\n") {
                if Self.dividerPrefix(candidate) { return true }
            }
            // A candidate that finishes the copied line, then starts the divider ("\n===").
            if let newline = candidate.firstIndex(of: UInt8(ascii: "\n")) {
                let head = Array(candidate[...newline]), rest = Array(candidate[(newline + 1)...])
                if Self.continues(bytes, at: offset, with: head), Self.dividerPrefix(rest) { return true }
            }
        }
        return false
    }

    /// Where the text of the last SEARCH part starts, if it is still open (no divider after it).
    static func openSearchStart(_ bytes: [UInt8]) -> Int? {
        guard let markerEnd = lastMarkerEnd(bytes) else { return nil }
        // A divider line after the marker closes the SEARCH part.
        var lineStart = markerEnd
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            if line.count >= 5, line.allSatisfy({ $0 == UInt8(ascii: "=") }), lineEnd < bytes.count { return nil }
            lineStart = lineEnd + 1
        }
        return markerEnd
    }

    /// The end of the last `<<<<<<< SEARCH\n` line (5 to 9 '<').
    static func lastMarkerEnd(_ bytes: [UInt8]) -> Int? {
        var i = bytes.count - marker.count
        while i >= 0 {
            if bytes[i..<(i + marker.count)].elementsEqual(marker) {
                var j = i - 1
                while j >= 0, bytes[j] == UInt8(ascii: " ") { j -= 1 }
                var lts = 0
                while j >= 0, bytes[j] == UInt8(ascii: "<") { lts += 1; j -= 1 }
                if (5...9).contains(lts), j < 0 || bytes[j] == UInt8(ascii: "\n") { return i + marker.count }
            }
            i -= 1
        }
        return nil
    }

    private func matchPositions(for search: [UInt8]) -> [(Int, Int)] {
        if !search.starts(with: cachedSearch) || search.count < cachedSearch.count {
            cachedSearch = []
            positions = Self.lineStarts(texts)
        }
        let added = search[cachedSearch.count...]
        if !added.isEmpty {
            let base = cachedSearch.count
            positions = positions.filter { text, start in Self.continues(texts[text], at: start + base, with: Array(added)) }
            cachedSearch = search
        }
        return positions
    }

    private static func continues(_ bytes: [UInt8], at offset: Int, with piece: [UInt8]) -> Bool {
        offset + piece.count <= bytes.count && bytes[offset..<(offset + piece.count)].elementsEqual(piece)
    }

    private static func dividerPrefix(_ piece: [UInt8]) -> Bool {
        guard let first = piece.first, first == UInt8(ascii: "=") else { return false }
        return piece.allSatisfy { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\n") }
    }

    private static func lineStarts(_ texts: [[UInt8]]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        for (index, bytes) in texts.enumerated() {
            result.append((index, 0))
            for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") && offset + 1 < bytes.count {
                result.append((index, offset + 1))
            }
        }
        return result
    }
}
