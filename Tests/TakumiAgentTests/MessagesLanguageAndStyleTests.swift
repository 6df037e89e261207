import Foundation
import Testing
import TakumiAgent

@Suite("Messages: language and style")
struct MessagesLanguageAndStyleTests {
    @Test func detectsJapaneseEvenWithEnglishIdentifiers() {
        #expect(MessageLanguage.detect(in: "README の誤字を修正") == .ja)
        #expect(MessageLanguage.detect(in: "パーサーを追加") == .ja)
        #expect(MessageLanguage.detect(in: "設定読込") == .ja)
        #expect(MessageLanguage.detect(in: "Fix typo in README") == .en)
        #expect(MessageLanguage.detect(in: "1.2.3 -> 1.2.4") == nil)
    }

    @Test func choosesExplicitThenInstructionThenHistory() {
        let japaneseHistory = ["テストを追加", "バグを修正", "Bump version"]
        #expect(MessageLanguage.choose(explicit: nil, instruction: nil, history: japaneseHistory) == .ja)
        #expect(MessageLanguage.choose(explicit: .en, instruction: nil, history: japaneseHistory) == .en)
        #expect(MessageLanguage.choose(explicit: nil, instruction: "関数名を変更して", history: ["Fix a", "Add b"]) == .ja)
        #expect(MessageLanguage.choose(explicit: nil, instruction: "rename it", history: japaneseHistory) == .en)
        #expect(MessageLanguage.choose(explicit: nil, instruction: nil, history: []) == .en)
        // A tie goes to the newest message.
        #expect(MessageLanguage.dominant(in: ["修正した", "Fix"]) == .ja)
    }

    @Test func infersConventionalCommitsStyle() {
        let style = CommitStyle.infer(from: ["feat(parser): add tables", "fix: handle empty input",
                                             "fix(io): close files", "docs: explain config"])
        #expect(style.usesConventionalPrefix)
        #expect(style.conventionalTypes.first == "fix")
        #expect(!style.capitalizesSubject)
        #expect(!style.endsSubjectWithPeriod)
        #expect(style.exampleSubjects.count == 4)
        #expect(style.guidance.contains { $0.contains("Conventional Commits") && $0.contains("fix, docs, feat") })
    }

    @Test func infersPlainCapitalizedStyleWithPeriods() {
        let style = CommitStyle.infer(from: ["Add the parser.\n\nIt reads tables.", "Fix a crash.\n\nBecause.", "Update docs."])
        #expect(!style.usesConventionalPrefix)
        #expect(style.capitalizesSubject)
        #expect(style.endsSubjectWithPeriod)
        #expect(style.usesBody)
        #expect(style.conform("remove dead code") == "Remove dead code")
    }

    @Test func conformDropsAPeriodTheHistoryNeverUses() {
        let style = CommitStyle.infer(from: ["Add x", "Fix y"])
        #expect(style.conform("Add parser.\n\nBody.") == "Add parser\n\nBody.")
        #expect(CommitStyle.conventionalType(of: "feat(ui)!: drop IE") == "feat")
        #expect(CommitStyle.conventionalType(of: "Merge: things") == nil)
        #expect(CommitStyle.conventionalType(of: "http://x") == nil)
    }
}

@Suite("Messages: commit message writer")
struct MessagesCommitMessageWriterTests {
    let diff = """
    diff --git a/Sources/Parser.swift b/Sources/Parser.swift
    index 1111111..2222222 100644
    --- a/Sources/Parser.swift
    +++ b/Sources/Parser.swift
    @@ -1,3 +1,4 @@
     struct Parser {
    +    var strict = false
         func parse() {}
     }

    """

    @Test func promptCarriesStyleExamplesLanguageAndDiff() throws {
        let generator = ReplayTextGenerator(answer: "feat: add strict mode")
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        let history = ["feat: add tables", "fix: close files"]
        let suggestion = try writer.write(diffText: diff, history: history)
        #expect(suggestion.message == "feat: add strict mode")
        #expect(suggestion.language == .en)
        let request = try #require(generator.requests.first)
        guard case let .chat(messages) = request.prompt else { Issue.record("expected a chat prompt"); return }
        let user = try #require(messages.last?.content)
        #expect(user.contains("Write the message in English."))
        #expect(user.contains("feat: add tables\nfix: close files"))
        #expect(user.contains("+    var strict = false"))
        #expect(user.contains("M Sources/Parser.swift (+1 -0)"))
        #expect(!user.contains("&lt;") && !user.contains("&gt;"))
        #expect(!user.contains("Hint from the author"))
        #expect(!user.contains("日本語"))
        _ = try writer.write(diffText: diff, history: history, instruction: "speeds up parsing")
        guard case let .chat(hinted)? = generator.requests.last?.prompt else { Issue.record("no chat"); return }
        #expect(hinted.last?.content.contains("Hint from the author: speeds up parsing") == true)
    }

    @Test func japaneseHistoryAsksForJapanese() throws {
        let generator = ReplayTextGenerator(answer: "```\n厳密モードを追加\n```")
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        let suggestion = try writer.write(diffText: diff, history: ["テーブルに対応", "ファイルを閉じる"])
        #expect(suggestion.language == .ja)
        #expect(suggestion.message == "厳密モードを追加")
        guard case let .chat(messages)? = generator.requests.first?.prompt else { Issue.record("no chat"); return }
        #expect(messages.last?.content.contains("Write the message in Japanese.") == true)
        #expect(messages.last?.content.contains("日本語で書いてください") == true)
    }

    @Test func emptyDiffIsAnError() {
        let writer = CommitMessageWriter(generator: ReplayTextGenerator(answer: "x"), render: hooksTemplateRenderer())
        #expect(throws: AgentError.nothingStaged) { try writer.write(diffText: "", history: []) }
    }

    @Test func emptyAnswerIsAnError() {
        let writer = CommitMessageWriter(generator: ReplayTextGenerator(answer: "```\n```"), render: hooksTemplateRenderer())
        #expect(throws: AgentError.emptyAnswer(task: "commit message")) { try writer.write(diffText: diff, history: []) }
    }

    @Test func cleaningRemovesLabelsQuotesCommentsAndExtraBlankLines() {
        let style = CommitStyle.default
        #expect(CommitMessageWriter.clean("Commit message: \"Add parser\"", style: style) == "Add parser")
        #expect(CommitMessageWriter.clean("Add parser\nIt reads TOML.\n\n\n", style: style) == "Add parser\n\nIt reads TOML.")
        #expect(CommitMessageWriter.clean("# Add parser", style: style) == "Add parser")
        #expect(CommitMessageWriter.clean("Here it is:\n```text\nadd parser.\n```\nHope it helps", style: style) == "Add parser")
    }

    @Test func longDiffIsCutToTheBudget() throws {
        var big = "diff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n@@ -0,0 +1,2000 @@\n"
        for index in 1...2000 { big += "+line number \(index) of the generated file\n" }
        let generator = ReplayTextGenerator(answer: "Add big file")
        var writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        writer.diffTokenBudget = 500
        let suggestion = try writer.write(diffText: big, history: [])
        #expect(suggestion.diffTruncated)
        guard case let .chat(messages)? = generator.requests.first?.prompt else { Issue.record("no chat"); return }
        #expect(generator.countTokens(messages[1].content) < 800)
        #expect(messages[1].content.contains("more lines in big.txt"))
    }
}

/// Answers with the next of `answers` on each request.
final class MessagesSequenceGenerator: TextGenerator {
    var answers: [String]
    var requests: [GenerationRequest] = []
    init(_ answers: [String]) { self.answers = answers }
    var modelDescription: String { "sequence" }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 }
    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        requests.append(request)
        let text = answers.isEmpty ? "" : answers.removeFirst()
        _ = onEvent(.text(text))
        return GenerationResult(text: text, promptTokens: 1, generatedTokens: 1, finishReason: .endOfTurn,
                                prefillSeconds: 0, decodeSeconds: 0)
    }
}

@Suite("Messages: copied example subjects")
struct MessagesCopiedSubjectTests {
    let diff = "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n"

    @Test func anAnswerRepeatingAnOldSubjectIsAskedAgainWithoutExamples() throws {
        let generator = MessagesSequenceGenerator(["Add greet function", "Change x to y in a.txt"])
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        let suggestion = try writer.write(diffText: diff, history: ["Add greet function", "Add notes"])
        #expect(suggestion.message == "Change x to y in a.txt")
        #expect(generator.requests.count == 2)
        #expect(suggestion.attempts == 2 && suggestion.generatedTokens == 2)
        guard case let .chat(second)? = generator.requests.last?.prompt else { Issue.record("no chat"); return }
        #expect(!second[1].content.contains("Add notes"))
    }

    @Test func aSubjectListingTheFilesIsAskedAgainWithoutTheFileList() throws {
        let three = ["a.py", "lib/b.py", "lib/c.py"].map { "diff --git a/\($0) b/\($0)\n--- a/\($0)\n+++ b/\($0)\n@@ -1 +1 @@\n-x\n+y\n" }.joined()
        let generator = MessagesSequenceGenerator(["Update a.py, lib/b.py, and c.py to reflect the changes", "Replace x with y"])
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        let suggestion = try writer.write(diffText: three, history: ["Add notes"])
        #expect(suggestion.message == "Replace x with y")
        guard case let .chat(first)? = generator.requests.first?.prompt, case let .chat(second)? = generator.requests.last?.prompt else {
            Issue.record("no chat"); return
        }
        #expect(first[1].content.contains("Changed files:\nM a.py (+1 -1)"))
        #expect(!second[1].content.contains("Changed files:"))
        #expect(second[1].content.contains("--- lib/b.py"))  // the diff itself is still shown
    }

    @Test func generationStopsAtTheSubjectWhenTheHistoryHasNoBodies() throws {
        let generator = ReplayTextGenerator(answer: "### Commit Message\n\nAdd strict mode\n\nThis adds a flag that makes the parser strict about every input it reads.")
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        let history = ["Add tables", "Close files", "Read TOML", "Fix the lexer", "Name the tokens"]
        let suggestion = try writer.write(diffText: diff, history: history)
        #expect(suggestion.message == "Add strict mode")
        #expect(suggestion.generatedTokens < 8)  // stopped after the subject line, not at the end of the body
        // With less history than that, a body the model writes is kept.
        let short = try writer.write(diffText: diff, history: Array(history.prefix(2)))
        #expect(short.message.hasPrefix("Add strict mode\n\nThis adds a flag"))
        #expect(CommitMessageWriter.clean("**Purpose:**\n\nAdd strict mode", style: .default) == "Add strict mode")
        #expect(CommitMessageWriter.clean("- **Parser:** add strict mode", style: .default) == "Parser: add strict mode")
    }

    @Test func aNewSubjectIsAskedOnce() throws {
        let generator = MessagesSequenceGenerator(["Change a.txt"])
        let writer = CommitMessageWriter(generator: generator, render: hooksTemplateRenderer())
        _ = try writer.write(diffText: diff, history: ["Add greet function"])
        #expect(generator.requests.count == 1)
    }
}

@Suite struct SubjectCheckTests {
    @Test func labelsSummariesAndNearCopiesAreCaught() {
        let history = ["interpose が先頭にも区切りを入れる問題を修正", "Add strict mode to the parser"]
        #expect(SubjectCheck.problem(subject: "Commit Message", history: history) == .label)
        #expect(SubjectCheck.problem(subject: "toolz/itertoolz.py: 1 line changed, 1 line removed", history: history) == .diffSummary)
        #expect(SubjectCheck.problem(subject: "Add strict mode to the parser.", history: history) == .repeatsHistory("Add strict mode to the parser"))
        #expect(SubjectCheck.problem(subject: "interpose が先頭にも区切りを入れる問題を修正する", history: history) != nil)
        #expect(SubjectCheck.problem(subject: "dissoc がキーを削除しない問題を修正", history: history) == nil)
        #expect(SubjectCheck.problem(subject: "Fix take_nth skipping the first element", history: history) == nil)
        let paths = ["README.md", "Sources/Agent/Settings.swift", "Sources/Agent/EditPlan.swift", "Tests/EditPlanTests.swift"]
        #expect(SubjectCheck.problem(subject: "Update README.md, Sources/Agent/Settings.swift, and EditPlan.swift", history: [], paths: paths) == .listsFiles)
        #expect(SubjectCheck.problem(subject: "Settings: read the edit plan budget from EditPlan.swift", history: [], paths: paths) == nil)
        #expect(SubjectCheck.isLabel("**Purpose:**") && SubjectCheck.isLabel("### Commit Message") && !SubjectCheck.isLabel("fix: close files"))
    }
}
