import Foundation

/// One token of a teacher-forced continuation: how likely the model found it, and what it
/// found most likely in its place.
public struct ScoredToken: Sendable {
    public var token: Int32
    /// log p(token) under softmax of the raw logits at temperature 1.
    public var logProbability: Double
    /// The `top` most likely tokens at this position, most likely first.
    public var alternatives: [(id: Int32, logProbability: Double)]
}

extension Generator {
    /// Teacher-forced scoring: feeds `continuation` after `promptTokens` and reports, for its
    /// tokens, their log-probabilities and the `top` most likely tokens at each position —
    /// where the model disagrees with a text it did not write (a suspect spot in code).
    ///
    /// Batched passes of `session.maxRowLogits` rows. Whatever prefix of prompt + continuation
    /// the cache already holds is not computed again, and its tokens are not reported: the
    /// result starts at continuation index `first` (0 unless the last request shared part of
    /// the continuation — scoring variants of one text costs only their changed tails).
    /// Afterwards the cache holds the prompt and the continuation but its last token.
    /// `onPrefill` as in `generate` (false stops; the result is then nil).
    public func score(promptTokens: [Int32], continuation: [Int32], top: Int,
                      onPrefill: (_ done: Int, _ total: Int) -> Bool = { _, _ in true }) throws -> (first: Int, tokens: [ScoredToken])? {
        guard !promptTokens.isEmpty else {
            throw InferenceError.badModelConfig(path: model.file.path, reason: "empty prompt")
        }
        guard !continuation.isEmpty else { return (0, []) }
        let full = promptTokens + continuation
        guard full.count - 1 <= session.contextLength else {
            throw InferenceError.contextOverflow(needed: full.count - 1, capacity: session.contextLength)
        }
        var common = zip(session.tokens, full).prefix { $0 == $1 }.count
        if let store = snapshots, promptTokens.count - 1 - common >= store.minimumTokens {
            common = max(common, session.restoreSnapshotPrefix(of: promptTokens, limit: promptTokens.count - 1, from: store))
        }
        // Rows start at `start`, the last cached token at the latest (its row predicts the
        // first token not cached) and the last prompt token at the earliest: row j of the
        // inputs full[start..<count-1] predicts full[start + 1 + j].
        let start = min(max(common - 1, promptTokens.count - 1), full.count - 1)
        if common < promptTokens.count - 1 {
            session.truncate(to: common)
            guard try session.evaluate(Array(full[common..<start]), progress: onPrefill) else { return nil }
        } else {
            session.truncate(to: start)
        }
        // Like a generated prompt, a scored one is kept for the next process (the next edit
        // of the same function restores it instead of computing it).
        if let store = snapshots, promptTokens.count - 1 - common >= store.minimumTokens, session.position >= promptTokens.count - 1 {
            session.saveSnapshot(of: Array(promptTokens.dropLast()), to: store)
        }
        let inputs = Array(full[start..<(full.count - 1)])
        var scored: [ScoredToken] = []
        scored.reserveCapacity(inputs.count)
        var done = 0
        while done < inputs.count {
            let n = min(session.maxRowLogits, inputs.count - done)
            try session.evaluateKeepingRowLogits(Array(inputs[done..<(done + n)]))
            for row in 0..<n {
                let logits = UnsafeBufferPointer(session.rowLogits(row))
                let target = full[start + done + row + 1]
                scored.append(ScoredToken(token: target,
                                          logProbability: LogProbabilities.logProbability(of: target, in: logits),
                                          alternatives: LogProbabilities.top(max(1, top), in: logits)))
            }
            done += n
        }
        return (start + 1 - promptTokens.count, scored)
    }
}
