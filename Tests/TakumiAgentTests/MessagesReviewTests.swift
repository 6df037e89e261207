import Foundation
import Testing
import TakumiAgent

@Suite("Messages: diff parsing and review")
struct MessagesReviewTests {
    let diffText = """
    diff --git a/src/calc.py b/src/calc.py
    index 1111111..2222222 100644
    --- a/src/calc.py
    +++ b/src/calc.py
    @@ -10,4 +10,5 @@ def total(xs):
         s = 0
    -    for i in range(len(xs)):
    +    for i in range(len(xs) + 1):
             s += xs[i]
    +    print(s)
         return s
    diff --git a/old.txt b/old.txt
    deleted file mode 100644
    --- a/old.txt
    +++ /dev/null
    @@ -1 +0,0 @@
    -gone
    diff --git a/notes.md b/notes.md
    new file mode 100644
    --- /dev/null
    +++ b/notes.md
    @@ -0,0 +1 @@
    +hello

    """

    @Test func parsesFilesHunksAndNewLineNumbers() throws {
        let diff = ParsedDiff.parse(diffText)
        #expect(diff.files.map(\.path) == ["src/calc.py", "old.txt", "notes.md"])
        let calc = diff.files[0]
        #expect(calc.addedLineNumbers == [11, 13])
        #expect(calc.addedCount == 2 && calc.removedCount == 1)
        #expect(diff.files[1].isDeleted && diff.files[2].isNew)
        #expect(diff.summary == "M src/calc.py (+2 -1)\nD old.txt (+0 -1)\nA notes.md (+1 -0)")
        #expect(diff.render(lineNumbers: true).contains("   11 +    for i in range(len(xs) + 1):"))
    }

    @Test func parsesFindingsAndDropsThoseWithoutAKnownFileAndLine() {
        let answer = """
        - `src/calc.py:11`: range(len(xs) + 1) reads past the end of xs
        2. calc.py:13: leftover debug print
        old.txt:1: deleted file
        The code looks fine overall.
        src/calc.py:11: range(len(xs) + 1) reads past the end of xs
        """
        let (suggestions, ignored) = ReviewWriter.parse(answer, diff: ParsedDiff.parse(diffText))
        #expect(suggestions == [
            ReviewSuggestion(file: "src/calc.py", line: 11, message: "range(len(xs) + 1) reads past the end of xs", onChangedLine: true),
            ReviewSuggestion(file: "src/calc.py", line: 13, message: "leftover debug print", onChangedLine: true),
        ])
        #expect(ignored.count == 2)
    }

    @Test func noFindingsAnswer() {
        let (suggestions, ignored) = ReviewWriter.parse("NO FINDINGS", diff: ParsedDiff.parse(diffText))
        #expect(suggestions.isEmpty && ignored.isEmpty)
    }

    @Test func reviewPromptShowsLineNumbersAndLanguage() throws {
        let generator = ReplayTextGenerator(answer: "src/calc.py:11: 範囲外アクセスの可能性")
        let writer = ReviewWriter(generator: generator, render: hooksTemplateRenderer())
        let result = try writer.review(diffText: diffText, language: .ja)
        #expect(result.suggestions.map(\.formatted) == ["src/calc.py:11: 範囲外アクセスの可能性"])
        guard case let .chat(messages)? = generator.requests.first?.prompt else { Issue.record("no chat"); return }
        #expect(messages[1].content.contains("Write the findings in Japanese."))
        #expect(messages[1].content.contains("指摘は日本語で書いてください。"))
        #expect(messages[1].content.contains("   13 +    print(s)"))
    }

    @Test func aLoopingAnswerIsStoppedAtTheFirstRepeatedLine() throws {
        let line = "src/calc.py:11: reads past the end\n"
        let generator = ReplayTextGenerator(answer: String(repeating: line, count: 50))
        let writer = ReviewWriter(generator: generator, render: hooksTemplateRenderer())
        let result = try writer.review(diffText: diffText, language: .en, deadline: GenerationDeadline(seconds: 60))
        #expect(result.suggestions.map(\.formatted) == ["src/calc.py:11: reads past the end"])
        // Stopped after the second copy, not after fifty.
        #expect(result.ignoredLines.isEmpty)
    }
}
