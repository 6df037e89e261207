import Foundation
import Testing
import TakumiInference

/// The real Qwen2.5-Coder vocabulary against llama.cpp's ids (Fixtures/golden). Skips when
/// the model is absent unless TAKUMI_REQUIRE_MODEL=1.
@Suite("Tokenizer against llama.cpp", .enabled(if: RealModel.available))
struct TokenizerGoldenTests {
    @Test("ids equal llama.cpp's for every text of tokenizer.jsonl")
    func sharedGoldenTexts() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("tokenizer.jsonl")
        #expect(cases.count >= 20)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(TokenizerFixtures.ids(entry["ids"]))
            #expect(tokenizer.encode(text) == expected, "text: \(text.debugDescription)")
            #expect(tokenizer.decode(expected) == text)
        }
    }

    @Test("ids equal llama.cpp's for our own cases (tokenizer-extra.jsonl)")
    func extraGoldenTexts() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("tokenizer-extra.jsonl")
        #expect(cases.count >= 60)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let parseSpecial = entry["parse_special"] as? Bool ?? true
            let expected = try #require(TokenizerFixtures.ids(entry["ids"]))
            #expect(tokenizer.encode(text, parseSpecial: parseSpecial) == expected,
                    "text: \(text.debugDescription) parseSpecial: \(parseSpecial)")
        }
    }

    @Test("ids equal llama.cpp's for 500 seeded random strings of tricky characters")
    func fuzzGoldenTexts() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("tokenizer-fuzz.jsonl")
        #expect(cases.count == 500)
        var mismatches = 0
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let expected = try #require(TokenizerFixtures.ids(entry["ids"]))
            let ids = tokenizer.encode(text)
            if ids != expected {
                mismatches += 1
                if mismatches <= 5 { Issue.record("text \(text.debugDescription): \(ids) != llama.cpp \(expected)") }
            }
            #expect(tokenizer.decode(ids) == text)
        }
        #expect(mismatches == 0)
    }

    @Test("ids equal llama.cpp's for whole source files (Swift, C, Python, shell, Makefile)")
    func corpusGoldenTexts() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("tokenizer-corpus.jsonl")
        #expect(cases.count >= 8)
        for entry in cases {
            let path = try #require(entry["path"] as? String)
            let text = try #require(entry["text"] as? String)
            let expected = try #require(TokenizerFixtures.ids(entry["ids"]))
            let ids = tokenizer.encode(text)
            if let first = zip(ids, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(path): first difference at token \(first): \(ids[first]) != llama.cpp \(expected[first])")
            }
            #expect(ids.count == expected.count, "\(path)")
        }
    }

    @Test("greedy.jsonl prompts encode to llama.cpp's prompt ids; answers round-trip")
    func greedyPrompts() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("greedy.jsonl")
        #expect(cases.count == 8)
        for entry in cases {
            let prompt = try #require(entry["prompt"] as? String)
            let promptIds = try #require(TokenizerFixtures.ids(entry["prompt_ids"]))
            #expect(tokenizer.encode(prompt) == promptIds, "prompt: \(prompt.debugDescription)")
            #expect(tokenizer.decode(promptIds) == prompt)

            let greedyText = try #require(entry["greedy_text"] as? String)
            let greedyIds = try #require(TokenizerFixtures.ids(entry["greedy_ids"]))
            #expect(tokenizer.decode(greedyIds) == greedyText)
            // The model's answer decodes cleanly (whole characters), and for these answers
            // llama.cpp's canonical split equals the tokens the model chose.
            #expect(!greedyText.contains("\u{FFFD}"))
            #expect(tokenizer.encode(greedyText) == greedyIds, "answer: \(greedyText.debugDescription)")
        }
    }

    @Test("special token ids of Qwen2.5")
    func specialIds() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let ids = tokenizer.specialIds
        #expect(tokenizer.vocabularySize == 151_936)
        #expect(ids.endOfText == 151_643)
        #expect(ids.imStart == 151_644)
        #expect(ids.imEnd == 151_645)
        #expect(ids.endOfSequence == 151_645)
        #expect(ids.fimPrefix == 151_659)
        #expect(ids.fimMiddle == 151_660)
        #expect(ids.fimSuffix == 151_661)
        #expect(ids.fimPad == 151_662)
        #expect(ids.repoName == 151_663)
        #expect(ids.fileSeparator == 151_664)
        #expect(tokenizer.isEndOfGeneration(151_645))
        #expect(tokenizer.isEndOfGeneration(151_643))
        #expect(!tokenizer.isEndOfGeneration(151_644))
        #expect(!tokenizer.isEndOfGeneration(198))
        #expect(tokenizer.tokenBytes(198) == [0x0A])
        #expect(tokenizer.tokenBytes(220) == [0x20])
        #expect(tokenizer.tokenBytes(151_644) == Array("<|im_start|>".utf8))
        #expect(tokenizer.tokenBytes(151_700).isEmpty)   // padding entry
        #expect(tokenizer.tokenBytes(-1).isEmpty)
        #expect(tokenizer.tokenBytes(1_000_000).isEmpty)
    }
}
