import Foundation
import Testing
import TakumiAgent

/// Golden tests pin the rendered prompts: `Fixtures/prompts/NAME.txt`. After a deliberate
/// template change, regenerate them with `TAKUMI_UPDATE_GOLDEN=1 swift test --filter PromptTests`
/// and review the diff.
@Suite struct PromptTests {
    let builder = EditPromptBuilder(library: PromptLibrary(directories: [TestPaths.prompts]))
    let files = [PromptFile(path: "src/calc.py", text: "def add(a, b):\n    return a - b  # <bug> & \"quotes\"\n")]

    func checkGolden(_ name: String, _ text: String) throws {
        let path = TestPaths.fixtures + "/prompts/" + name + ".txt"
        if ProcessInfo.processInfo.environment["TAKUMI_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(atPath: TestPaths.fixtures + "/prompts", withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        let golden = try #require(FileManager.default.contents(atPath: path), "missing golden \(path)")
        #expect(String(decoding: golden, as: UTF8.self) == text)
    }

    func render(_ messages: [ChatMessage]) -> String {
        messages.map { "### \($0.role.rawValue)\n\($0.content)\n" }.joined(separator: "\n")
    }

    @Test func searchReplacePromptGolden() throws {
        let m = try builder.initialMessages(instruction: "Fix add so it adds.", files: files, format: .searchReplace)
        try checkGolden("edit-search-replace", render(m))
        // Not HTML-escaped: code keeps its < & ".
        #expect(m[1].content.contains("# <bug> & \"quotes\""))
    }

    @Test func wholeFilePromptWithContextGolden() throws {
        let ctx = [PromptFile(path: "README.md", text: "# Calc\n\n```sh\nmake\n```\n")]
        let m = try builder.initialMessages(instruction: "Fix add so it adds.", files: files, context: ctx, format: .wholeFile)
        try checkGolden("edit-whole-file", render(m))
        // A file containing ``` gets a longer fence.
        #expect(m[1].content.contains("````markdown"))
    }

    @Test func japaneseInstructionAsksForJapanese() throws {
        let m = try builder.initialMessages(instruction: "add を足し算に直してください", files: files, format: .searchReplace)
        try checkGolden("system-japanese", m[0].content)
        #expect(m[0].content.contains("日本語"))
        let en = try builder.initialMessages(instruction: "Fix add", files: files, format: .searchReplace)
        #expect(!en[0].content.contains("日本語"))
    }

    @Test func feedbackGoldens() throws {
        let notFound = try builder.answerErrorFeedback(.searchNotFound(path: "src/calc.py", search: "return a-b", hint: "def add(a, b):\n    return a - b\n"))
        try checkGolden("malformed-answer", notFound)
        let unchanged = try builder.answerErrorFeedback(.answerChangesNothing, instruction: "Fix add so it adds.")
        #expect(unchanged.hasSuffix("Change the code so that it does this: Fix add so it adds."))
        #expect(!unchanged.contains("copying the file's lines exactly"))
        let failure = try builder.testFailureFeedback(command: "pytest -q", exitCode: 1, timedOut: false, timeLimit: 300,
                                                      outputTail: "FAILED test_calc.py::test_add\n", diff: "--- a/x\n+++ b/x\n")
        try checkGolden("test-failure", failure)
        let timeout = try builder.testFailureFeedback(command: "make test", exitCode: -1, timedOut: true, timeLimit: 30,
                                                      outputTail: "", diff: "")
        #expect(timeout.contains("did not finish within 30 seconds"))
    }

    @Test func lookupOrderPrefersExplicitThenEnvThenRepoThenInstalled() throws {
        let a = try TempDir(), b = try TempDir(), repo = try TempDir()
        try a.write("system.md", "A")
        try b.write("system.md", "B")
        try b.write("review.md", "B-review")
        try repo.write(".takumi/prompts/system.md", "R")
        try repo.write(".takumi/prompts/review.md", "R-review")
        let lib = PromptLibrary(explicitDirectory: a.path, environment: ["TAKUMI_PROMPTS": b.path],
                                repositoryRoot: repo.path, executablePath: nil)
        #expect(try lib.render("system", [:]) == "A")
        #expect(try lib.render("review", [:]) == "B-review")
        let user = try TempDir()
        try user.write("takumi/prompts/filter.md", "U-filter")
        let repoOnly = PromptLibrary(explicitDirectory: nil, environment: ["XDG_CONFIG_HOME": user.path],
                                     repositoryRoot: repo.path, executablePath: nil)
        #expect(try repoOnly.render("review", [:]) == "R-review")
        #expect(try repoOnly.render("filter", [:]) == "U-filter")
        // Then the built-in copy, which is Prompts/ exactly.
        #expect(try repoOnly.templateSource("edit-whole-file").origin == "builtin:edit-whole-file")
        let bare = PromptLibrary(directories: [], useBuiltins: false)
        #expect(throws: AgentError.self) { try bare.render("system", [:]) }
        #expect(throws: AgentError.self) { try repoOnly.render("no-such-template", [:]) }
    }

    @Test func builtinTemplatesAreExactlyThePromptsFolder() throws {
        // Fails when Prompts/ was edited without `make prompts` (scripts/generate-builtin-prompts).
        let names = try FileManager.default.contentsOfDirectory(atPath: TestPaths.prompts).filter { $0.hasSuffix(".md") }
        #expect(Set(names.map { String($0.dropLast(3)) }) == Set(PromptLibrary.builtinTemplates.keys), "run make prompts")
        for name in names {
            let file = try String(contentsOfFile: TestPaths.prompts + "/" + name, encoding: .utf8)
            #expect(PromptLibrary.builtinTemplates[String(name.dropLast(3))] == file, "\(name) differs from the built-in copy: run make prompts")
        }
    }

    @Test func onlyUserControlledPlacesAreSearched() throws {
        // A binary copied to a shared temporary directory must not read templates beside it.
        let scratch = try TempDir()
        try scratch.write("x/bin/takumi", "")
        try scratch.write("Prompts/system.md", "planted")
        try scratch.write("x/share/takumi/Prompts/system.md", "site")
        let library = PromptLibrary(explicitDirectory: nil, environment: ["XDG_CONFIG_HOME": scratch.path + "/none"],
                                    repositoryRoot: nil, executablePath: scratch.path + "/x/bin/takumi")
        #expect(!library.directories.contains { $0.hasSuffix("/Prompts") && !$0.contains("/share/") })
        #expect(library.directories.last == scratch.path + "/x/share/takumi/Prompts")
        #expect(try library.render("system", [:]) == "site")
        // An installed share directory others can write is ignored.
        chmod(scratch.path + "/x/share/takumi", 0o777)
        #expect(PromptLibrary.installedDirectory(executablePath: scratch.path + "/x/bin/takumi") == nil)
        #expect(PromptLibrary.installedDirectory(executablePath: "/nonexistent/bin/takumi") == nil)
    }

    @Test func invalidTemplateNamesTheFile() throws {
        let d = try TempDir()
        try d.write("system.md", "{{#open}} never closed")
        let lib = PromptLibrary(directories: [d.path])
        #expect { try lib.render("system", [:]) } throws: { error in
            guard case let .templateInvalid(path, _) = error as? AgentError else { return false }
            return path.hasSuffix("system.md")
        }
    }
}
