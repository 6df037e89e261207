import Testing
import TakumiAgent

/// Forking a copied answer where the model doubted a token.
@Suite struct CopyForksTests {
    static let answer = "```python\ndef take_nth(n, seq):\n    \"\"\" Every nth item \"\"\"\n    return islice(seq, 1, None, n)\n```"

    /// Token starts (byte offsets) and log-probabilities: the doubts are the `1`, a word of the
    /// docstring and the signature's `seq`; everything else is sure.
    static func result() -> GenerationResult {
        let bytes = Array(answer.utf8)
        func offset(of text: String, after: Int = 0) -> Int {
            let needle = Array(text.utf8)
            return (after...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) } ?? -1
        }
        var tokens = (0..<bytes.count).filter { $0 % 4 == 0 }.map { TokenLogProbability(byteOffset: $0, logProbability: -0.01) }
        let doubts = [(offset(of: "1,"), -1.2), (offset(of: "nth item"), -2.5), (offset(of: "seq):"), -3.0),
                      (offset(of: "None"), -0.4)]
        for (at, logp) in doubts {
            tokens.removeAll { $0.byteOffset == at }
            tokens.append(TokenLogProbability(byteOffset: at, logProbability: logp))
        }
        var result = GenerationResult(text: answer, promptTokens: 10, generatedTokens: tokens.count, finishReason: .endOfTurn,
                                      prefillSeconds: 0, decodeSeconds: 0)
        result.tokenLogProbabilities = tokens.sorted { $0.byteOffset < $1.byteOffset }
        return result
    }

    @Test func forksAreTheCodesDoubtsOnePerLineLeastLikelyFirst() {
        let points = CopyForks.points(in: Self.result(), count: 4)
        let bytes = Array(Self.answer.utf8)
        // The signature and the docstring are not forked; on the return line the `1` (-1.2)
        // and `None` (-0.4), the line's two least likely tokens, with `return` (-0.01) sure.
        #expect(points.map { String(decoding: bytes[$0..<($0 + 2)], as: UTF8.self) } == ["1,", "No"])
        #expect(CopyForks.points(in: Self.result(), count: 1).count == 1)
        #expect(CopyForks.points(in: Self.result(), count: 0).isEmpty)
        var noProbabilities = Self.result()
        noProbabilities.tokenLogProbabilities = []
        #expect(CopyForks.points(in: noProbabilities, count: 4).isEmpty)
    }

    @Test func theForkMayNotWriteTheCopiedTokenThereButAnythingElse() throws {
        let point = try #require(CopyForks.points(in: Self.result(), count: 1).first)
        let constraint = CopyForks.constraint(divergingFrom: Self.answer, at: point)
        let bytes = Array(Self.answer.utf8)
        let before = Array(bytes[0..<point])
        #expect(constraint.accepts(Array(before.dropLast(3)), Array(before.suffix(3))), "copying up to the fork")
        #expect(!constraint.accepts(before, Array("1".utf8)), "the copied token at the fork")
        #expect(!constraint.accepts(Array(before.dropLast()), Array(" 1".utf8)), "a token spanning the fork")
        #expect(constraint.accepts(before, Array("0".utf8)))
        #expect(constraint.accepts(before + Array("0".utf8), Array(", None".utf8)), "after leaving the copy")
        #expect(constraint.accepts(before, []), "control tokens (end of turn)")
    }

    /// A stub continued after its docstring: no closing fence there, and the body's first word
    /// is no `raise` or `pass` (nor the start of one); after the first word anything goes.
    @Test func aStubsContinuationWritesABodyThatDoesNotRaise() throws {
        let copy = "```python\ndef f(x):\n    \"\"\"Doc.\"\"\"\n```\n"
        let fence = try #require(CopyForks.closingFence(of: copy))
        #expect(String(decoding: Array(copy.utf8)[fence...], as: UTF8.self) == "```\n")
        let constraint = CopyForks.stubContinuation(of: copy, at: fence)
        let head = Array(copy.utf8)[0..<fence].map { $0 }
        #expect(constraint.accepts(Array(head.dropLast(4)), Array(head.suffix(4))), "copying up to the fence")
        #expect(!constraint.accepts(head, Array("```".utf8)))
        for refused in ["    raise", "    pass", "raise NotImplementedError", "    r", "    pa"] {
            #expect(!constraint.accepts(head, Array(refused.utf8)), "\(refused)")
        }
        #expect(!constraint.accepts(head + Array("    ".utf8), Array("raise".utf8)), "after blank tokens")
        for accepted in ["    return", "\n", "    seen", "    if"] {
            #expect(constraint.accepts(head, Array(accepted.utf8)), "\(accepted)")
        }
        #expect(constraint.accepts(head + Array("    if x:\n        ".utf8), Array("raise".utf8)), "a raise later on")
        #expect(CopyForks.closingFence(of: "```python\ndef f(x):\n    pass\n") == nil, "no closing fence")
    }
}
