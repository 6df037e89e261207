import Foundation
import Testing

/// `takumi filter` and `takumi complete` as editors run them: through pipes, and through Vim.
@Suite("CLI: editor filter and completion", .serialized)
struct FilterEditorTests {
    let original = "def add(a, b):\n    return a+b\n"
    let rewritten = "def add(a: int, b: int) -> int:\n    return a + b"

    @Test func successPrintsOnlyTheResultKeepingTheFinalNewline() throws {
        let scratch = try ScratchRepo()
        try scratch.useScriptedModel(answer: "Here you go:\n```python\n\(rewritten)\n```\n")
        let result = try scratch.takumi(["filter", "add type hints", "--file", "calc.py", "--lines", "1:2"], stdin: original)
        #expect(result.status == 0)
        #expect(result.stdout == rewritten + "\n")
        #expect(result.stderr.isEmpty)
        // Without a final newline in, none out.
        let noNewline = try scratch.takumi(["filter", "add type hints"], stdin: "def add(a, b): return a+b")
        #expect(noNewline.stdout == rewritten)
    }

    @Test func failureEchoesTheInputSilently() throws {
        let scratch = try ScratchRepo()
        scratch.environment["TAKUMI_MODEL"] = scratch.root + "/missing.gguf"
        let result = try scratch.takumi(["filter", "add type hints"], stdin: original)
        #expect(result.status == 1)
        #expect(result.stdout == original)
        #expect(result.stderr.isEmpty)
        let verbose = try scratch.takumi(["filter", "add type hints", "--verbose"], stdin: original)
        #expect(verbose.stdout == original)
        #expect(verbose.stderr.contains("missing.gguf"))
    }

    @Test func slowModelTimesOutAndEchoesTheInput() throws {
        let scratch = try ScratchRepo()
        try scratch.useScriptedModel(answer: "```\n" + rewritten + "\n```", delayPerWord: 1)
        let result = try scratch.takumi(["filter", "add type hints", "--time-limit", "0.3"], stdin: original)
        #expect(result.status == 1)
        #expect(result.stdout == original)
        #expect(result.seconds < 4)
    }

    @Test func jsonOutput() throws {
        let scratch = try ScratchRepo()
        try scratch.useScriptedModel(answer: rewritten)
        let result = try scratch.takumi(["filter", "add type hints", "--json"], stdin: original)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["text"] as? String == rewritten + "\n")
        #expect(object["changed"] as? Bool == true)
    }

    /// Vim replaces the range with whatever the filter prints (stderr included), so this is
    /// the real test of the I/O rules.
    @Test(.enabled(if: ProcessTestSupport.which("vim") != nil, "vim is not installed"))
    func vimBufferHoldsTheRewriteOnSuccessAndTheOriginalOnFailure() throws {
        let scratch = try ScratchRepo()
        let vim = try #require(ProcessTestSupport.which("vim"))
        try scratch.write("calc.py", original)
        try scratch.useScriptedModel(answer: "```python\n\(rewritten)\n```")
        let command = "%!\(ProcessTestSupport.takumiBinary) filter 'add type hints' --file calc.py"
        let ok = try scratch.run(vim, ["-Es", "-u", "NONE", "-i", "NONE", "-N", "-c", command, "-c", "wq", "calc.py"])
        #expect(ok.status == 0, "vim: \(ok.stdout) \(ok.stderr)")
        #expect(scratch.read("calc.py") == rewritten + "\n")

        try scratch.write("calc.py", original)
        scratch.environment["TAKUMI_MODEL"] = scratch.root + "/missing.gguf"
        _ = try scratch.run(vim, ["-Es", "-u", "NONE", "-i", "NONE", "-N", "-c", command, "-c", "wq", "calc.py"])
        #expect(scratch.read("calc.py") == original)
    }

    @Test func completePrintsOnlyTheInsertedText() throws {
        let scratch = try ScratchRepo(initialFiles: ["util.py": "def sub(a, b):\n    return a - b\n"])
        try scratch.useScriptedModel(answer: "a + b")
        let buffer = "def add(a, b):\n    return \n"
        let offset = "def add(a, b):\n    return ".utf8.count
        let result = try scratch.takumi(["complete", "--file", "calc.py", "--offset", String(offset)], stdin: buffer)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "a + b")
        #expect(result.stderr.isEmpty)
        #expect(scratch.promptLog.contains("[context util.py]"))
        #expect(scratch.promptLog.contains("[prefix]\ndef add(a, b):\n    return \n[suffix]\n\n"))
        let bad = try scratch.takumi(["complete", "--file", "calc.py", "--offset", "9999"], stdin: buffer)
        #expect(bad.status == 1 && bad.stdout.isEmpty && bad.stderr.isEmpty)
    }
}

@Suite("CLI: commit-message and review commands", .serialized)
struct MessageCommandTests {
    @Test func commitMessageFollowsHistoryLanguageAndLangOverrides() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"], history: ["最初のコミット", "設定を追加"])
        try scratch.useScriptedModel(answer: "挨拶を追加")
        try scratch.write("a.txt", "hello\n")
        try scratch.git("add", "a.txt")
        let result = try scratch.takumi(["commit-message", "--staged"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "挨拶を追加\n")
        #expect(result.stderr.isEmpty)
        #expect(scratch.promptLog.contains("Write the message in Japanese."))

        let english = try scratch.takumi(["commit-message", "--lang", "en", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(english.stdout.utf8)) as? [String: Any])
        #expect(object["language"] as? String == "en")
        #expect(object["message"] as? String == "挨拶を追加")
        #expect(scratch.promptLog.contains("Write the message in English."))
    }

    @Test func japaneseHintChoosesJapanese() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"], history: ["Add a", "Fix b"])
        try scratch.useScriptedModel(answer: "Add greeting")
        try scratch.write("a.txt", "hello\n")
        try scratch.git("add", "a.txt")
        let result = try scratch.takumi(["commit-message", "--hint", "挨拶を追加した"])
        #expect(result.status == 0)
        #expect(scratch.promptLog.contains("Write the message in Japanese."))
    }

    @Test func jsonlStreamsEvents() throws {
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        try scratch.useScriptedModel(answer: "Add greeting to a")
        try scratch.write("a.txt", "hello\n")
        try scratch.git("add", "a.txt")
        let result = try scratch.takumi(["commit-message", "--jsonl"])
        let events = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(events.first?["event"] as? String == "context")
        #expect(events.filter { $0["event"] as? String == "token" }.compactMap { $0["text"] as? String }.joined() == "Add greeting to a")
        #expect(events.last?["event"] as? String == "result")
    }

    @Test func nothingStagedIsAClearError() throws {
        let scratch = try ScratchRepo()
        try scratch.useScriptedModel(answer: "x")
        let result = try scratch.takumi(["commit-message"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("nothing is staged"))
    }

    @Test func reviewNamesFileAndLine() throws {
        let scratch = try ScratchRepo(initialFiles: ["calc.py": "def f(xs):\n    return xs[0]\n"])
        try scratch.write("calc.py", "def f(xs):\n    return xs[1]\n")
        try scratch.git("add", "calc.py")
        try scratch.useScriptedModel(answer: "- calc.py:2: xs[1] fails on one-item lists\nLooks fine otherwise.")
        let result = try scratch.takumi(["review", "--staged"])
        #expect(result.status == 0)
        #expect(result.stdout == "calc.py:2: xs[1] fails on one-item lists\n")
        let json = try scratch.takumi(["review", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let suggestions = try #require(object["suggestions"] as? [[String: Any]])
        #expect(suggestions.first?["file"] as? String == "calc.py")
        #expect(suggestions.first?["line"] as? Int == 2)

        try scratch.git("commit", "-q", "-m", "Second item")
        let range = try scratch.takumi(["review", "--range", "HEAD~1..HEAD", "--fail-on-findings"])
        #expect(range.status == 1)
        #expect(range.stdout.contains("calc.py:2:"))
    }
}
