import Foundation
import Testing
import TakumiInference

@Suite("PreTokenizer (qwen2 pattern)")
struct PreTokenizerTests {
    static func pieces(_ text: String, maxDigits: Int = 1) -> [String] {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { buffer in
            PreTokenizer.split(UnsafeBufferPointer(buffer), maxDigits: maxDigits).map {
                String(decoding: buffer[$0], as: UTF8.self)
            }
        }
    }

    @Test("words take the space before them")
    func words() {
        #expect(Self.pieces("Hello world") == ["Hello", " world"])
        #expect(Self.pieces("a\tb") == ["a", "\tb"])
        #expect(Self.pieces("(x)") == ["(x", ")"])
        #expect(Self.pieces("naïve Ångström") == ["naïve", " Ångström"])
    }

    @Test("digits are single pieces")
    func digits() {
        #expect(Self.pieces("x = 12345") == ["x", " =", " ", "1", "2", "3", "4", "5"])
        #expect(Self.pieces("٣²") == ["٣", "²"])
    }

    @Test("contractions split off, in any case")
    func contractions() {
        #expect(Self.pieces("I'm") == ["I", "'m"])
        #expect(Self.pieces("THEY'LL") == ["THEY", "'LL"])
        #expect(Self.pieces("we've") == ["we", "'ve"])
        #expect(Self.pieces("'hello") == ["'hello"])
        #expect(Self.pieces("it’s") == ["it", "’s"])
    }

    @Test("punctuation runs keep one leading space and the line breaks after them")
    func punctuation() {
        #expect(Self.pieces("a += b;\n") == ["a", " +=", " b", ";\n"])
        #expect(Self.pieces("});\r\n\r\n}") == ["});\r\n\r\n", "}"])
        #expect(Self.pieces("x  ==") == ["x", " ", " =="])
    }

    @Test("whitespace runs: \\s*[\\r\\n]+, \\s+(?!\\S), \\s+")
    func whitespace() {
        #expect(Self.pieces("   x") == ["  ", " x"])
        #expect(Self.pieces("x   ") == ["x", "   "])
        #expect(Self.pieces("  \n\n  x") == ["  \n\n", " ", " x"])
        #expect(Self.pieces("a\r\n\tb") == ["a", "\r\n", "\tb"])
        #expect(Self.pieces("\n") == ["\n"])
        #expect(Self.pieces(" 1") == [" ", "1"])
        #expect(Self.pieces("\u{3000}x") == ["\u{3000}x"])
        #expect(Self.pieces("a \u{3000} b") == ["a", " \u{3000}", " b"])
    }

    @Test("pieces cover the text exactly, for any input")
    func coverage() {
        var rng = TestRNG(seed: 7)
        let alphabet: [String] = [" ", "\n", "\r", "\t", "a", "Z", "1", "'", "s", ".", "日", "🙂", "\u{301}", "\u{3000}", "²"]
        for _ in 0..<300 {
            let text = (0..<rng.int(30)).map { _ in alphabet[rng.int(alphabet.count)] }.joined()
            let pieces = Self.pieces(text)
            #expect(pieces.joined() == text)
            #expect(!pieces.contains(""))
        }
    }
}
