/// Prompt-lookup drafting (n-gram speculation without a draft model): when the last few
/// tokens appeared earlier in the prompt or the answer, guess that what followed them then
/// follows again. Code edits copy long runs of the input, so guesses are often right.
public enum PromptLookup {
    /// Match lengths tried, longest first (a single token matches too often to be worth a pass).
    public static let ngramSizes = [3, 2]

    /// Up to `maxTokens` tokens that followed the latest earlier occurrence of the longest
    /// matching suffix of `history`; empty when there is none.
    public static func draft(after history: [Int32], maxTokens: Int) -> [Int32] {
        guard maxTokens > 0 else { return [] }
        let count = history.count
        for n in ngramSizes where count > n {
            let suffixStart = count - n
            // Latest occurrence first: recent context is the best predictor.
            var i = suffixStart - 1
            while i >= 0 {
                var match = true
                for k in 0..<n where history[i + k] != history[suffixStart + k] {
                    match = false
                    break
                }
                if match {
                    let start = i + n
                    let end = min(start + maxTokens, count)
                    if start < end { return Array(history[start..<end]) }
                }
                i -= 1
            }
        }
        return []
    }
}
