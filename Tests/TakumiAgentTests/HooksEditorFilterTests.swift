import Foundation
import Testing
import TakumiAgent

@Suite("Hooks: editor filter and completion")
struct HooksEditorFilterTests {
    @Test func trailingNewlinesFollowTheInput() {
        #expect(SelectionText.matchingTrailingNewlines("a\nb\n\n", like: "x") == "a\nb")
        #expect(SelectionText.matchingTrailingNewlines("a\nb", like: "x\n") == "a\nb\n")
        #expect(SelectionText.matchingTrailingNewlines("a\n", like: "x\n\n") == "a\n\n")
    }

    @Test func indentationIsRestoredWhenTheModelDropsIt() {
        let input = "    if x {\n        y()\n    }\n"
        #expect(SelectionText.restoringIndentation("if x {\n    z()\n}", like: input) == "    if x {\n        z()\n    }")
        #expect(SelectionText.restoringIndentation("  kept", like: input) == "  kept")
    }

    @Test func rewriteStripsFencesAndKeepsTheInputShape() throws {
        let generator = ReplayTextGenerator(answer: "Sure:\n```swift\nfunc add(_ a: Int, _ b: Int) -> Int {\n    a + b\n}\n```\n")
        let filter = EditorFilter(generator: generator, render: hooksTemplateRenderer())
        let input = "func add(a: Int, b: Int) -> Int { return a + b }"
        let output = try filter.rewrite(FilterRequest(instruction: "use unlabeled parameters", selection: input,
                                                      filePath: "Sources/Math.swift"))
        #expect(output == "func add(_ a: Int, _ b: Int) -> Int {\n    a + b\n}")
        guard case let .chat(messages)? = generator.requests.first?.prompt else { Issue.record("no chat"); return }
        #expect(messages[1].content.contains("```swift\n" + input + "\n```"))
        #expect(messages[1].content.contains("Instruction: use unlabeled parameters"))
        #expect(!messages[1].content.contains("Context from"))
    }

    @Test func contextMarksTheSelectionInTheFile() throws {
        let generator = ReplayTextGenerator(answer: "```\nB\n```")
        let filter = EditorFilter(generator: generator, render: hooksTemplateRenderer())
        let file = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        _ = try filter.rewrite(FilterRequest(instruction: "x", selection: "line 4\nline 5\n", filePath: "a.txt",
                                             fileText: file, lines: 4...5))
        guard case let .chat(messages)? = generator.requests.first?.prompt else { Issue.record("no chat"); return }
        #expect(messages[1].content.contains("line 3\n<<< selection starts >>>\nline 4\nline 5\n<<< selection ends >>>\nline 6"))
    }

    @Test func emptyOrCutOffAnswersFail() {
        let empty = EditorFilter(generator: ReplayTextGenerator(answer: "```\n\n```"), render: hooksTemplateRenderer())
        #expect(throws: AgentError.self) { try empty.rewrite(FilterRequest(instruction: "x", selection: "a\n")) }
        let long = String(repeating: "word ", count: 2000)
        let cut = EditorFilter(generator: ReplayTextGenerator(answer: long), render: hooksTemplateRenderer())
        #expect(throws: AgentError.self) { try cut.rewrite(FilterRequest(instruction: "x", selection: "a\n")) }
    }

    @Test func lineRangeParsing() throws {
        #expect(try EditorFilter.parseLines("3:7") == 3...7)
        #expect(throws: AgentError.invalidLineRange(text: "7:3")) { try EditorFilter.parseLines("7:3") }
        #expect(throws: AgentError.invalidLineRange(text: "0:1")) { try EditorFilter.parseLines("0:1") }
    }

    @Test func fillInMiddleSplitsAtByteOffsets() throws {
        let buffer = "let s = \"日本\"\nprint(s)\n"
        let offset = Array("let s = \"日".utf8).count
        let (prefix, suffix) = try FillInMiddleCompleter.split(buffer: buffer, atByteOffset: offset)
        #expect(prefix == "let s = \"日" && suffix == "本\"\nprint(s)\n")
        // Inside a multi-byte character: moves back to its start.
        let (p2, s2) = try FillInMiddleCompleter.split(buffer: buffer, atByteOffset: offset - 1)
        #expect(p2 == "let s = \"" && s2 == "日本\"\nprint(s)\n")
        #expect(throws: AgentError.invalidOffset(offset: 999, length: buffer.utf8.count)) {
            try FillInMiddleCompleter.split(buffer: buffer, atByteOffset: 999)
        }
    }

    @Test func completionSendsAFillInMiddlePromptWithContext() throws {
        let generator = ReplayTextGenerator(answer: "a + b")
        let completer = FillInMiddleCompleter(generator: generator)
        let buffer = "func add(a: Int, b: Int) -> Int {\n    return \n}\n"
        let offset = Array("func add(a: Int, b: Int) -> Int {\n    return ".utf8).count
        let result = try completer.complete(buffer: buffer, byteOffset: offset, path: "Math.swift",
                                            contextFiles: [("Other.swift", "let x = 1\n")])
        #expect(result.text == "a + b")
        let request = try #require(generator.requests.first)
        #expect(request.prompt == .fillInMiddle(prefix: "func add(a: Int, b: Int) -> Int {\n    return ", suffix: "\n}\n",
                                                path: "Math.swift", contextFiles: [("Other.swift", "let x = 1\n")]))
    }

    /// Completion context comes from `ContextSelector`: the file defining what the code at the
    /// cursor calls (imported by the buffer) is shown, unrelated files and the buffer's own are not.
    @Test func completionContextShowsWhatTheCursorUses() throws {
        let repo = try GitRepoFixture(files: [
            "app/main.py": "from app.pricing import apply_discount\n\ndef checkout(cart):\n    total = sum(cart)\n    return \n",
            "app/pricing.py": "def apply_discount(total, rate):\n    \"\"\"Total after a discount rate.\"\"\"\n    return total * (1 - rate)\n",
            "app/logging_setup.py": "import logging\n\ndef configure():\n    logging.basicConfig(level=logging.INFO)\n",
            "README.md": "A shop.\n",
        ])
        let buffer = "from app.pricing import apply_discount\n\ndef checkout(cart):\n    total = sum(cart)\n    return "
        let files = try CompletionContext.files(repository: repo.open(), path: "app/main.py", prefix: buffer, suffix: "\n")
        let paths = files.map(\.0)
        #expect(paths.first == "app/pricing.py", "chosen: \(paths)")
        #expect(!paths.contains("app/main.py"))
        #expect(!paths.contains("app/logging_setup.py"), "chosen: \(paths)")
        #expect(files.first?.1.contains("def apply_discount(total, rate):") == true)
        // Typing on the cursor's line does not change what is asked (so the prompt's start).
        #expect(CompletionContext.query(prefix: buffer, suffix: "\n") == CompletionContext.query(prefix: buffer + "apply_", suffix: "\n"))
        // The words asked: the cursor's 32-line chunk (64-95 for line 70) but its own line, the
        // 40 lines before the chunk and 10 after it.
        let long = (0..<120).map { "value_\($0) = compute_\($0)()" }
        let query = CompletionContext.query(prefix: long[..<70].joined(separator: "\n") + "\nvalue_70 = comp",
                                            suffix: "ute_70()\n" + long[71...].joined(separator: "\n"))
        for line in [24, 63, 69, 71, 95, 105] { #expect(query.contains("compute_\(line)()"), "line \(line)") }
        for line in [23, 70, 106] { #expect(!query.contains("compute_\(line)()"), "line \(line)") }
    }

    @Test func prefixWindowStartsOnAChunkBoundaryAndKeepsItWhileTheCursorMoves() throws {
        let generator = ReplayTextGenerator(answer: "x")  // about 4 characters a token
        var completer = FillInMiddleCompleter(generator: generator)
        completer.prefixTokenBudget = 200
        let lines = (0..<200).map { "line_\(String(format: "%03d", $0)) = \($0)" }  // 12-16 characters each
        func window(cursorLine: Int) -> String {
            completer.fitPrefix(lines[..<cursorLine].joined(separator: "\n") + "\n", budget: completer.prefixTokenBudget)
        }
        let a = window(cursorLine: 150), b = window(cursorLine: 153)
        #expect(generator.countTokens(a) <= 200 && generator.countTokens(b) <= 200)
        let firstA = try #require(a.split(separator: "\n").first), firstB = try #require(b.split(separator: "\n").first)
        #expect(firstA == firstB, "\(firstA) vs \(firstB)")
        let startLine = try #require(Int(firstA.dropFirst(5).prefix(3)))
        #expect(startLine % FillInMiddleCompleter.windowAlignment == 0)
        #expect(startLine > 0 && startLine < 150)
    }
}
