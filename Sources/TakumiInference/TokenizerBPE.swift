/// Byte-pair merges keyed by the pair of token ids, and the merge loop.
///
/// Keying by ids (not strings) means the merge loop never builds strings: a piece starts as
/// one token per byte and each step replaces the lowest-ranked adjacent pair by its merged
/// token, until no adjacent pair has a merge.
struct BPEMerges: Sendable {
    struct Rule: Sendable {
        /// Priority: a lower rank merges first (the merge's line number in the merges list).
        var rank: Int32
        var merged: Int32
    }

    private var rules: [UInt64: Rule] = [:]

    init(capacity: Int) { rules.reserveCapacity(capacity) }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Adds a merge unless the pair already has one (the first, lowest-ranked entry wins).
    mutating func add(left: Int32, right: Int32, merged: Int32, rank: Int32) {
        let k = Self.key(left, right)
        if rules[k] == nil { rules[k] = Rule(rank: rank, merged: merged) }
    }

    func rule(_ left: Int32, _ right: Int32) -> Rule? { rules[Self.key(left, right)] }

    var count: Int { rules.count }

    /// Runs BPE over `symbols` (initially one token per byte) in place: repeatedly merges
    /// the adjacent pair with the lowest rank, leftmost first among equal ranks.
    func apply(to symbols: inout [Int32]) {
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
}
