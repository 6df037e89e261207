/// Byte-pair merges keyed by the pair of token ids, and the merge loop.
///
/// Keying by ids (not strings) means the merge loop never builds strings: a piece starts as
/// one token per byte and each step replaces the lowest-ranked adjacent pair by its merged
/// token, until no adjacent pair has a merge.
public struct BPEMerges: Sendable {
    public struct Rule: Sendable {
        /// Priority: a lower rank merges first (the merge's line number in the merges list).
        public var rank: Int32
        public var merged: Int32
    }

    private var rules: [UInt64: Rule] = [:]

    public init(capacity: Int) { rules.reserveCapacity(capacity) }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Adds a merge unless the pair already has one (the first, lowest-ranked entry wins).
    public mutating func add(left: Int32, right: Int32, merged: Int32, rank: Int32) {
        let k = Self.key(left, right)
        if rules[k] == nil { rules[k] = Rule(rank: rank, merged: merged) }
    }

    public func rule(_ left: Int32, _ right: Int32) -> Rule? { rules[Self.key(left, right)] }

    public var count: Int { rules.count }

    /// Pieces longer than this use the heap-based merge loop; shorter ones the simple scan,
    /// which is faster for the few-byte pieces that make up ordinary text.
    public static let heapThreshold = 48

    /// Runs BPE over `symbols` (initially one token per byte) in place: repeatedly merges
    /// the adjacent pair with the lowest rank, leftmost first among equal ranks.
    public func apply(to symbols: inout [Int32]) {
        if symbols.count > Self.heapThreshold {
            applyWithHeap(to: &symbols)
        } else {
            applyWithScan(to: &symbols)
        }
    }

    /// O(n²) merge loop: rescans the pair ranks for the minimum after each merge.
    public func applyWithScan(to symbols: inout [Int32]) {
        guard symbols.count >= 2 else { return }
        let none = Int32.max
        // pairRanks[i] is the rank of (symbols[i], symbols[i+1]), or `none`.
        var pairRanks = [Int32](repeating: none, count: symbols.count - 1)
        for i in 0..<pairRanks.count {
            pairRanks[i] = rule(symbols[i], symbols[i + 1])?.rank ?? none
        }
        while true {
            var best = -1
            var bestRank = none
            for i in 0..<pairRanks.count where pairRanks[i] < bestRank {
                bestRank = pairRanks[i]
                best = i
            }
            guard best >= 0, let merge = rule(symbols[best], symbols[best + 1]) else { return }
            symbols[best] = merge.merged
            symbols.remove(at: best + 1)
            pairRanks.remove(at: best)
            if best > 0 {
                pairRanks[best - 1] = rule(symbols[best - 1], symbols[best])?.rank ?? none
            }
            if best < pairRanks.count {
                pairRanks[best] = rule(symbols[best], symbols[best + 1])?.rank ?? none
            }
        }
    }

    /// O(n log n) merge loop for long pieces (a 100 KB run of '=' or spaces is one piece):
    /// symbols form a linked list and candidate pairs wait in a min-heap ordered by
    /// (rank, position). Entries made stale by an earlier merge are skipped when popped.
    public func applyWithHeap(to symbols: inout [Int32]) {
        let count = symbols.count
        guard count >= 2 else { return }
        var next = [Int](0..<count).map { $0 + 1 }      // count means "none"
        var previous = [Int](0..<count).map { $0 - 1 }  // -1 means "none"
        var alive = [Bool](repeating: true, count: count)
        var heap = PairHeap()
        for i in 0..<(count - 1) {
            if let rule = rule(symbols[i], symbols[i + 1]) {
                heap.push(PairHeap.Entry(rank: rule.rank, left: i, leftId: symbols[i], rightId: symbols[i + 1]))
            }
        }
        while let entry = heap.pop() {
            let left = entry.left
            let right = next[left]
            // Stale: one side was merged away or changed since this pair was queued.
            guard alive[left], right < count, symbols[left] == entry.leftId, symbols[right] == entry.rightId,
                  let rule = rule(entry.leftId, entry.rightId) else { continue }
            symbols[left] = rule.merged
            alive[right] = false
            next[left] = next[right]
            if next[right] < count { previous[next[right]] = left }
            let before = previous[left]
            if before >= 0, let r = self.rule(symbols[before], symbols[left]) {
                heap.push(PairHeap.Entry(rank: r.rank, left: before, leftId: symbols[before], rightId: symbols[left]))
            }
            let after = next[left]
            if after < count, let r = self.rule(symbols[left], symbols[after]) {
                heap.push(PairHeap.Entry(rank: r.rank, left: left, leftId: symbols[left], rightId: symbols[after]))
            }
        }
        var merged: [Int32] = []
        merged.reserveCapacity(count)
        var i = 0
        while i < count {
            merged.append(symbols[i])
            i = next[i]
        }
        symbols = merged
    }
}

/// A binary min-heap of candidate merges ordered by rank, then by position.
private struct PairHeap {
    struct Entry {
        var rank: Int32
        var left: Int
        var leftId: Int32
        var rightId: Int32

        func precedes(_ other: Entry) -> Bool {
            rank != other.rank ? rank < other.rank : left < other.left
        }
    }

    private var entries: [Entry] = []

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < entries.count && entries[left].precedes(entries[best]) { best = left }
                if right < entries.count && entries[right].precedes(entries[best]) { best = right }
                if best == parent { break }
                entries.swapAt(parent, best)
                parent = best
            }
        }
        return top
    }
}

extension BPEMerges {
    /// Parses GGUF merge lines ("left right" in the byte-level alphabet, highest priority
    /// first) into id-keyed rules, looking tokens up by their raw bytes in `vocabulary`.
    /// Throws naming the entry when a line is malformed or names an unknown token.
    init(lines: [String], vocabulary: TokenByteTable, source: String) throws {
        self.init(capacity: lines.count)
        var left: [UInt8] = [], right: [UInt8] = []
        for (rank, line) in lines.enumerated() {
            var line = line
            let split = line.withUTF8 { utf8 -> Bool in
                // Split at the first space after the first byte: token texts never hold a
                // real space (it is written "Ġ"), but a lone " " could be the left token.
                guard utf8.count >= 3, let space = utf8[1...].firstIndex(of: 0x20) else { return false }
                left.removeAll(keepingCapacity: true)
                right.removeAll(keepingCapacity: true)
                ByteLevel.decode(utf8: UnsafeBufferPointer(rebasing: utf8[..<space]), into: &left)
                ByteLevel.decode(utf8: UnsafeBufferPointer(rebasing: utf8[(space + 1)...]), into: &right)
                return true
            }
            guard split else {
                throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.merges",
                                                 reason: "entry \(rank) '\(line)' is not two tokens separated by a space")
            }
            guard let leftId = vocabulary.id(of: left), let rightId = vocabulary.id(of: right),
                  let mergedId = vocabulary.id(of: left + right) else {
                let missing = vocabulary.id(of: left) == nil ? left : (vocabulary.id(of: right) == nil ? right : left + right)
                throw InferenceError.badMetadata(path: source, key: "tokenizer.ggml.merges",
                                                 reason: "entry \(rank) '\(line)': '\(ByteLevel.encode(missing))' is not in the vocabulary")
            }
            add(left: leftId, right: rightId, merged: mergedId, rank: Int32(rank))
        }
    }
}
