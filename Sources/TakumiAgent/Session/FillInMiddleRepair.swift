import Foundation

/// A whole new text for one target file, proposed without a chat answer.
public struct RepairCandidate: Equatable, Sendable {
    public var path: String
    /// The whole new text of the file.
    public var text: String
    /// The changed function as the model's answer (what replaces the function).
    public var answer: String
    /// How it was made, for progress and `--json` ("the body of take_nth written by the model", …).
    public var origin: String
    /// Tokens of the fill-in-the-middle prompt it was made with (about: the parts are counted apart).
    public var promptTokens: Int
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
///   one). The model's token is also put in before the code's where the two stay apart (a
///   missing `-`). The most doubtful places come first; the body written whole comes last.
///
/// The functions come from the plan (`RepairFocus`): its focus, then its helpers (the
/// functions the focus calls, for a wrong result), every other round.
///
/// Nothing here is trusted: every candidate is only a proposal for the test gate, which the
/// edit session runs on an isolated copy. Needs a backend that can score (the in-process
/// engine) and continue a given start of an answer; for others `candidates` returns [].
public final class FillInMiddleRepair {
    public let generator: TextGenerator
    public let cancellation: CancellationFlag
    /// Token budgets of the file before and after the body, and of the context files.
    public var prefixTokens = 800
    public var suffixTokens = 250
    public var contextTokens = 600
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

    /// Candidates for the functions `definitions` (qualified names) of `text`, best first,
    /// made as they are asked for (`RepairQueue.next`): a stub's next sample is only written
    /// when the last one failed, a function is only scored when its turn comes. Stubs come
    /// first (a stub surely is to be written); then the functions' best candidates in turn, so
    /// one long function does not use up the tests before another is tried; `helpers` (the
    /// functions the focus calls) take their turns after them, every other round. `references`
    /// are shown as repository context (test excerpts).
    public func queue(path: String, text: String, definitions: [String], helpers: [String] = [],
                      references: [ReferenceExcerpt]) -> RepairQueue {
        let structure = CodeStructure(text: text, path: path)
        guard generator.canScore, structure.family != nil else { return RepairQueue(groups: [], original: text) }
        let lines = text.components(separatedBy: "\n")
        var stubs: [RepairQueue.Producer] = [], others: [RepairQueue.Producer] = []
        var done: Set<Int> = []   // header lines (a name may be asked for twice)
        let context = contextFiles(references)
        for (name, isHelper) in definitions.map({ ($0, false) }) + helpers.map({ ($0, true) }) {
            for definition in structure.definitions(named: name) where definition.kind == .function {
                guard done.insert(definition.headerLine).inserted,
                      let function = FunctionBody(definition, structure: structure, lineCount: lines.count) else { continue }
                // The function cut out and its prompt: made once, when the function's turn comes.
                var madeSite: Site?
                let site = { () -> Site in
                    if let madeSite { return madeSite }
                    let new = self.site(function, name: definition.name, path: path, lines: lines, context: context)
                    madeSite = new
                    return new
                }
                if function.isStub {
                    var tried = 0   // samples written so far (a repeated one does not count as made)
                    stubs.append(RepairQueue.Producer(stride: isHelper ? 2 : 1) { made in
                        while tried <= self.stubSamples {
                            let seed = tried
                            tried += 1
                            if let body = try self.stubBody(seed, made: made, site()) { return [body] }
                        }
                        return []
                    })
                } else {
                    // First the ranked one-spot changes; when they are used up, the body written whole.
                    var calls = 0
                    others.append(RepairQueue.Producer(stride: isHelper ? 2 : 1) { made in
                        calls += 1
                        if calls == 1 {
                            let ranked = try self.candidates(for: site())
                            if !ranked.isEmpty { return ranked }
                            calls += 1
                        }
                        guard calls == 2, let whole = try self.wholeBody(site()),
                              !made.contains(where: { $0.text == whole.text }) else { return [] }
                        return [whole]
                    })
                }
            }
        }
        return RepairQueue(groups: [stubs, others], original: text)
    }

    /// All candidates at once (`queue` drained).
    public func candidates(path: String, text: String, definitions: [String], helpers: [String] = [],
                           references: [ReferenceExcerpt]) throws -> [RepairCandidate] {
        let queue = queue(path: path, text: text, definitions: definitions, helpers: helpers, references: references)
        var result: [RepairCandidate] = []
        while let candidate = try queue.next() { result.append(candidate) }
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

    /// A function cut out of its file, with its fill-in-the-middle prompt.
    struct Site {
        var function: FunctionBody
        var name: String
        var path: String
        var lines: [String]
        var cut: FunctionCut
        var prompt: PromptInput
        /// About the prompt's size (its parts are counted apart).
        var promptTokens: Int
    }

    /// The function cut out; the prompt is the file before it, the file after it and the
    /// context files, each fitted to its budget.
    private func site(_ function: FunctionBody, name: String, path: String, lines: [String], context: [(String, String)]) -> Site {
        let cut = FunctionCut(function, lines: lines)
        let completer = FillInMiddleCompleter(generator: generator)
        let shownBefore = completer.fitPrefix(cut.before, budget: prefixTokens)
        let shownAfter = completer.fit(cut.after, budget: suffixTokens, fromEnd: false)
        let tokens = generator.countTokens(shownBefore) + generator.countTokens(shownAfter)
            + context.reduce(0) { $0 + generator.countTokens($1.1) + 8 }
        return Site(function: function, name: name, path: path, lines: lines, cut: cut,
                    prompt: .fillInMiddle(prefix: shownBefore, suffix: shownAfter, path: path, contextFiles: context),
                    promptTokens: tokens)
    }

    private func candidates(for site: Site) throws -> [RepairCandidate] {
        let (function, name, path, cut, prompt, promptTokens) = (site.function, site.name, site.path, site.cut, site.prompt, site.promptTokens)
        let (before, original) = (cut.before, cut.original)
        func file(_ middle: String) -> String { cut.file(middle) }
        try checkCancelled()

        onProgress("scoring \(name) (\(function.lines.upperBound - function.header) lines) under the model")
        guard let scored = try generator.score(ScoringRequest(prompt: prompt, continuation: original, alternatives: 2),
                                               onEvent: { _ in cancellation.isCancelled ? .stop : .continue }) else { return [] }
        try checkCancelled()
        let originalBytes = Array(original.utf8)
        let code = CodeMask(original, function: function)
        let doubts = self.doubts(scored, originalBytes: originalBytes, code: code, before: before)
        var proposals: [(middle: String, origin: String, offset: Int, gap: Double)] = []
        // Every place gets its substitution (the model's second choice may be the fix where
        // it copies a wrong token from a line before); the most doubted ones also a fork.
        let places = doubts.prefix(substitutions).enumerated().map {
            (doubt: $0.element, fork: $0.offset < forks && $0.element.gap >= minimumDoubt)
        }
        onProgress("trying the model's tokens at \(places.count) places of \(name)")
        for (doubt, fork) in places {
            try checkCancelled()
            let start = String(decoding: originalBytes[..<doubt.offset], as: UTF8.self)
            let line = start.components(separatedBy: "\n").count
            let shown = doubt.token.trimmingCharacters(in: .whitespacesAndNewlines)
            let doubted = String(decoding: originalBytes[doubt.offset..<(doubt.offset + doubt.count)], as: UTF8.self)
            // The model's token in place of the doubted one, the rest as it is (an operator,
            // a constant, a name: the one-token fix).
            let rest = String(decoding: originalBytes[(doubt.offset + doubt.count)...], as: UTF8.self)
            proposals.append((start + doubt.token + rest,
                              "\(name) line \(line): '\(shown)' for '\(doubted.trimmingCharacters(in: .whitespacesAndNewlines))'", doubt.offset, doubt.gap))
            // The model's token put in before the doubted one (a missing `-`, `not`, `*`).
            if let inserted = FillInMiddleRepair.insertion(doubt.token, before: doubted) {
                proposals.append((start + inserted + rest,
                                  "\(name) line \(line): '\(shown)' put in before '\(doubted.trimmingCharacters(in: .whitespacesAndNewlines))'",
                                  doubt.offset, doubt.gap))
            }
            // The model's token there and its own code after it, until its lines meet the
            // original ones again (a line changed, added or dropped).
            guard fork else { continue }
            let written = try write(prompt, answerPrefix: start + doubt.token, temperature: 0, seed: 0,
                                    maxTokens: 48, stopAfterLines: 2)
            if let middle = LineResync.splice(original: original, head: start, written: doubt.token + written.text,
                                              finished: written.finishReason == .endOfTurn, bodyIndent: function.indent) {
                proposals.append((middle, "\(name) line \(line) rewritten from '\(shown.isEmpty ? "a new line" : shown)' on", doubt.offset, doubt.gap))
            }
        }

        // Ranked by how much the model prefers its token at the place (the doubt's gap) plus
        // how much better the code after the change fits (`tailGain`).
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
            guard let tail = try tailGain(middle, original: original, headBytes: cut.head.utf8.count,
                                          scored: scored, prompt: prompt) else { continue }
            let gain = proposal.gap + tail
            ranked.append((RepairCandidate(path: path, text: file(middle), answer: middle,
                                           origin: String(format: "fill-in-the-middle: %@ (%+.1f nats)", proposal.origin, gain),
                                           promptTokens: promptTokens), gain))
        }
        return ranked.enumerated().sorted { a, b in
            a.element.gain != b.element.gain ? a.element.gain > b.element.gain : a.offset < b.offset
        }.map(\.element.candidate)
    }

    /// Each place of the function with the model's likeliest token other than the code's
    /// (in code only, not where a name is introduced) and how much likelier it is than the
    /// code's (the gap, negative where the model still prefers the code's), largest gap first.
    private func doubts(_ scored: [ScoredPiece], originalBytes: [UInt8], code: CodeMask, before: String) -> [Doubt] {
        var doubts: [Doubt] = []
        for piece in scored where code.isCode(piece.byteOffset, count: piece.byteCount) {
            let end = min(originalBytes.count, piece.byteOffset + piece.byteCount)
            guard piece.byteOffset < end else { continue }
            let here = String(decoding: originalBytes[piece.byteOffset..<end], as: UTF8.self).filter { !$0.isWhitespace }
            // The likeliest other token: not the same, nor one that differs only in white
            // space (the blank lines the model wants after the function's last line are no fix).
            guard let best = piece.alternatives.first(where: { $0.text.map { $0.filter { !$0.isWhitespace } != here } ?? false }),
                  let token = best.text, !token.isEmpty else { continue }
            // A name used here for the first time is the author's choice, not a mistake (but
            // the words of a string literal are data: `r"_ids$"` may be the bug).
            if !code.isInLiteral(piece.byteOffset, count: piece.byteCount),
               FillInMiddleRepair.introducesName(originalBytes, at: piece.byteOffset, count: end - piece.byteOffset, before: before) { continue }
            doubts.append(Doubt(offset: piece.byteOffset, count: end - piece.byteOffset, token: token,
                                gap: best.logProbability - piece.logProbability))
        }
        return doubts.sorted { $0.gap != $1.gap ? $0.gap > $1.gap : $0.offset < $1.offset }
    }

    /// The body written whole after the header and docstring (greedy): no one-spot change, so
    /// its likelihood does not compare with theirs, and it comes after them. nil when it is
    /// empty or the body as it is.
    private func wholeBody(_ site: Site) throws -> RepairCandidate? {
        try checkCancelled()
        let (function, name, path, cut, prompt, promptTokens) = (site.function, site.name, site.path, site.cut, site.prompt, site.promptTokens)
        onProgress("writing the body of \(name) whole")
        let body = function.clean(try write(prompt, answerPrefix: cut.head, temperature: 0, seed: 0, maxTokens: bodyTokens,
                                            bodyIndent: function.indent).text)
        guard !body.isEmpty, cut.head + body != cut.original else { return nil }
        return RepairCandidate(path: path, text: cut.file(cut.head + body), answer: cut.head + body,
                               origin: "fill-in-the-middle: the body of \(name) written whole", promptTokens: promptTokens)
    }

    /// A stub's body written by the model after everything above the stub's statement
    /// (header, docstring, comments): greedy for rank 0, sampled after; nil when it is
    /// empty, the stub itself, or one written before.
    private func stubBody(_ rank: Int, made: [RepairCandidate], _ site: Site) throws -> RepairCandidate? {
        let (function, name, path, cut, prompt, promptTokens) = (site.function, site.name, site.path, site.cut, site.prompt, site.promptTokens)
        guard let stubLine = function.stubStatement else { return nil }
        try checkCancelled()
        let head = site.lines[function.header..<stubLine].joined(separator: "\n") + "\n"
        onProgress("writing the body of \(name) in place (\(rank == 0 ? "greedy" : "sample \(rank)"))")
        let written = try write(prompt, answerPrefix: head, temperature: rank == 0 ? 0 : 0.8, seed: UInt64(rank),
                                maxTokens: bodyTokens, bodyIndent: function.indent)
        let body = function.clean(written.text)
        guard !body.isEmpty, head + body != cut.original, !made.contains(where: { $0.answer == head + body }) else { return nil }
        return RepairCandidate(path: path, text: cut.file(head + body), answer: head + body,
                               origin: "fill-in-the-middle: the body of \(name) written in place (\(rank == 0 ? "greedy" : "sampled"))",
                               promptTokens: promptTokens)
    }

    /// How much likelier the few lines after a change are with it than without it: the code
    /// the change leaves as it was, scored after the changed text and after the original
    /// (log-probability difference over `linesAfterChange` lines). A fix makes what follows
    /// fit; a renamed variable or a wrong guess makes it fit worse. The changed text itself is
    /// not summed: a line the model rewrote in its own words is likely by construction.
    /// A change in the head (`headBytes` of the original: the signature and docstring) is
    /// compared over the rest of the docstring too: a default value or a parameter is what
    /// the docstring describes ("Defaults to `True`", its examples), and the model only reads
    /// that after the signature.
    /// Tokens the cache still holds from an earlier scoring are not scored again.
    private func tailGain(_ middle: String, original: String, headBytes: Int, scored: [ScoredPiece],
                          prompt: PromptInput) throws -> Double? {
        let new = Array(middle.utf8), old = Array(original.utf8)
        var shared = 0   // bytes both end with
        while shared < min(new.count, old.count), new[new.count - 1 - shared] == old[old.count - 1 - shared] { shared += 1 }
        let changeEnd = new.count - shared, shift = new.count - old.count
        // From the change, or from the end of the head where the change is inside it.
        var cut = changeEnd - shift < headBytes ? min(new.count, headBytes + shift) : changeEnd
        var lines = 0
        while cut < new.count, lines < linesAfterChange {
            if new[cut] == UInt8(ascii: "\n") { lines += 1 }
            cut += 1
        }
        let continuation = String(decoding: new[..<cut], as: UTF8.self)
        guard let pieces = try generator.score(ScoringRequest(prompt: prompt, continuation: continuation, alternatives: 1),
                                               onEvent: { _ in cancellation.isCancelled ? .stop : .continue }) else { return nil }
        let after = pieces.filter { $0.byteOffset >= changeEnd && $0.byteOffset + $0.byteCount <= cut }
        let before = scored.filter { $0.byteOffset >= changeEnd - shift && $0.byteOffset + $0.byteCount <= cut - shift }
        return after.reduce(0) { $0 + $1.logProbability } - before.reduce(0) { $0 + $1.logProbability }
    }

    /// Whether the identifier that the token at `offset` belongs to appears nowhere before it
    /// (in the file before the function, or the function up to there).
    public static func introducesName(_ bytes: [UInt8], at offset: Int, count: Int, before: String) -> Bool {
        func isWord(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b >= 48 && b <= 57) || ((b | 0x20) >= 97 && (b | 0x20) <= 122) || b >= 0x80 }
        var start = offset
        while start < offset + count, !isWord(bytes[start]) { start += 1 }
        guard start < offset + count else { return false }   // no word in the token
        while start > 0, isWord(bytes[start - 1]) { start -= 1 }
        var end = start
        while end < bytes.count, isWord(bytes[end]) { end += 1 }
        let word = bytes[start..<end]
        guard !(word.first.map { $0 >= 48 && $0 <= 57 } ?? true) else { return false }   // a number
        // A keyword, constant or builtin is the language's word, not one the author chose.
        guard !FillInMiddleRepair.languageWords.contains(String(decoding: word, as: UTF8.self)) else { return false }
        let earlier = Array(before.utf8) + bytes[..<start]
        return !FillInMiddleRepair.containsWord(earlier, Array(word), isWord: isWord)
    }

    /// `token` put in before `code` (a token of the code), or nil where that makes no sense:
    /// an empty or blank token, or two words that would run into one name (`d` before
    /// `default`; a keyword such as `not` is kept apart by a space). A space the code's token
    /// starts with goes before the inserted token: ` n` with `-` gives ` -n`.
    public static func insertion(_ token: String, before code: String) -> String? {
        let word = token.trimmingCharacters(in: .whitespaces)
        guard !word.isEmpty, !word.contains("\n"), let codeStart = code.first(where: { !$0.isWhitespace }),
              !code.prefix(while: { $0.isWhitespace }).contains("\n") else { return nil }
        func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        let leading = String(code.prefix { $0 == " " || $0 == "\t" })
        let codeRest = String(code.dropFirst(leading.count))
        let lead = token.first?.isWhitespace == true ? String(token.prefix { $0 == " " || $0 == "\t" }) : leading
        guard let last = word.last, isWordCharacter(last), isWordCharacter(codeStart) else { return lead + word + codeRest }
        guard languageWords.contains(word) else { return nil }
        return lead + word + " " + codeRest
    }

    /// Keywords, constants and builtins of the languages with a structure scanner (Python
    /// and the C-like ones) that a function may use without the file naming them before:
    /// `False` where `True` belongs is a bug to find, not a new name.
    static let languageWords: Set<String> = [
        "True", "False", "None", "true", "false", "null", "nil", "undefined", "self", "this", "super",
        "and", "or", "not", "in", "is", "if", "elif", "else", "for", "while", "return", "yield", "break",
        "continue", "pass", "raise", "try", "except", "finally", "with", "as", "lambda", "del", "assert",
        "await", "async", "global", "nonlocal", "from", "import", "new", "const", "let", "var", "throw",
        "len", "range", "list", "dict", "set", "frozenset", "tuple", "int", "str", "float", "bool", "bytes",
        "iter", "next", "map", "filter", "zip", "enumerate", "sorted", "reversed", "min", "max", "sum",
        "any", "all", "abs", "isinstance", "issubclass", "type", "object", "callable", "getattr", "setattr",
        "hasattr", "repr", "hash", "print", "divmod", "round", "slice",
        "ValueError", "TypeError", "KeyError", "IndexError", "StopIteration", "AttributeError",
        "NotImplementedError", "RuntimeError", "Exception",
    ]

    public static func containsWord(_ text: [UInt8], _ word: [UInt8], isWord: (UInt8) -> Bool) -> Bool {
        guard !word.isEmpty, text.count >= word.count else { return false }
        var i = 0
        while i + word.count <= text.count {
            if text[i] == word[0], text[i..<(i + word.count)].elementsEqual(word),
               i == 0 || !isWord(text[i - 1]), i + word.count == text.count || !isWord(text[i + word.count]) { return true }
            i += 1
        }
        return false
    }

    /// One FIM generation. With `stopAfterLines` it stops once that many non-blank lines are
    /// complete; with `bodyIndent` once a complete line is indented less than the body (the
    /// model went on past the function: the caller cuts there anyway, and a small model may
    /// otherwise write on to the token limit).
    private func write(_ prompt: PromptInput, answerPrefix: String, temperature: Double, seed: UInt64,
                       maxTokens: Int, stopAfterLines: Int? = nil, bodyIndent: Int? = nil) throws -> GenerationResult {
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.seed = seed
        var request = GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: sampling)
        request.answerPrefix = answerPrefix
        var text = ""
        let cancellation = self.cancellation
        return try generator.generate(request) { event in
            if cancellation.isCancelled { return .stop }
            guard case let .text(piece) = event, stopAfterLines != nil || bodyIndent != nil else { return .continue }
            text += piece
            // Complete lines; blank ones do not count (the model often puts a few before what comes next).
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .map(String.init).filter { !CodeStructure.isBlank($0) }
            if let limit = stopAfterLines, lines.count >= limit { return .stop }
            if let indent = bodyIndent, let last = lines.last, CodeStructure.indentation(of: last) < indent { return .stop }
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

/// A function cut out of its file: the text before it, the function (header to the end of the
/// body), the text after it.
struct FunctionCut {
    var before: String
    var original: String
    var after: String
    /// The header and docstring (everything before the body).
    var head: String

    init(_ function: FunctionBody, lines: [String]) {
        before = function.header == 0 ? "" : lines[..<function.header].joined(separator: "\n") + "\n"
        after = lines[function.lines.upperBound...].joined(separator: "\n")
        original = lines[function.header..<function.lines.upperBound].joined(separator: "\n") + "\n"
        head = lines[function.header..<function.lines.lowerBound].joined(separator: "\n") + "\n"
    }

    /// The file with `middle` (whole lines, ending in a newline) in place of the function.
    func file(_ middle: String) -> String { before + middle + after }
}

/// Repair candidates made as they are asked for (`FillInMiddleRepair.queue`).
public final class RepairQueue {
    /// Makes a function's next candidates, given those it made before: a ranked list at
    /// once, or one at a time ([] when it has no more).
    struct Producer {
        /// Takes part in every `stride`-th round only (2: a helper, after the focus).
        let stride: Int
        let make: (_ made: [RepairCandidate]) throws -> [RepairCandidate]
        init(stride: Int = 1, _ make: @escaping (_ made: [RepairCandidate]) throws -> [RepairCandidate]) {
            self.stride = max(1, stride)
            self.make = make
        }
    }

    private let groups: [[Producer]]
    private var made: [[[RepairCandidate]]]      // per group, per producer
    private var exhausted: [[Bool]]
    private var group = 0, rank = 0, index = 0   // where the next candidate is looked for
    private var pending: [RepairCandidate] = []
    private var seen: Set<String>

    init(groups: [[Producer]], original: String) {
        self.groups = groups
        made = groups.map { $0.map { _ in [] } }
        exhausted = groups.map { $0.map { _ in false } }
        seen = [original]
    }

    /// The next candidate, best first; nil when there are no more.
    public func next() throws -> RepairCandidate? {
        while true {
            while !pending.isEmpty {
                let candidate = pending.removeFirst()
                if seen.insert(candidate.text).inserted { return candidate }
            }
            guard group < groups.count else { return nil }
            let producers = groups[group]
            if index >= producers.count {
                // The end of a rank: the next rank, unless every producer of the group is done.
                if exhausted[group].allSatisfy({ $0 }) { group += 1; rank = 0 } else { rank += 1 }
                index = 0
                continue
            }
            let i = index
            index += 1
            // A producer with a stride of 2 gives its k-th candidate in round 2k + 1.
            let stride = producers[i].stride
            guard !exhausted[group][i], (rank + 1) % stride == 0 else { continue }
            let k = rank / stride
            // A producer's candidates of all ranks come at once (a ranked list) or one by one.
            let list = made[group][i]
            if k < list.count { pending.append(list[k]); continue }
            let fresh = try producers[i].make(list)
            if fresh.isEmpty { exhausted[group][i] = true; continue }
            made[group][i] += fresh
            pending.append(made[group][i][k])
        }
    }
}
