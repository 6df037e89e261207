import Foundation
import Testing
import TakumiInference

@Suite("ChatTemplate")
struct ChatTemplateTests {
    /// The system/user part of Qwen2.5's Jinja template, enough to recognize it.
    static let qwenTemplateExcerpt = """
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
            {%- else %}
                {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
            {%- endif %}
        {%- endif %}
        """

    @Test("renders the golden prompt byte for byte, with Qwen's default system prompt")
    func goldenPrompt() throws {
        let template = try ChatTemplate(templateSource: Self.qwenTemplateExcerpt)
        #expect(template.family == .chatML)
        #expect(template.defaultSystemPrompt == ChatTemplate.qwenDefaultSystemPrompt)
        let prompt = template.render([.user("Write a Python function that returns the n-th Fibonacci number.")])
        let cases = try TokenizerFixtures.jsonLines("greedy.jsonl")
        let golden = try #require(cases.first?["prompt"] as? String)
        #expect(prompt == golden)
    }

    @Test("an explicit system message replaces the default; turns follow in order")
    func conversation() {
        let template = ChatTemplate()
        let prompt = template.render([.system("Be brief."), .user("Hi"), .assistant("Hello."), .user("Bye")])
        #expect(prompt == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n")
        let noHeader = template.render([.system("S")], addGenerationPrompt: false)
        #expect(noHeader == "<|im_start|>system\nS<|im_end|>\n")
    }

    @Test("no template means ChatML without a default system turn; other families are an error")
    func detection() throws {
        let none = try ChatTemplate(templateSource: nil)
        #expect(none.render([.user("x")]) == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
        do {
            _ = try ChatTemplate(templateSource: "{{ bos_token }}[INST] {{ message }} [/INST]", path: "m.gguf")
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("m.gguf"))
            #expect(error.description.contains("tokenizer.chat_template"))
        }
        // A ChatML template whose system turn is built from variables has no default.
        let variable = try ChatTemplate(templateSource: "{{ '<|im_start|>system\\n' + sys + '<|im_end|>' }}")
        #expect(variable.defaultSystemPrompt == nil)
    }

    @Test("fill-in-the-middle prompt is the golden FIM prompt with the cursor's line moved after <|fim_middle|>")
    func fillInMiddle() throws {
        let linesBefore = "def quicksort(xs):\n    if len(xs) <= 1:\n        return xs\n", lineStart = "    "
        let suffix = "\n    return quicksort(left) + [pivot] + quicksort(right)\n"
        let prompt = ChatTemplate.fillInMiddle(prefix: linesBefore + lineStart, suffix: suffix)
        let cases = try TokenizerFixtures.jsonLines("greedy.jsonl")
        let golden = try #require(cases.first { ($0["prompt"] as? String)?.hasPrefix("<|fim_prefix|>") == true }?["prompt"] as? String)
        // llama.cpp's classic order: the whole prefix before <|fim_suffix|>.
        #expect(golden == "<|fim_prefix|>" + linesBefore + lineStart + "<|fim_suffix|>" + suffix + "<|fim_middle|>")
        #expect(prompt == "<|fim_prefix|>" + linesBefore + "<|fim_suffix|>" + suffix + "<|fim_middle|>" + lineStart)
    }

    @Test("typing at the cursor changes only the end of the FIM prompt")
    func typingKeepsThePromptPrefix() {
        let before = ChatTemplate.fillInMiddle(prefix: "x = 1\nif x:\n    ret", suffix: "\nprint(x)\n")
        let after = ChatTemplate.fillInMiddle(prefix: "x = 1\nif x:\n    retu", suffix: "\nprint(x)\n")
        #expect(after.hasPrefix(before))
        #expect(ChatTemplate.splitAtLastLine("no newline") == ("", "no newline"))
        #expect(ChatTemplate.splitAtLastLine("a\r\nb") == ("a\r\n", "b"))
        #expect(ChatTemplate.splitAtLastLine("a\n") == ("a\n", ""))
    }

    @Test("repository-level FIM lists context files, then the edited file's path")
    func repositoryFillInMiddle() {
        let prompt = ChatTemplate.fillInMiddle(prefix: "let a = ", suffix: "\n", path: "Sources/main.swift",
                                               repositoryName: "takumi",
                                               contextFiles: [(path: "Sources/util.swift", content: "func f() {}")])
        #expect(prompt == "<|repo_name|>takumi\n<|file_sep|>Sources/util.swift\nfunc f() {}\n"
            + "<|file_sep|>Sources/main.swift\n<|fim_prefix|><|fim_suffix|>\n<|fim_middle|>let a = ")
    }

    @Test("stop tokens are found in the vocabulary")
    func stopTokens() throws {
        let v = ToyVocabulary(merges: [], specials: [("<|im_end|>", .control), ("<|endoftext|>", .control)])
        let tokenizer = try v.tokenizer()
        #expect(ChatTemplate().stopTokenIds(in: tokenizer) == [v.id("<|im_end|>"), v.id("<|endoftext|>")])
    }

    @Test("the real model's template is recognized as ChatML with Qwen's default system prompt",
          .enabled(if: RealModel.available))
    func realModelTemplate() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        let template = try ChatTemplate(gguf: GGUFFile(path: path))
        #expect(template.family == .chatML)
        #expect(template.defaultSystemPrompt == ChatTemplate.qwenDefaultSystemPrompt)
    }

    @Test("segments keep special-token texts in content literal")
    func segmentsKeepContentLiteral() throws {
        let v = ToyVocabulary(merges: [], specials: [("<|im_start|>", .control), ("<|im_end|>", .control)])
        let tokenizer = try v.tokenizer()
        let template = ChatTemplate(family: .chatML, defaultSystemPrompt: nil)
        let messages: [ChatTemplate.Message] = [.user("say <|im_end|> please")]
        let ids = try tokenizer.encode(template.segments(messages))
        // Only the real end of the user turn is the <|im_end|> token.
        #expect(ids.filter { $0 == v.id("<|im_end|>") }.count == 1)
        #expect(tokenizer.decode(ids) == template.render(messages))
        // Plain string encoding, by contrast, parses the marker (what segments prevent).
        #expect(tokenizer.encode(template.render(messages)).filter { $0 == v.id("<|im_end|>") }.count == 2)
        // A special token the vocabulary lacks is an error naming it.
        do {
            _ = try tokenizer.encode(ChatTemplate.fillInMiddleSegments(prefix: "a", suffix: "b"))
            Issue.record("expected an error")
        } catch let error as InferenceError {
            #expect(error.description.contains("<|fim_prefix|>"))
        }
    }

    @Test("segment encoding of the golden chat and FIM prompts gives llama.cpp's ids",
          .enabled(if: RealModel.available))
    func segmentsMatchGoldenIds() throws {
        guard let tokenizer = try TokenizerFixtures.realTokenizer() else { return }
        let cases = try TokenizerFixtures.jsonLines("greedy.jsonl")
        let chat = try #require(cases.first)
        let chatIds = try tokenizer.encode(ChatTemplate().segments(
            [.user("Write a Python function that returns the n-th Fibonacci number.")]))
        #expect(chatIds == TokenizerFixtures.ids(chat["prompt_ids"]))
        let fim = try #require(cases.first { ($0["prompt"] as? String)?.hasPrefix("<|fim_prefix|>") == true })
        let fimIds = try tokenizer.encode(ChatTemplate.fillInMiddleSegments(
            prefix: "def quicksort(xs):\n    if len(xs) <= 1:\n        return xs\n    ",
            suffix: "\n    return quicksort(left) + [pivot] + quicksort(right)\n"))
        // llama.cpp's ids with the cursor line's tokens ("    ") moved after <|fim_middle|>.
        let golden: [Int32] = try #require(TokenizerFixtures.ids(fim["prompt_ids"]))
        let lineStart: [Int32] = try tokenizer.encode([.text("    ")])
        let suffixId: Int32 = try #require(tokenizer.tokenId(forSpecialText: "<|fim_suffix|>"))
        let marker: Int = try #require(golden.firstIndex(of: suffixId))
        let cut = marker - lineStart.count
        #expect(Array(golden[cut..<marker]) == lineStart)
        let expected: [Int32] = Array(golden[..<cut]) + Array(golden[marker...]) + lineStart
        #expect(fimIds == expected)
    }
}
