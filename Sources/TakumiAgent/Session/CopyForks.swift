import Foundation

/// Another path for an answer that copied the code back unchanged. A small model asked to fix
/// a function often writes the function out as it is, even where it doubted a token (the `1`
/// of `islice(seq, 1, None, n)` when the task says the first element is skipped). This finds
/// those doubts, the copied tokens it gave the least probability, and asks for the answer
/// again, copying up to one of them and taking the model's next choice there; the tests then
/// decide. Generate-and-validate at the places the model itself was unsure.
public enum CopyForks {
    /// A token whose probability was above this is not a doubt (log 0.97): copying, the
    /// model is sure of almost every token, and the least likely ones are taken first anyway.
    static let doubtLogProbability = -0.03
    /// Forks on one line at most: a statement's first word and the value that is wrong in it.
    static let perLine = 2

    /// Byte offsets in `result.text` to fork at, least likely first, at most `perLine` a line:
    /// tokens inside the answer's code block, not on its first line (the signature) nor inside
    /// a docstring, and not whitespace.
    public static func points(in result: GenerationResult, count: Int) -> [Int] {
        let bytes = Array(result.text.utf8)
        guard count > 0, !result.tokenLogProbabilities.isEmpty,
              let code = codeBlock(bytes) else { return [] }
        // Lines of the code block that may be forked: after the first, outside triple quotes.
        var allowedLine: [Int: Bool] = [:]   // line start offset → allowed
        var lineStarts: [Int] = []
        var inString = false
        var start = code.lowerBound
        var lineNumber = 0
        while start < code.upperBound {
            var end = start
            while end < code.upperBound, bytes[end] != 0x0A { end += 1 }
            let line = String(decoding: bytes[start..<end], as: UTF8.self)
            let quotes = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            let touchesString = inString || quotes > 0
            if quotes % 2 == 1 { inString.toggle() }
            allowedLine[start] = lineNumber > 0 && !touchesString
            lineStarts.append(start)
            lineNumber += 1
            start = end + 1
        }
        func lineStart(of offset: Int) -> Int? { lineStarts.last { $0 <= offset } }

        let tokens = result.tokenLogProbabilities
        var doubtsPerLine: [Int: [(offset: Int, logProbability: Double)]] = [:]
        for (i, token) in tokens.enumerated() where token.byteOffset >= code.lowerBound && token.byteOffset < code.upperBound {
            let end = i + 1 < tokens.count ? min(tokens[i + 1].byteOffset, bytes.count) : bytes.count
            guard token.logProbability < doubtLogProbability, end > token.byteOffset,
                  bytes[token.byteOffset..<end].contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A }),
                  let line = lineStart(of: token.byteOffset), allowedLine[line] == true else { continue }
            doubtsPerLine[line, default: []].append((token.byteOffset, token.logProbability))
        }
        // At most `perLine` of a line (its least likely): the forks spread over the code.
        let doubts = doubtsPerLine.values.flatMap { $0.sorted { $0.logProbability < $1.logProbability }.prefix(perLine) }
        return doubts.sorted { $0.logProbability < $1.logProbability }.prefix(count).map(\.offset)
    }

    /// Byte offset of the fence that closes the answer's code block (nil when it has none): a
    /// stub given back as its signature and docstring is continued there, the model made to
    /// write on instead of ending the block.
    public static func closingFence(of answer: String) -> Int? {
        let bytes = Array(answer.utf8)
        guard let code = codeBlock(bytes), code.upperBound < bytes.count else { return nil }
        return code.upperBound
    }

    /// Decoding that may follow `answer` up to byte `offset` but must not write what it wrote
    /// there; once it has left the copy, anything goes.
    public static func constraint(divergingFrom answer: String, at offset: Int) -> DecodingConstraint {
        let copy = Array(answer.utf8)
        return DecodingConstraint { generated, candidate in
            let end = generated.count + candidate.count
            guard generated.count <= offset, end > offset, end <= copy.count else { return true }
            // Still on the copy through the fork point: refused.
            return !(copy[0..<generated.count].elementsEqual(generated)
                     && copy[generated.count..<end].elementsEqual(candidate))
        }
    }

    /// Decoding for a stub given back without a body, continued where its code block closed
    /// (`closingFence`): as `constraint(divergingFrom:at:)`, and the first word written after
    /// that point may not be (or begin to be) `raise` or `pass` — having seen the failing run,
    /// the model's next choice there is to give the stub back once more.
    public static func stubContinuation(of answer: String, at offset: Int) -> DecodingConstraint {
        let diverging = constraint(divergingFrom: answer, at: offset)
        let refusedWords = ["raise", "pass"].map { Array($0.utf8) }
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func isWordByte(_ b: UInt8) -> Bool { b == 0x5F || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) }
        return DecodingConstraint { generated, candidate in
            guard diverging.accepts(generated, candidate) else { return false }
            let all = generated + candidate
            guard all.count > offset else { return true }
            // Once the first word has begun (in an earlier token), it was checked then.
            if generated.count > offset, generated[offset...].contains(where: { !isBlank($0) }) { return true }
            let word = all[offset...].drop(while: isBlank).prefix(while: isWordByte)
            guard !word.isEmpty else { return true }
            return !refusedWords.contains { $0.starts(with: word) || word.starts(with: $0) }
        }
    }

    /// The bytes between the first fence line and the closing fence (or the end).
    static func codeBlock(_ bytes: [UInt8]) -> Range<Int>? {
        let fence: [UInt8] = Array("```".utf8)
        func find(_ needle: [UInt8], from: Int) -> Int? {
            guard bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
            for i in from...(bytes.count - needle.count) where bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            return nil
        }
        guard let open = find(fence, from: 0), let newline = bytes[open...].firstIndex(of: 0x0A) else { return nil }
        let body = newline + 1
        let close = find(Array("\n```".utf8), from: max(body - 1, 0)).map { $0 + 1 } ?? bytes.count
        return body < close ? body..<close : nil
    }
}
