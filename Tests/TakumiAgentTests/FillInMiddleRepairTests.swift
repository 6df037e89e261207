import Foundation
import Testing
import TakumiGit
import TakumiAgent

/// A model that "knows" one text: scoring a continuation, every byte is a token; a byte that
/// agrees with the known text (while all before it agreed) is likely, a differing one is
/// unlikely and the known byte is the model's choice there; generation writes the rest of the
/// known text after the answer's given start. Chat requests get `chatAnswer`.
final class KnowingGenerator: TextGenerator {
    var known: String
    var chatAnswer: String
    var requests: [GenerationRequest] = []
    var scorings: [ScoringRequest] = []
    init(known: String, chatAnswer: String = "no idea") {
        self.known = known
        self.chatAnswer = chatAnswer
    }

    var modelDescription: String { "knowing" }
    var canScore: Bool { true }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }

    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        requests.append(request)
        var text = chatAnswer
        if case .fillInMiddle = request.prompt {
            text = known.hasPrefix(request.answerPrefix) ? String(known.dropFirst(request.answerPrefix.count)) : ""
        }
        var finish = GenerationResult.FinishReason.endOfTurn
        for character in text where onEvent(.text(String(character))) == .stop { finish = .cancelled; break }
        return GenerationResult(text: text, promptTokens: 10, generatedTokens: text.count, finishReason: finish,
                                prefillSeconds: 0, decodeSeconds: 0)
    }

    func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? {
        scorings.append(request)
        let text = Array(request.continuation.utf8), knownBytes = Array(known.utf8)
        var agreeing = true
        return text.indices.map { i in
            let expected: UInt8? = agreeing && i < knownBytes.count ? knownBytes[i] : nil
            defer { if expected != text[i] { agreeing = false } }
            guard let expected else {
                return ScoredPiece(byteOffset: i, byteCount: 1, logProbability: -1,
                                   alternatives: [.init(text: String(decoding: [text[i]], as: UTF8.self), logProbability: -1)])
            }
            let best = ScoredPiece.Alternative(text: String(decoding: [expected], as: UTF8.self), logProbability: -0.1)
            return ScoredPiece(byteOffset: i, byteCount: 1, logProbability: expected == text[i] ? -0.1 : -5, alternatives: [best])
        }
    }
}

@Suite struct FillInMiddleRepairTests {
    static let buggy = "import os\n\n\ndef add(a, b):\n    \"\"\"Adds.\"\"\"\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
    static let fixedAdd = "def add(a, b):\n    \"\"\"Adds.\"\"\"\n    return a + b\n"

    @Test func theDoubtedTokenIsReplacedByTheModelsOwn() throws {
        let generator = KnowingGenerator(known: Self.fixedAdd)
        let candidates = try FillInMiddleRepair(generator: generator)
            .candidates(path: "calc.py", text: Self.buggy, definitions: ["add"], references: [])
        let first = try #require(candidates.first)
        #expect(first.text == Self.buggy.replacingOccurrences(of: "    \"\"\"Adds.\"\"\"\n    return a - b", with: "    \"\"\"Adds.\"\"\"\n    return a + b"))
        #expect(first.origin.contains("add line 3: '+' for '-'"))
        // The prompt cuts the whole function out: the file before it, the file after it.
        guard case let .fillInMiddle(prefix, suffix, path, _) = try #require(generator.scorings.first).prompt else {
            Issue.record("not a fill-in-the-middle prompt"); return
        }
        #expect(prefix == "import os\n\n\n")
        #expect(suffix.hasPrefix("\n\ndef sub(a, b):"))
        #expect(path == "calc.py")
        #expect(generator.scorings.first?.continuation == Self.fixedAdd.replacingOccurrences(of: "+", with: "-"))
    }

    @Test func aStubGetsTheBodyTheModelWritesInPlace() throws {
        let stub = "def add(a, b):\n    \"\"\"Adds.\"\"\"\n    raise NotImplementedError\n\n\nX = 1\n"
        let generator = KnowingGenerator(known: Self.fixedAdd + "\n\nX = 1\n")   // it would go on past the body
        let candidates = try FillInMiddleRepair(generator: generator)
            .candidates(path: "calc.py", text: stub, definitions: ["add"], references: [])
        #expect(candidates.map(\.text) == [Self.fixedAdd + "\n\nX = 1\n"])
        #expect(generator.scorings.isEmpty, "a stub is written, not scored")
        #expect(generator.requests.allSatisfy { $0.answerPrefix == "def add(a, b):\n    \"\"\"Adds.\"\"\"\n" })

        // Made as asked for: the first candidate costs one generation, the next samples come
        // only when asked (here each repeats the first, so the queue ends).
        let lazy = KnowingGenerator(known: Self.fixedAdd)
        let queue = FillInMiddleRepair(generator: lazy).queue(path: "calc.py", text: stub, definitions: ["add"], references: [])
        #expect(try queue.next() != nil)
        #expect(lazy.requests.count == 1)
        #expect(try queue.next() == nil)
        #expect(lazy.requests.count == 6, "greedy and five samples")
    }

    @Test func functionsTakeTurns() throws {
        let text = "def a(x):\n    return x - 1\n\n\ndef b(x):\n    return x - 2\n"
        let generator = KnowingGenerator(known: "def a(x):\n    return x + 1\n")
        let queue = FillInMiddleRepair(generator: generator).queue(path: "m.py", text: text, definitions: ["a", "b"], references: [])
        let first = try #require(try queue.next())
        #expect(first.answer == "def a(x):\n    return x + 1\n")
        #expect(generator.scorings.allSatisfy { $0.continuation.hasPrefix("def a") }, "b is scored only when its turn comes")
        while try queue.next() != nil {}
        #expect(generator.scorings.contains { $0.continuation.hasPrefix("def b") })
    }

    @Test func nothingWithoutAScoringBackendOrAStructure() throws {
        let scripted = ScriptedGenerator(["x"])
        #expect(try FillInMiddleRepair(generator: scripted).candidates(path: "calc.py", text: Self.buggy, definitions: ["add"], references: []).isEmpty)
        #expect(scripted.requests.isEmpty)
        let knowing = KnowingGenerator(known: Self.fixedAdd)
        #expect(try FillInMiddleRepair(generator: knowing).candidates(path: "notes.txt", text: Self.buggy, definitions: ["add"], references: []).isEmpty)
        #expect(try FillInMiddleRepair(generator: knowing).candidates(path: "calc.py", text: Self.buggy, definitions: ["nope"], references: []).isEmpty)
    }

    /// Copying a line before, the model keeps the code's `False` but its second choice there is
    /// `True`, the fix: every scored place gets its likeliest other token, and the one the
    /// model finds closest to the code's comes first.
    @Test func theModelsSecondChoiceIsTriedWhereItDoubtsLeast() throws {
        let text = "def ends(xs):\n    yield True, False\n    yield False, False\n"
        let generator = SecondChoiceGenerator(doubted: "False", occurrence: 3, secondChoice: "True")
        let candidates = try FillInMiddleRepair(generator: generator)
            .candidates(path: "ends.py", text: text, definitions: ["ends"], references: [])
        let first = try #require(candidates.first)
        #expect(first.answer == "def ends(xs):\n    yield True, False\n    yield False, True\n")
        #expect(first.origin.contains("ends line 3: 'True' for 'False'"))
        #expect(candidates.count > 1, "the other places get their second choices too, ranked after it")
        #expect(generator.scorings.first?.alternatives == 2, "the second choice comes from the same scoring pass")
    }

    /// A wrong default in the signature: the model reads the docstring ("Defaults to `True`")
    /// only after the signature, so a change there is judged by how the whole docstring fits
    /// after it — and `False` is the language's word, not a name the author chose.
    @Test func aSignatureChangeIsJudgedByTheDocstringAfterIt() throws {
        let text = "def camel(s, upper=False):\n    \"\"\"Camel case.\n\n    More words here.\n    Defaults to `True`.\n    \"\"\"\n"
            + "    if upper:\n        return s.title()\n    return s\n"
        let candidates = try FillInMiddleRepair(generator: DocumentedDefaultGenerator())
            .candidates(path: "camel.py", text: text, definitions: ["camel"], references: [])
        let first = try #require(candidates.first)
        #expect(first.answer.hasPrefix("def camel(s, upper=True):\n"), "not: \(first.origin)")
        #expect(candidates.contains { $0.answer.contains("    while upper:\n") }, "the body's doubt is still tried, after it")
    }

    /// A missing sign: the model's second choice at `n` is `-`, and the fix keeps the `n`.
    @Test func theModelsTokenIsAlsoPutInBeforeTheDoubtedOne() throws {
        let text = "def back(x, n):\n    return repeat(x, n)\n"
        let candidates = try FillInMiddleRepair(generator: SecondChoiceGenerator(doubted: "n", occurrence: 2, secondChoice: "-"))
            .candidates(path: "back.py", text: text, definitions: ["back"], references: [])
        #expect(candidates.contains { $0.answer == "def back(x, n):\n    return repeat(x, -n)\n" })
        #expect(candidates.contains { $0.answer == "def back(x, n):\n    return repeat(x, -)\n" }, "and in its place")
    }

    @Test func insertionsKeepWordsApart() {
        #expect(FillInMiddleRepair.insertion("-", before: " n") == " -n")
        #expect(FillInMiddleRepair.insertion(" -", before: " n") == " -n")
        #expect(FillInMiddleRepair.insertion(" not", before: " x") == " not x")
        #expect(FillInMiddleRepair.insertion("(", before: "x") == "(x")
        #expect(FillInMiddleRepair.insertion("d", before: " default") == nil, "two names would run into one")
        #expect(FillInMiddleRepair.insertion(" ", before: "x") == nil)
        #expect(FillInMiddleRepair.insertion("x", before: "\n    y") == nil, "not before a line break")
    }

    /// Helpers (the functions the focus calls) take their turns after the focus, every other round.
    @Test func helpersTakeEveryOtherTurn() throws {
        let text = "def a(x):\n    raise NotImplementedError\n\n\ndef b(x):\n    raise NotImplementedError\n"
        let candidates = try FillInMiddleRepair(generator: SeedWritingGenerator())
            .candidates(path: "ab.py", text: text, definitions: ["a"], helpers: ["b"], references: [])
        let order = candidates.map { $0.origin.contains("body of a ") ? "a" : "b" }.joined()
        #expect(order == "aabaabaabbbb", "greedy and five samples each")
    }

    @Test func aCorrectFunctionGivesNoCandidate() throws {
        let fixed = Self.buggy.replacingOccurrences(of: "\"\"\"Adds.\"\"\"\n    return a - b", with: "\"\"\"Adds.\"\"\"\n    return a + b")
        let candidates = try FillInMiddleRepair(generator: KnowingGenerator(known: Self.fixedAdd))
            .candidates(path: "calc.py", text: fixed, definitions: ["add"], references: [])
        #expect(candidates.isEmpty)
    }

    // MARK: where written lines meet the original again

    static let original = "    x = 1\n    y = 2\n    return x + y\n"

    @Test func aChangedLineMeetsTheNextOne() {
        let body = LineResync.splice(original: Self.original, head: "    x = ", written: "3\n    y = 2\n    ret", finished: false, bodyIndent: 4)
        #expect(body == "    x = 3\n    y = 2\n    return x + y\n")
    }

    @Test func anAddedLineMeetsTheLineItWasPutBefore() {
        let body = LineResync.splice(original: Self.original, head: "    x = 1\n", written: "    x += 1\n    y = 2\n", finished: false, bodyIndent: 4)
        #expect(body == "    x = 1\n    x += 1\n    y = 2\n    return x + y\n")
    }

    @Test func aDroppedLineIsSkipped() {
        let body = LineResync.splice(original: Self.original, head: "    x = 1\n    ", written: "return x + y\n", finished: true, bodyIndent: 4)
        #expect(body == "    x = 1\n    return x + y\n")
    }

    @Test func writingPastTheFunctionEndsIt() {
        let body = LineResync.splice(original: Self.original, head: "    x = 1\n    y = 2\n    return x ", written: "* y\n\n\ndef other():\n", finished: false, bodyIndent: 4)
        #expect(body == "    x = 1\n    y = 2\n    return x * y\n\n\n", "the blank lines go with the cleaning")
    }

    @Test func linesThatNeverMeetGiveNothing() {
        #expect(LineResync.splice(original: Self.original, head: "    x = ", written: "5\n    z = 7\n    w", finished: false, bodyIndent: 4) == nil)
    }

    // MARK: what is doubted

    @Test func docstringsCommentsAndMessagesAreNotCode() throws {
        let text = "def f(a):\n    \"\"\"Doc.\"\"\"\n    # a comment here\n    raise ValueError('this is a message')\n    return re.sub(r\"_id$\", \"\", a)\n"
        let structure = CodeStructure(text: text, path: "f.py")
        let function = try #require(FunctionBody(structure.definitions[0], structure: structure, lineCount: 6))
        #expect(function.header == 0 && function.lines == 2..<5 && function.docstring == 1..<2 && !function.isStub)
        let mask = CodeMask(text, function: function)
        func offset(_ needle: String) -> Int { text.utf8.count - text.components(separatedBy: needle).dropFirst().joined(separator: needle).utf8.count - needle.utf8.count }
        #expect(mask.isCode(offset("(a)"), count: 1))
        #expect(!mask.isCode(offset("Doc"), count: 1))
        #expect(!mask.isCode(offset("comment"), count: 1))
        #expect(!mask.isCode(offset("message"), count: 1))
        #expect(!mask.isCode(offset("    # a"), count: 6), "judged by the token's first byte that is not a space")
        #expect(mask.isCode(offset("_id$"), count: 1), "a short literal (a pattern) can be the bug")
        #expect(mask.isCode(offset("ValueError"), count: 1))
        #expect(mask.isInLiteral(offset("_id$"), count: 3) && !mask.isInLiteral(offset("re.sub"), count: 2))
    }

    @Test func aNewNameIsTheAuthorsChoice() {
        let body = Array("    total = 0\n    return total + count\n".utf8)
        func at(_ word: String) -> Int { String(decoding: body, as: UTF8.self).components(separatedBy: word)[0].utf8.count }
        #expect(FillInMiddleRepair.introducesName(body, at: at("total"), count: 5, before: "def f(count):\n"))
        #expect(!FillInMiddleRepair.introducesName(body, at: at("count"), count: 5, before: "def f(count):\n"))
        #expect(!FillInMiddleRepair.introducesName(body, at: at("0"), count: 1, before: ""), "a number is no name")
        #expect(!FillInMiddleRepair.introducesName(body, at: at(" + "), count: 2, before: ""), "an operator is no name")
        let constant = Array("    return False\n".utf8)
        #expect(!FillInMiddleRepair.introducesName(constant, at: 11, count: 5, before: ""), "a constant of the language is no name")
    }

    @Test func bodiesOfBraceLanguagesKeepTheClosingBrace() throws {
        let text = "int add(int a, int b) {\n    return a - b;\n}\n"
        let structure = CodeStructure(text: text, path: "calc.c")
        let function = try #require(FunctionBody(structure.definitions[0], structure: structure, lineCount: 4))
        #expect(function.header == 0 && function.lines == 1..<2)
        let stub = "fn f() -> u8 {\n    todo!()\n}\n"
        let rust = CodeStructure(text: stub, path: "f.rs")
        #expect(try #require(FunctionBody(rust.definitions[0], structure: rust, lineCount: 4)).isStub)
    }
}

/// The repair inside `takumi edit`: before any chat answer, with the tests as the gate.
@Suite(.serialized) struct FillInMiddleEditTests {
    static let buggy = "def add(a, b):\n    return a - b\n"
    static let fixed = "def add(a, b):\n    return a + b\n"
    static let testCommand = "grep -q 'a + b' calc.py"

    func run(_ generator: TextGenerator, candidates: Int = 8) throws -> (EditReport, GitRepoFixture) {
        let repo = try GitRepoFixture(files: ["calc.py": Self.buggy])
        let plan = try EditSessionTests.plan(repo, instruction: "add() subtracts instead of adding", paths: ["calc.py"],
                                             format: .auto, test: Self.testCommand)
        var options = EditOptions()
        options.attempts = 1
        options.fillInMiddleCandidates = candidates
        let report = try EditSession(repository: try repo.open(), generator: generator, prompts: EditSessionTests.prompts,
                                     plan: plan, options: options).run()
        return (report, repo)
    }

    @Test func aPassingRepairIsAppliedWithoutAChatAnswer() throws {
        let generator = KnowingGenerator(known: Self.fixed)
        let (report, repo) = try run(generator)
        #expect(report.applied && report.passed)
        #expect(repo.dir.read("calc.py") == Self.fixed)
        let attempt = try #require(report.attempts.first)
        #expect(attempt.round == 0 && attempt.accepted && attempt.origin?.contains("fill-in-the-middle") == true)
        #expect(attempt.answer == Self.fixed, "the changed function is the answer")
        #expect(attempt.promptTokens > 0 && attempt.generatedTokens == 0)
        #expect(!generator.requests.contains { if case .chat = $0.prompt { return true } else { return false } })
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        #expect(((json?["attempts"] as? [[String: Any]])?.first?["origin"] as? String)?.contains("'+' for '-'") == true)
    }

    @Test func failingRepairsLeaveItToTheChatRounds() throws {
        // The model "knows" a wrong fix; the chat answer is the right one.
        let generator = KnowingGenerator(known: "def add(a, b):\n    return a * b\n",
                                         chatAnswer: "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n")
        let (report, repo) = try run(generator)
        #expect(report.applied)
        #expect(repo.dir.read("calc.py") == Self.fixed)
        #expect(report.attempts.first?.round == 0 && report.attempts.first?.accepted == false)
        #expect(report.attempts.last?.round == 1 && report.attempts.last?.accepted == true)
    }

    @Test func noneWhenTurnedOff() throws {
        let generator = KnowingGenerator(known: Self.fixed)
        let (report, _) = try run(generator, candidates: 0)
        #expect(report.attempts.allSatisfy { $0.round == 1 })
        #expect(generator.scorings.isEmpty)
    }
}

/// A model that copies: scoring a continuation, each word, space run or sign is a token the
/// model finds likely, with a far less likely other token as its second choice — except at
/// the `occurrence`-th `doubted` word, where its second choice `secondChoice` is close.
final class SecondChoiceGenerator: TextGenerator {
    let doubted: String, occurrence: Int, secondChoice: String
    var scorings: [ScoringRequest] = []
    init(doubted: String, occurrence: Int, secondChoice: String) {
        (self.doubted, self.occurrence, self.secondChoice) = (doubted, occurrence, secondChoice)
    }

    var modelDescription: String { "second choice" }
    var canScore: Bool { true }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }

    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        GenerationResult(text: "", promptTokens: 10, generatedTokens: 0, finishReason: .endOfTurn, prefillSeconds: 0, decodeSeconds: 0)
    }

    func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? {
        scorings.append(request)
        var pieces: [ScoredPiece] = []
        var offset = 0, seen = 0
        for token in Self.tokens(request.continuation) {
            let count = token.utf8.count
            defer { offset += count }
            if token == doubted { seen += 1 }
            let other: ScoredPiece.Alternative = token == doubted && seen == occurrence
                ? .init(text: secondChoice, logProbability: -2)
                : .init(text: " zz", logProbability: -9)
            pieces.append(ScoredPiece(byteOffset: offset, byteCount: count, logProbability: -0.2,
                                      alternatives: [.init(text: token, logProbability: -0.2), other]))
        }
        return pieces
    }

    /// Words, runs of spaces and single other characters.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        for character in text {
            if let last = tokens.last, let l = last.last,
               (l.isLetter || l.isNumber || l == "_") == (character.isLetter || character.isNumber || character == "_"),
               l.isLetter || l.isNumber || l == "_" || (l == " " && character == " ") {
                tokens[tokens.count - 1].append(character)
            } else {
                tokens.append(String(character))
            }
        }
        return tokens
    }
}

/// Scores a documented function: the docstring's "Defaults to `X`" is likely only when the
/// signature's default is X; the signature's `False` has `True` as second choice (-2 against
/// -0.2), the body's `if` has `while` (-1, a smaller doubt that ranks first on its own).
final class DocumentedDefaultGenerator: TextGenerator {
    var modelDescription: String { "documented default" }
    var canScore: Bool { true }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }

    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        GenerationResult(text: "", promptTokens: 10, generatedTokens: 0, finishReason: .endOfTurn, prefillSeconds: 0, decodeSeconds: 0)
    }

    func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? {
        let signatureDefault = request.continuation.contains("upper=True") ? "True" : "False"
        var pieces: [ScoredPiece] = []
        var offset = 0, previous: [String] = []
        for token in SecondChoiceGenerator.tokens(request.continuation) {
            let count = token.utf8.count
            defer { offset += count; previous.append(token) }
            var logProbability = -0.2
            var other = ScoredPiece.Alternative(text: " zz", logProbability: -9)
            if previous.last == "`" && previous.dropLast().last == " " {   // the value in "Defaults to `X`"
                logProbability = token == signatureDefault ? -0.1 : -6
            } else if token == "False" && !previous.contains("`") {
                other = .init(text: "True", logProbability: -2)
            } else if token == "if" {
                other = .init(text: "while", logProbability: -1)
            }
            pieces.append(ScoredPiece(byteOffset: offset, byteCount: count, logProbability: logProbability,
                                      alternatives: [.init(text: token, logProbability: logProbability), other]))
        }
        return pieces
    }
}

/// Writes `return SEED` as every fill-in-the-middle body (a different body per sample).
final class SeedWritingGenerator: TextGenerator {
    var modelDescription: String { "seed writing" }
    var canScore: Bool { true }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }
    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        let text = "    return \(request.sampling.seed)\n"
        return GenerationResult(text: text, promptTokens: 10, generatedTokens: 3, finishReason: .endOfTurn, prefillSeconds: 0, decodeSeconds: 0)
    }
    func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? { [] }
}
