/// An open-addressing hash table from a pair of token ids to a merge rule.
///
/// The BPE loop looks pairs up millions of times and a model load inserts 151,387 merges;
/// a flat table with a multiplicative hash and linear probing avoids `Dictionary`'s SipHash
/// and indirections (about twice as fast here). Grows by doubling at 50 % load.
struct TokenPairTable: Sendable {
    /// Keys are `left << 32 | right` of non-negative ids, so all-ones never occurs.
    private static let emptyKey = UInt64.max

    private var keys: [UInt64]
    private var values: [BPEMerges.Rule]
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int) {
        var slots = 16
        while slots < capacity * 2 { slots *= 2 }
        keys = [UInt64](repeating: Self.emptyKey, count: slots)
        values = [BPEMerges.Rule](repeating: BPEMerges.Rule(rank: 0, merged: 0), count: slots)
        shift = UInt64(64 - slots.trailingZeroBitCount)
    }

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    private func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    func value(_ left: Int32, _ right: Int32) -> BPEMerges.Rule? {
        let key = Self.key(left, right)
        if key == Self.emptyKey { return nil }   // (-1, -1): never a stored pair
        let mask = keys.count - 1
        var index = slot(for: key)
        while true {
            let found = keys[index]
            if found == key { return values[index] }
            if found == Self.emptyKey { return nil }
            index = (index + 1) & mask
        }
    }

    /// Inserts unless the pair is present (the first insertion wins).
    mutating func insertIfAbsent(_ left: Int32, _ right: Int32, _ rule: BPEMerges.Rule) {
        if (count + 1) * 2 > keys.count { grow() }
        let key = Self.key(left, right)
        let mask = keys.count - 1
        var index = slot(for: key)
        while true {
            let found = keys[index]
            if found == key { return }
            if found == Self.emptyKey {
                keys[index] = key
                values[index] = rule
                count += 1
                return
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: Self.emptyKey, count: oldKeys.count * 2)
        values = [BPEMerges.Rule](repeating: BPEMerges.Rule(rank: 0, merged: 0), count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (index, key) in oldKeys.enumerated() where key != Self.emptyKey {
            insertIfAbsent(Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key & 0xFFFF_FFFF), oldValues[index])
        }
    }
}
