import Foundation
import Testing
import TakumiInference

@Suite("StreamingDetokenizer")
struct TokenizerStreamingTests {
    static let vocabulary = ToyVocabulary(merges: ["h i"], specials: [("<|im_end|>", .control)])

    @Test("a character split over tokens comes out whole, once complete")
    func holdsBackPartialCharacters() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        // "日" is E6 97 A5; ids 0...255 are the single bytes in the toy vocabulary.
        #expect(stream.feed(0xE6) == "")
        #expect(stream.pendingByteCount == 1)
        #expect(stream.feed(0x97) == "")
        #expect(stream.feed(0xA5) == "日")
        #expect(stream.pendingByteCount == 0)
        // 🙂 is F0 9F 99 82, preceded by ASCII that must not wait.
        #expect(stream.feed(0x61) == "a")
        #expect(stream.feed(0xF0) == "")
        #expect(stream.feed(0x9F) == "")
        #expect(stream.feed(0x99) == "")
        #expect(stream.feed(0x82) == "🙂")
    }

    @Test("streamed pieces concatenate to the decoded text, for every split")
    func concatenationEqualsDecode() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        let text = "hi 日本語 🙂👍🏽 café\n"
        let ids = tokenizer.encode(text)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in ids { pieces.append(stream.feed(id)) }
        pieces.append(stream.finish())
        #expect(pieces.joined() == text)
        // Every emitted piece is valid on its own (no U+FFFD from a cut character).
        #expect(!pieces.joined().contains("\u{FFFD}"))
    }

    @Test("invalid bytes do not stall the stream; finish flushes a cut character as U+FFFD")
    func invalidBytes() throws {
        let tokenizer = try Self.vocabulary.tokenizer()
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(stream.feed(0xFF) == "\u{FFFD}")          // never valid
        #expect(stream.feed(0x80) == "\u{FFFD}")          // stray continuation
        #expect(stream.feed(0xE6) == "")
        #expect(stream.feed(0x41) == "\u{FFFD}A")         // lead byte cut short by ASCII
        #expect(stream.feed(0xE6) == "")
        #expect(stream.finish() == "\u{FFFD}")
        #expect(stream.finish() == "")
        // E0 80 can never become valid (overlong), so it is not held back.
        #expect(stream.feed(bytes: [0xE0, 0x80]) != "")
    }

    @Test("control tokens are skipped by default and rendered on request")
    func controlTokens() throws {
        let v = Self.vocabulary
        let tokenizer = try v.tokenizer()
        var skipping = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(skipping.feed(v.id("<|im_end|>")) == "")
        var rendering = StreamingDetokenizer(tokenizer: tokenizer, skipControl: false)
        #expect(rendering.feed(v.id("<|im_end|>")) == "<|im_end|>")
    }
}

@Suite("StopStringMatcher")
struct StopStringMatcherTests {
    @Test("text that may start a stop string is held back until decided")
    func holdsBack() {
        var matcher = StopStringMatcher(stopStrings: ["```\n", "END"])
        #expect(matcher.feed("code here\n``") == .text("code here\n"))
        #expect(matcher.feed("`x") == .text("```x"))
        #expect(matcher.feed(" E") == .text(" "))
        #expect(matcher.feed("N") == .text(""))
        #expect(matcher.feed("D and more") == .stopped(text: "", stopString: "END"))
    }

    @Test("the earliest stop string wins and the text before it is returned")
    func earliestWins() {
        var matcher = StopStringMatcher(stopStrings: ["world", "lo"])
        #expect(matcher.feed("hello world") == .stopped(text: "hel", stopString: "lo"))
    }

    @Test("matches inside CRLF and other multi-scalar characters")
    func scalarMatching() {
        var matcher = StopStringMatcher(stopStrings: ["\n```"])
        #expect(matcher.feed("code\r") == .text("code\r"))
        #expect(matcher.feed("\n``") == .text(""))
        #expect(matcher.feed("`") == .stopped(text: "", stopString: "\n```"))
        var emoji = StopStringMatcher(stopStrings: ["👍🏽!"])
        #expect(emoji.feed("ok 👍") == .text("ok "))
        #expect(emoji.feed("🏽!") == .stopped(text: "", stopString: "👍🏽!"))
    }

    @Test("finish returns what was held back; no stop strings means nothing is held")
    func finish() {
        var matcher = StopStringMatcher(stopStrings: ["STOP"])
        #expect(matcher.feed("go ST") == .text("go "))
        #expect(matcher.finish() == "ST")
        var plain = StopStringMatcher(stopStrings: [""])
        #expect(plain.feed("anything") == .text("anything"))
    }
}
