import Foundation

/// A whole new text for one target file, proposed without a chat answer.
public struct RepairCandidate: Equatable, Sendable {
    public var path: String
    public var text: String
    /// How it was made, for progress and `--json` ("the body of take_nth written by the model", …).
    public var origin: String
}

/// Candidate fixes written in the model's own fill-in-the-middle (FIM) format, for functions the
/// plan shows whole. A code model is trained to write code between a prefix and a suffix; in
/// that format a small model writes far better code than in a chat answer, where it mostly
/// copies the code it was shown back unchanged. The body of a function is cut out of the file;
/// the model sees the file before it (signature, docstring with its examples), the file after
/// it and the failing tests' excerpts as repository context, then:
///
/// * a stub (`raise NotImplementedError`) gets bodies the model writes there, greedy first,
///   then sampled ones;
/// * any other body is scored token by token as if the model had written it (one batched
///   pass, `TextGenerator.score`). Where the model strongly prefers another token than the one
///   in the code — a wrong operator, an off-by-one constant, a missing line — it takes its own
///   token there and writes on greedily until its lines meet the original lines again; the
///   differing lines replace the original ones (a changed line, an inserted one, a dropped
///   one). The most doubtful places come first; the body written whole comes last.
///
/// Nothing here is trusted: every candidate is only a proposal for the test gate, which the
/// edit session runs on an isolated copy. Needs a backend that can score (the in-process
/// engine) and continue a given start of an answer; for others `candidates` returns [].
public final class FillInMiddleRepair {
    public let generator: TextGenerator
    public let cancellation: CancellationFlag
    /// Token budgets of the file before and after the body, and of the context files.
    public var prefixTokens = 1400
    public var suffixTokens = 400
    public var contextTokens = 900
    /// Most doubted places where the model's token is put in (each costs a rescoring), and
    /// the first of them where the model also writes on (each costs a short generation).
    public var substitutions = 64
    public var forks = 16
    /// Lines after a change that its likelihood is compared over.
    public var linesAfterChange = 3
    /// A place is doubted when the model's own token is at least this much more likely
    /// (natural log: 0.5 is 1.65 times).
    public var minimumDoubt = 0.5
    /// Sampled bodies for a stub besides the greedy one.
    public var stubSamples = 5
    /// Longest body written for a stub or a whole body (tokens).
    public var bodyTokens = 512
    public var onProgress: (String) -> Void = { _ in }

    public init(generator: TextGenerator, cancellation: CancellationFlag = CancellationFlag()) {
        self.generator = generator
        self.cancellation = cancellation
    }

    /// Candidates for the functions `definitions` (qualified names) of `text`, best first.
    /// `references` are shown as repository context (test excerpts).
    public func candidates(path: String, text: String, definitions: [String],
                           references: [ReferenceExcerpt]) throws -> [RepairCandidate] {
        let structure = CodeStructure(text: text, path: path)
        guard generator.canScore, structure.family != nil else { return [] }
        let lines = text.components(separatedBy: "\n")
        let context = contextFiles(references)
        var stubs: [[RepairCandidate]] = [], others: [[RepairCandidate]] = []
        var done: Set<Int> = []   // header lines (a name may be asked for twice)
        for name in definitions {
            for definition in structure.definitions(named: name) where definition.kind == .function {
                guard done.insert(definition.headerLine).inserted,
                      let function = FunctionBody(definition, structure: structure, lineCount: lines.count) else { continue }
                try checkCancelled()
                let found = try candidates(for: function, name: definition.name, path: path, lines: lines, context: context)
                if function.isStub { stubs.append(found) } else { others.append(found) }
            }
        }
        // Stubs first (a stub is surely to be written); then the functions' best candidates
        // in turn, so one long function does not use up the tests before another is tried.
        var result: [RepairCandidate] = []
        var seen: Set<String> = [text]
        for group in [stubs, others] {
            for rank in 0..<(group.map(\.count).max() ?? 0) {
                for list in group where rank < list.count && seen.insert(list[rank].text).inserted {
                    result.append(list[rank])
                }
            }
        }
        return result
    }

    // MARK: one function

    /// A doubted place of the original function: the model's own token instead of the one there.
    struct Doubt {
        var offset: Int
        var count: Int
        var token: String
        var gap: Double
    }

    private func candidates(for function: FunctionBody, name: String, path: String, lines: [String],
                            context: [(String, String)]) throws -> [RepairCandidate] {
        let completer = FillInMiddleCompleter(generator: generator)
        // The middle is the whole function from its header: a wrong default in the signature
        // is a bug as much as a wrong operator in the body.
        let before = function.header == 0 ? "" : lines[..<function.header].joined(separator: "\n") + "\n"
        let after = lines[function.lines.upperBound...].joined(separator: "\n")
        let original = lines[function.header..<function.lines.upperBound].joined(separator: "\n") + "\n"
        let head = lines[function.header..<function.lines.lowerBound].joined(separator: "\n") + "\n"   // header + docstring
        let prompt = PromptInput.fillInMiddle(prefix: completer.fitPrefix(before, budget: prefixTokens),
                                              suffix: completer.fit(after, budget: suffixTokens, fromEnd: false),
                                              path: path, contextFiles: context)
        /// The file with `middle` (whole lines, ending in a newline) in place of the function.
        func file(_ middle: String) -> String { before + middle + after }

        if let stubLine = function.stubStatement {
            // Everything above the stub's statement stays: header, docstring, comments.
            let head = lines[function.header..<stubLine].joined(separator: "\n") + "\n"
            var bodies: [String] = []
            for index in 0...max(0, stubSamples) {
                try checkCancelled()
                onProgress("writing the body of \(name) in place (\(index == 0 ? "greedy" : "sample \(index)"))")
                let written = try write(prompt, answerPrefix: head, temperature: index == 0 ? 0 : 0.8, seed: UInt64(index),
                                        maxTokens: bodyTokens, stopAfterLines: nil)
                let body = function.clean(written.text)
                if !body.isEmpty, head + body != original, !bodies.contains(body) { bodies.append(body) }
            }
            return bodies.enumerated().map { index, body in
                RepairCandidate(path: path, text: file(head + body),
                                origin: "fill-in-the-middle: the body of \(name) written in place (\(index == 0 ? "greedy" : "sampled"))")
            }
        }

        onProgress("scoring \(name) (\(function.lines.upperBound - function.header) lines) under the model")
        guard let scored = try generator.score(ScoringRequest(prompt: prompt, continuation: original, alternatives: 1),
                                               onEvent: { _ in cancellation.isCancelled ? .stop : .continue }) else { return [] }
        try checkCancelled()
        let originalBytes = Array(original.utf8)
        let code = CodeMask(original, function: function)
        var doubts: [Doubt] = []
        for piece in scored {
            guard let best = piece.alternatives.first, let token = best.text, !token.isEmpty,
                  code.isCode(piece.byteOffset, count: piece.byteCount) else { continue }
            let end = min(originalBytes.count, piece.byteOffset + piece.byteCount)
            let here = String(decoding: originalBytes[piece.byteOffset..<end], as: UTF8.self)
            // The same token, or one that differs only in white space (the blank lines the
            // model wants after the function's last line are no fix).
            if token.filter({ !$0.isWhitespace }) == here.filter({ !$0.isWhitespace }) { continue }
            let gap = best.logProbability - piece.logProbability
            // A name used here for the first time is the author's choice, not a mistake.
            if FillInMiddleRepair.introducesName(originalBytes, at: piece.byteOffset, count: end - piece.byteOffset, before: before) { continue }
            if gap >= minimumDoubt { doubts.append(Doubt(offset: piece.byteOffset, count: end - piece.byteOffset, token: token, gap: gap)) }
        }
        doubts.sort { $0.gap != $1.gap ? $0.gap > $1.gap : $0.offset < $1.offset }

        var proposals: [(middle: String, origin: String, offset: Int)] = []
        for (index, doubt) in doubts.prefix(substitutions).enumerated() {
            try checkCancelled()
            let start = String(decoding: originalBytes[..<doubt.offset], as: UTF8.self)
            let line = start.components(separatedBy: "\n").count
            let shown = doubt.token.trimmingCharacters(in: .whitespacesAndNewlines)
            let doubted = String(decoding: originalBytes[doubt.offset..<(doubt.offset + doubt.count)], as: UTF8.self)
            // The model's token in place of the doubted one, the rest as it is (an operator,
            // a constant, a name: the one-token fix).
            let rest = String(decoding: originalBytes[(doubt.offset + doubt.count)...], as: UTF8.self)
            proposals.append((start + doubt.token + rest,
                              "\(name) line \(line): '\(shown)' for '\(doubted.trimmingCharacters(in: .whitespacesAndNewlines))'", doubt.offset))
            // The model's token there and its own code after it, until its lines meet the
            // original ones again (a line changed, added or dropped).
            guard index < forks else { continue }
            let written = try write(prompt, answerPrefix: start + doubt.token, temperature: 0, seed: 0,
                                    maxTokens: 64, stopAfterLines: 3)
            if let middle = LineResync.splice(original: original, head: start, written: doubt.token + written.text,
                                              finished: written.finishReason == .endOfTurn, bodyIndent: function.indent) {
                proposals.append((middle, "\(name) line \(line) rewritten from '\(shown.isEmpty ? "a new line" : shown)' on", doubt.offset))
            }
        }
        try checkCancelled()
        onProgress("writing the body of \(name) whole")
        let whole = function.clean(try write(prompt, answerPrefix: head, temperature: 0, seed: 0, maxTokens: bodyTokens,
                                             stopAfterLines: nil).text)

        // Ranked by how much likelier the whole function is with the change: a fix makes the
        // code after it fit too, a renamed variable makes it fit worse.
        onProgress("ranking \(proposals.count) changes of \(name)")
        var ranked: [(candidate: RepairCandidate, gain: Double)] = []
        var seen: Set<String> = [original]
        let originalLineCount = original.components(separatedBy: "\n").count
        // Latest change first: each rescoring then reuses the cached text up to its change.
        for proposal in proposals.sorted(by: { $0.offset > $1.offset }) {
            let middle = function.cleanFunction(proposal.middle)
            // A one-spot change keeps about the function's length; one that cut it short
            // (the model's token ended the function) would only look likelier for being shorter.
            guard abs(middle.components(separatedBy: "\n").count - originalLineCount) <= 2,
                  seen.insert(middle).inserted else { continue }
            try checkCancelled()
            guard let gain = try likelihoodGain(middle, original: original, scored: scored, prompt: prompt) else { continue }
            ranked.append((RepairCandidate(path: path, text: file(middle),
                                           origin: String(format: "fill-in-the-middle: %@ (%+.1f nats)", proposal.origin, gain)), gain))
        }
        var result = ranked.enumerated().sorted { a, b in
            a.element.gain != b.element.gain ? a.element.gain > b.element.gain : a.offset < b.offset
        }.map(\.element.candidate)
        // The body written whole is no one-spot change, so its likelihood does not compare: last.
        if !whole.isEmpty, seen.insert(head + whole).inserted {
            result.append(RepairCandidate(path: path, text: file(head + whole), origin: "fill-in-the-middle: the body of \(name) written whole"))
        }
        return result
    }

    /// log p(changed function) − log p(original function) after the same prompt, over the
    /// change and the few lines after it (where a fix makes the code fit and a wrong guess
    /// shows; the rest of the two texts is the same). Tokens the cache still holds from the
    /// original are the original's, so only the changed tails are scored.
    private func likelihoodGain(_ middle: String, original: String, scored: [ScoredPiece], prompt: PromptInput) throws -> Double? {
        let new = Array(middle.utf8), old = Array(original.utf8)
        var shared = 0   // bytes both end with
        while shared < min(new.count, old.count), new[new.count - 1 - shared] == old[old.count - 1 - shared] { shared += 1 }
        var cut = new.count - shared
        var lines = 0
        while cut < new.count, lines < linesAfterChange {
            if new[cut] == UInt8(ascii: "\n") { lines += 1 }
            cut += 1
        }
        let oldCut = cut - (new.count - old.count)
        let continuation = String(decoding: new[..<cut], as: UTF8.self)
        guard let pieces = try generator.score(ScoringRequest(prompt: prompt, continuation: continuation, alternatives: 1),
                                               onEvent: { _ in cancellation.isCancelled ? .stop : .continue }) else { return nil }
        let from = max(pieces.first?.byteOffset ?? 0, scored.first?.byteOffset ?? 0)
        let changed = pieces.filter { $0.byteOffset >= from && $0.byteOffset + $0.byteCount <= cut }
        let before = scored.filter { $0.byteOffset >= from && $0.byteOffset + $0.byteCount <= oldCut }
        return changed.reduce(0) { $0 + $1.logProbability } - before.reduce(0) { $0 + $1.logProbability }
    }

    /// Whether the identifier that the token at `offset` belongs to appears nowhere before it
    /// (in the file before the function, or the function up to there).
    static func introducesName(_ bytes: [UInt8], at offset: Int, count: Int, before: String) -> Bool {
        func isWord(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b >= 48 && b <= 57) || ((b | 0x20) >= 97 && (b | 0x20) <= 122) || b >= 0x80 }
        var start = offset
        while start < offset + count, !isWord(bytes[start]) { start += 1 }
        guard start < offset + count else { return false }   // no word in the token
        while start > 0, isWord(bytes[start - 1]) { start -= 1 }
        var end = start
        while end < bytes.count, isWord(bytes[end]) { end += 1 }
        let word = bytes[start..<end]
        guard !(word.first.map { $0 >= 48 && $0 <= 57 } ?? true) else { return false }   // a number
        let earlier = Array(before.utf8) + bytes[..<start]
        return !FillInMiddleRepair.containsWord(earlier, Array(word), isWord: isWord)
    }

    static func containsWord(_ text: [UInt8], _ word: [UInt8], isWord: (UInt8) -> Bool) -> Bool {
        guard !word.isEmpty, text.count >= word.count else { return false }
        var i = 0
        while i + word.count <= text.count {
            if text[i] == word[0], text[i..<(i + word.count)].elementsEqual(word),
               i == 0 || !isWord(text[i - 1]), i + word.count == text.count || !isWord(text[i + word.count]) { return true }
            i += 1
        }
        return false
    }

    /// One FIM generation; with `stopAfterLines`, it stops once that many non-blank lines are complete.
    private func write(_ prompt: PromptInput, answerPrefix: String, temperature: Double, seed: UInt64,
                       maxTokens: Int, stopAfterLines: Int?) throws -> GenerationResult {
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.seed = seed
        var request = GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: sampling)
        request.answerPrefix = answerPrefix
        var text = ""
        let cancellation = self.cancellation
        return try generator.generate(request) { event in
            if cancellation.isCancelled { return .stop }
            if case let .text(piece) = event, let limit = stopAfterLines {
                text += piece
                // Blank lines do not count: the model often puts a few before what comes next.
                if text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                    .filter({ !CodeStructure.isBlank(String($0)) }).count >= limit { return .stop }
            }
            return .continue
        }
    }

    /// Test excerpts as context files, in order, within the budget.
    private func contextFiles(_ references: [ReferenceExcerpt]) -> [(String, String)] {
        var used = 0
        var kept: [(String, String)] = []
        for excerpt in references {
            let cost = generator.countTokens(excerpt.text) + 8
            if used + cost > contextTokens { continue }
            used += cost
            kept.append((excerpt.path, excerpt.text))
        }
        return kept
    }

    private func checkCancelled() throws {
        if cancellation.isCancelled { throw AgentError.cancelled }
    }
}
