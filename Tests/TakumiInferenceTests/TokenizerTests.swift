import Foundation
import Testing
import TakumiInference

/// A small byte-level vocabulary built in memory: ids 0...255 are the single bytes (in byte
/// order), then one token per merge (in merge order), then the given special tokens.
struct ToyVocabulary {
    var tokens: [String]
    var types: [Int32]
    var merges: [String]

    init(merges: [String], specials: [(String, TokenType)] = []) {
        tokens = (0..<256).map { String(ByteLevel.scalarForByte[$0]) }
        types = [Int32](repeating: TokenType.normal.rawValue, count: 256)
        self.merges = merges
        for merge in merges {
            tokens.append(merge.replacingOccurrences(of: " ", with: ""))
            types.append(TokenType.normal.rawValue)
        }
        for (text, type) in specials {
            tokens.append(text)
            types.append(type.rawValue)
        }
    }

    func id(_ text: String) -> Int32 { Int32(tokens.firstIndex(of: text) ?? -1) }

    func tokenizer() throws -> Tokenizer {
        try Tokenizer(tokens: tokens, merges: merges, tokenTypes: types)
    }
}

@Suite("Tokenizer (in-memory vocabulary)")
struct TokenizerTests {
    static let vocabulary = ToyVocabulary(
        merges: ["h e", "l l", "he ll", "hell o", "Ġ w", "Ġw o", "r l", "Ġwo rl", "Ġworl d", "a a", "Ġ Ġ"],
        specials: [("<|im_start|>", .control), ("<|im_end|>", .control), ("<|endoftext|>", .control),
                   ("<tool_call>", .userDefined), ("[PAD1]", .unused)])

    @Test("bytes map to their single-byte tokens when no merge applies")
    func singleBytes() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        // 'x' is byte 0x78; ids 0...255 are bytes in this vocabulary.
        #expect(tokenizer.encode("x") == [0x78])
        #expect(tokenizer.encode("xyz") == [0x78, 0x79, 0x7A])
        #expect(tokenizer.encode("") == [])
    }

    @Test("merges apply by rank until none is left")
    func mergesByRank() throws {
        let v = Self.vocabulary
        let tokenizer = try v.tokenizer()
        #expect(tokenizer.encode("hello") == [v.id("hello")])
        #expect(tokenizer.encode("hello world") == [v.id("hello"), v.id("Ġworld")])
        // "hel" : "h e" ranks before "l l" can apply (only one l), so he + l.
        #expect(tokenizer.encode("hel") == [v.id("he"), 0x6C])
    }

    @Test("equal-rank pairs merge leftmost first")
    func leftmostFirst() throws {
        let v = Self.vocabulary
        let tokenizer = try v.tokenizer()
        #expect(tokenizer.encode("aaa") == [v.id("aa"), 0x61])
        #expect(tokenizer.encode("aaaa") == [v.id("aa"), v.id("aa")])
    }

    @Test("control tokens are parsed only when asked; user-defined always")
    func specialTokens() throws {
        let v = Self.vocabulary
        let tokenizer = try v.tokenizer()
        let start = v.id("<|im_start|>"), end = v.id("<|im_end|>")
        #expect(tokenizer.encode("<|im_start|>hello<|im_end|>") == [start, v.id("hello"), end])
        let plain = tokenizer.encode("<|im_start|>", parseSpecial: false)
        #expect(!plain.contains(start))
        #expect(tokenizer.decode(plain) == "<|im_start|>")
        #expect(tokenizer.encode("x<tool_call>x", parseSpecial: false) == [0x78, v.id("<tool_call>"), 0x78])
        // Adjacent and unfinished special texts.
        #expect(tokenizer.encode("<|im_end|><|im_end|>") == [end, end])
        #expect(!tokenizer.encode("<|im_end").contains(end))
        // Unused entries are never matched in text and decode to nothing.
        #expect(!tokenizer.encode("[PAD1]").contains(v.id("[PAD1]")))
        #expect(tokenizer.decode([v.id("[PAD1]")]) == "")
    }

    @Test("decode inverts encode and renders or skips control tokens")
    func decodeRoundTrip() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        for text in ["hello world", "  spaced\n\ttabs\r\n", "日本語 🙂 café", "<|im_start|>user\nhi<|im_end|>", "a'll 123"] {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
        let ids = tokenizer.encode("<|im_start|>hi<|im_end|>")
        #expect(tokenizer.decode(ids, skipControl: true) == "hi")
    }

    @Test("decode turns invalid UTF-8 into U+FFFD instead of failing")
    func decodeInvalidUTF8() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        // 0xE6 0x97 starts a 3-byte character that never ends; 0xFF is never valid.
        #expect(tokenizer.decode([0xE6, 0x97]) == "\u{FFFD}")
        #expect(tokenizer.decode([0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        #expect(tokenizer.decode([0xE6, 0x97, 0xA5]) == "日")
        #expect(tokenizer.decode([-5, 1_000_000]) == "")
    }

    @Test("tokenBytes gives raw bytes; special ids are found by text")
    func tokenBytesAndSpecials() throws {
        let v = Self.vocabulary
        let tokenizer = try v.tokenizer()
        #expect(tokenizer.tokenBytes(v.id("Ġworld")) == Array(" world".utf8))
        #expect(tokenizer.tokenBytes(0x0A) == [0x0A])
        #expect(tokenizer.specialIds.imStart == v.id("<|im_start|>"))
        #expect(tokenizer.specialIds.imEnd == v.id("<|im_end|>"))
        #expect(tokenizer.specialIds.fimPrefix == nil)
        #expect(tokenizer.isEndOfGeneration(v.id("<|im_end|>")))
        #expect(tokenizer.isEndOfGeneration(v.id("<|endoftext|>")))
        #expect(!tokenizer.isEndOfGeneration(v.id("<|im_start|>")))
        #expect(tokenizer.tokenId(forSpecialText: "<|im_end|>") == v.id("<|im_end|>"))
    }

    @Test("the piece cache gives the same ids on repeated and concurrent use")
    func cacheConsistency() async throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        let text = String(repeating: "hello world aaa hel ", count: 50)
        let first = tokenizer.encode(text)
        let results = await withTaskGroup(of: [Int32].self) { group in
            for _ in 0..<4 { group.addTask { tokenizer.encode(text) } }
            return await group.reduce(into: [[Int32]]()) { $0.append($1) }
        }
        for ids in results { #expect(ids == first) }
    }

    // MARK: - Errors

    @Test("token type count must match the token count")
    func typeCountMismatch() throws {
        var v = Self.vocabulary
        v.types.removeLast()
        #expect(throws: InferenceError.self) { try v.tokenizer() }
        do {
            _ = try v.tokenizer()
        } catch {
            #expect("\(error)".contains("tokenizer.ggml.token_type"))
        }
    }

    @Test("a merge of unknown tokens is an error naming the entry")
    func unknownMerge() throws {
        var v = Self.vocabulary
        v.merges.append("q zz")
        do {
            _ = try v.tokenizer()
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("'q zz'"))
            #expect(error.description.contains("'zz' is not in the vocabulary"))
        }
        v.merges[v.merges.count - 1] = "nospace"
        #expect(throws: InferenceError.self) { try v.tokenizer() }
    }

    @Test("a vocabulary without all 256 byte tokens is rejected")
    func missingByteToken() throws {
        var v = Self.vocabulary
        v.tokens[0x41] = "NOT-A"
        do {
            _ = try v.tokenizer()
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("0x41"))
        }
    }

    // MARK: - GGUF

    private func writeGGUF(_ v: ToyVocabulary, model: String = "gpt2", pre: String = "qwen2") throws -> GGUFFile {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("qwen2"))
        writer.set("tokenizer.ggml.model", .string(model))
        writer.set("tokenizer.ggml.pre", .string(pre))
        writer.set("tokenizer.ggml.tokens", .array(.string(v.tokens)))
        writer.set("tokenizer.ggml.token_type", .array(.int32(v.types)))
        writer.set("tokenizer.ggml.merges", .array(.string(v.merges)))
        writer.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(v.id("<|im_end|>"))))
        return try GGUFFile(bytes: writer.bytes(), name: "toy.gguf")
    }

    @Test("loads from a GGUF file's tokenizer keys")
    func fromGGUF() throws {
        let v = Self.vocabulary
        let tokenizer = try Tokenizer(gguf: writeGGUF(v))
        #expect(tokenizer.encode("hello world") == [v.id("hello"), v.id("Ġworld")])
        #expect(tokenizer.specialIds.endOfSequence == v.id("<|im_end|>"))
        #expect(tokenizer.vocabularySize == v.tokens.count)
    }

    @Test("rejects GGUF tokenizers it does not implement, naming the key")
    func unsupportedGGUF() throws {
        let v = Self.vocabulary
        do {
            _ = try Tokenizer(gguf: writeGGUF(v, model: "llama"))
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("tokenizer.ggml.model"))
            #expect(error.description.contains("'llama'"))
        }
        do {
            _ = try Tokenizer(gguf: writeGGUF(v, pre: "gpt-4o"))
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("tokenizer.ggml.pre"))
        }
    }

    @Test("llama-bpe pre-tokenizer keeps up to three digits together; qwen2 one")
    func llamaDigits() throws {
        let v = ToyVocabulary(merges: ["1 2", "12 3"], specials: [("<|im_end|>", .control)])
        let qwen = try Tokenizer(gguf: writeGGUF(v))
        let llama = try Tokenizer(gguf: writeGGUF(v, pre: "llama-bpe"))
        // Only when "123" is one piece can the digit merges apply.
        #expect(qwen.encode("1234") == [0x31, 0x32, 0x33, 0x34])
        #expect(llama.encode("1234") == [v.id("123"), 0x34])
    }
}

@Suite("BPE merge loops")
struct TokenizerMergeLoopTests {
    @Test("the heap loop (long pieces) and the scan loop (short pieces) agree")
    func heapEqualsScan() throws {
        // A vocabulary with overlapping merges of different ranks, so the order matters.
        let v = ToyVocabulary(merges: ["a b", "b a", "a a", "ab a", "ba b", "aa a", "b b", "ab ab", "bb a", "aaa a"])
        var table = BPEMerges(capacity: v.merges.count)
        for (rank, merge) in v.merges.enumerated() {
            let parts = merge.split(separator: " ").map(String.init)
            table.add(left: v.id(parts[0]), right: v.id(parts[1]), merged: v.id(parts[0] + parts[1]), rank: Int32(rank))
        }
        var rng = TestRNG(seed: 42)
        for _ in 0..<500 {
            let length = 2 + rng.int(80)
            let input = (0..<length).map { _ in rng.int(3) == 0 ? Int32(0x62) : Int32(0x61) }
            var scanned = input, heaped = input
            table.applyWithScan(to: &scanned)
            table.applyWithHeap(to: &heaped)
            #expect(scanned == heaped, "input \(input)")
        }
    }

    @Test("the merge table grows past its initial capacity and keeps the first rule per pair")
    func tableGrowth() {
        var table = BPEMerges(capacity: 1)
        var rng = TestRNG(seed: 5)
        var expected: [UInt64: (Int32, Int32)] = [:]
        for rank in 0..<5000 {
            let left = Int32(rng.int(300)), right = Int32(rng.int(300))
            let merged = Int32(1000 + rank)
            table.add(left: left, right: right, merged: merged, rank: Int32(rank))
            let key = UInt64(left) << 32 | UInt64(right)
            if expected[key] == nil { expected[key] = (Int32(rank), merged) }
        }
        #expect(table.count == expected.count)
        for (key, value) in expected {
            let rule = table.rule(Int32(key >> 32), Int32(key & 0xFFFF_FFFF))
            #expect(rule?.rank == value.0 && rule?.merged == value.1)
        }
        #expect(table.rule(400, 400) == nil)
        #expect(table.rule(-1, 3) == nil)
        #expect(table.rule(-1, -1) == nil)
    }
}
