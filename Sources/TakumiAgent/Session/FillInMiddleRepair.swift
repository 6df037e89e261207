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
    public var stubSamples = 2
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
        guard structure.family != nil else { return [] }
        let lines = text.components(separatedBy: "\n")
        let context = contextFiles(references)
        var result: [RepairCandidate] = []
        var seen: Set<String> = [text]
        for name in definitions {
            for definition in structure.definitions(named: name) where definition.kind == .function {
                try checkCancelled()
                guard let function = FunctionBody(definition, structure: structure, lineCount: lines.count) else { continue }
                let found = try candidates(for: function, name: definition.name, path: path, lines: lines, context: context)
                for candidate in found where seen.insert(candidate.text).inserted { result.append(candidate) }
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
        let before = lines[..<function.header].joined(separator: "\n") + "\n"
        let after = lines[function.lines.upperBound...].joined(separator: "\n")
        let original = lines[function.header..<function.lines.upperBound].joined(separator: "\n") + "\n"
        let head = lines[function.header..<function.lines.lowerBound].joined(separator: "\n") + "\n"   // header + docstring
        let prompt = PromptInput.fillInMiddle(prefix: completer.fitPrefix(before, budget: prefixTokens),
                                              suffix: completer.fit(after, budget: suffixTokens, fromEnd: false),
                                              path: path, contextFiles: context)
        /// The file with `middle` (whole lines, ending in a newline) in place of the function.
        func file(_ middle: String) -> String { before + middle + after }

        if function.isStub {
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
            if ProcessInfo.processInfo.environment["TAKUMI_DEBUG_REPAIR"] != nil {
                FileHandle.standardError.write(Data("DOUBT \(piece.byteOffset) \(here.debugDescription) \(token.debugDescription) \(gap)\n".utf8))
            }
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
            if ProcessInfo.processInfo.environment["TAKUMI_DEBUG_REPAIR"] != nil {
                FileHandle.standardError.write(Data("RANK \(gain) \(proposal.origin)\n".utf8))
            }
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

    /// One FIM generation; with `stopAfterLines`, it stops once that many lines are complete.
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
                if text.filter({ $0 == "\n" }).count >= limit { return .stop }
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

/// The lines of a function that the model rewrites: after the header (and a Python
/// docstring), up to the end (for brace languages, before the closing brace's line).
struct FunctionBody {
    /// 0-based line indices: the header's line, and the body's lines.
    var header: Int
    var lines: Range<Int>
    /// A Python docstring's lines (between the header and the body).
    var docstring: Range<Int>?
    var indent: Int
    var family: CodeStructure.Family
    var isStub: Bool

    init?(_ definition: CodeDefinition, structure: CodeStructure, lineCount: Int) {
        let source = structure.lines
        let end = min(definition.range.upperBound, source.count, lineCount)
        guard let family = structure.family, definition.headerLine < end else { return nil }
        var start: Int
        var stop = end
        switch family {
        case .python:
            guard let first = PythonBody.firstStatement(source, header: definition.headerLine, end: end) else { return nil }
            docstring = PythonBody.docstring(source, header: definition.headerLine, end: end)
            start = docstring?.upperBound ?? first
        case .braces:
            guard let open = (definition.headerLine..<end).first(where: { source[$0].contains("{") }) else { return nil }
            start = open + 1
            stop = end - 1   // the closing brace's line stays
        }
        while start < stop, CodeStructure.isBlank(source[start]) { start += 1 }
        guard start < stop else { return nil }
        header = definition.headerLine
        lines = start..<stop
        indent = CodeStructure.indentation(of: source[start])
        self.family = family
        let statements = source[start..<stop].map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("//") }
        isStub = statements.count == 1 && (statements[0].hasPrefix("raise NotImplementedError")
            || statements[0].contains("unimplemented!") || statements[0].contains("todo!()"))
    }

    /// A changed function (header and body) as whole lines, its body cut as `clean` cuts one.
    func cleanFunction(_ text: String) -> String {
        let headLines = lines.lowerBound - header
        let all = text.components(separatedBy: "\n")
        guard all.count > headLines else { return text }
        let head = all[..<headLines].joined(separator: "\n") + "\n"
        return head + clean(all[headLines...].joined(separator: "\n"))
    }

    /// A written body as whole lines: for Python, cut where the code leaves the body's
    /// indentation (the model went on past the function); trailing blank lines dropped; one
    /// final newline.
    func clean(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        if family == .python {
            if let out = lines.indices.first(where: { i in
                !CodeStructure.isBlank(lines[i]) && CodeStructure.indentation(of: lines[i]) < indent
            }) { lines = Array(lines[..<out]) }
        }
        while let last = lines.last, CodeStructure.isBlank(last) { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}

/// Where the lines a fork wrote meet the original lines again.
enum LineResync {
    /// The new body: the original's lines before the fork's line, the lines written from the
    /// fork on up to the first written line that equals an original line at or after the
    /// fork's line (at most 3 lines on), then the original from that line. `head` is the
    /// original text before the fork; `written` what follows it in the new text. When the
    /// model ended the body (`finished`), its end meets the original's end. nil when they
    /// never meet.
    /// A written line indented less than the body (`bodyIndent` columns) is past the body's end.
    static func splice(original: String, head: String, written: String, finished: Bool, bodyIndent: Int) -> String? {
        let originalLines = original.components(separatedBy: "\n").dropLast().map { String($0) }   // ends with "\n"
        let headLines = head.components(separatedBy: "\n")
        let forkLine = headLines.count - 1                       // the line the fork is in
        let lineStart = headLines.last ?? ""
        var newLines = (lineStart + written).components(separatedBy: "\n")
        // The last piece is a line still being written unless the model finished.
        let complete = finished ? newLines.count : newLines.count - 1
        if finished, newLines.last.map(CodeStructure.isBlank) == true { newLines.removeLast() }
        guard forkLine < originalLines.count else { return nil }
        let kept = originalLines[..<forkLine]
        let window = forkLine...min(forkLine + 3, originalLines.count)
        // Written line j+1 meeting original line m: the new lines are 0...j.
        for j in 0..<max(0, min(complete, newLines.count) - 1) {
            let next = newLines[j + 1]
            guard !CodeStructure.isBlank(next) else { continue }
            if let m = window.first(where: { $0 < originalLines.count && originalLines[$0] == next }) {
                let body = Array(kept) + newLines[0...j] + originalLines[m...]
                return body.joined(separator: "\n") + "\n"
            }
            if CodeStructure.indentation(of: next) < bodyIndent {   // the model went on past the body's end
                return (Array(kept) + newLines[0...j]).joined(separator: "\n") + "\n"
            }
        }
        if finished {
            return (Array(kept) + newLines).joined(separator: "\n") + "\n"
        }
        return nil
    }
}

/// Which bytes of a function's text are code worth doubting: not a docstring, not a comment
/// line, not the words of a message string (a literal of three or more words: prose, where a
/// small model disagrees with every other word). Short literals stay code: a format
/// (`"{0:>%ds}"`) or a pattern (`r"_id$"`) can be the bug.
struct CodeMask {
    private var prose: [Bool]
    private let whitespace: [Bool]

    init(_ text: String, function: FunctionBody) {
        let bytes = Array(text.utf8)
        prose = [Bool](repeating: false, count: bytes.count)
        whitespace = bytes.map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        var lineStart = 0
        var lineIndex = function.header
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") || i == bytes.count - 1 {
            let end = byte == UInt8(ascii: "\n") ? i : i + 1
            let line = Array(bytes[lineStart..<end])
            let trimmed = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let isDocstring = function.docstring?.contains(lineIndex) == true
            if isDocstring || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") || trimmed.hasPrefix("/*") || trimmed.hasPrefix("*") {
                for k in lineStart...min(i, bytes.count - 1) { prose[k] = true }
            } else {
                for range in CodeMask.proseLiterals(line) {
                    for k in range { prose[lineStart + k] = true }
                }
            }
            lineStart = i + 1
            lineIndex += 1
        }
    }

    /// Whether the token at `offset` is code: judged by its first byte that is not white space.
    func isCode(_ offset: Int, count: Int) -> Bool {
        let first = (offset..<min(offset + max(count, 1), prose.count)).first { !whitespace[$0] } ?? offset
        return first < prose.count && !prose[first]
    }

    /// Byte ranges (within `line`) of string literals holding three or more words.
    static func proseLiterals(_ line: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i < line.count {
            let c = line[i]
            guard c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") else {
                if c == UInt8(ascii: "#") { break }   // a trailing comment
                i += 1
                continue
            }
            var j = i + 1
            while j < line.count, line[j] != c {
                j += line[j] == UInt8(ascii: "\\") ? 2 : 1
            }
            let literal = i..<min(j + 1, line.count)
            let words = String(decoding: line[(i + 1)..<min(j, line.count)], as: UTF8.self)
                .split(whereSeparator: { $0 == " " }).count
            if words >= 3 { result.append(literal) }
            i = j + 1
        }
        return result
    }
}
