import Foundation
import Testing
import TakumiGit
import TakumiAgent

/// The planner on real (temporary) repositories: what `takumi edit` shows the model for big
/// files, how the failing run points at the code, and that prompts always fit the window.
@Suite(.serialized) struct EditPlannerTests {
    /// A Python module of `count` small documented functions (about 9 lines each), with a bug
    /// in `function_<buggy>` (it subtracts instead of adding).
    static func bigModule(count: Int, buggy: Int) -> String {
        var text = "\"\"\"A module of many small functions.\"\"\"\nimport math\n\n"
        for i in 0..<count {
            let op = i == buggy ? "-" : "+"
            text += """


            def function_\(i)(a, b):
                \"\"\"Return a plus b plus \(i).

                Used by the report generator.
                \"\"\"
                total = a \(op) b
                return total + \(i)

            """
        }
        return text
    }

    static let testFile = """
    from mod import function_41


    def test_other():
        assert 1 + 1 == 2


    def test_function_41():
        assert function_41(1, 2) == 44
    """

    /// A test command that behaves like pytest on this repository, without needing pytest:
    /// a traceback into mod.py, then the short summary.
    static let fakePytest = """
    python3 - <<'EOF'
    import sys, traceback
    sys.path.insert(0, '.')
    from mod import function_41
    try:
        assert function_41(1, 2) == 44, 'expected 44'
    except AssertionError:
        traceback.print_exc()
        print('FAILED test_mod.py::test_function_41 - AssertionError')
        print('===== 1 failed, 1 passed in 0.01s =====')
        sys.exit(1)
    print('===== 2 passed in 0.01s =====')
    EOF
    """

    func planner(_ repo: GitRepoFixture) throws -> EditPlanner {
        EditPlanner(repository: try repo.open(), counter: EstimatingTokenCounter(), prompts: EditSessionTests.prompts)
    }

    @Test func bigFileIsShownAsTheRegionTheFailingTestPointsAt() throws {
        let repo = try GitRepoFixture(files: ["mod.py": Self.bigModule(count: 400, buggy: 41), "test_mod.py": Self.testFile])
        let before = try repo.snapshot()
        let request = EditRequest(instruction: "function_41 gives the wrong total", paths: ["mod.py"],
                                  test: .command(Self.fakePytest), contextTokens: 4096)
        let plan = try planner(repo).plan(request)
        #expect(plan.format == .regions)
        let target = try #require(plan.targets.first)
        #expect(target.lineCount > 3000)
        let regions = try #require(target.regions)
        #expect(regions.first?.definitions == ["function_41"], "\(plan.notes) \(plan.baseline?.output ?? "")")
        #expect(regions.first?.text.contains("total = a - b") == true)
        #expect(!target.outline.isEmpty)
        #expect(plan.baseline?.passed == false)
        #expect(plan.failureExcerpt?.contains("expected 44") == true)
        // The prompt and the answer's room fit the window.
        #expect(plan.promptTokens + plan.answerTokens <= 4096)
        let prompt = try EditSessionTests.prompts.initialMessages(plan: plan).map(\.content).joined()
        #expect(prompt.contains("def function_41(a, b):"))
        #expect(!prompt.contains("def function_200(a, b):\n"))
        #expect(try repo.snapshot() == before)
    }

    @Test func regionAnswerIsMergedIntoTheBigFileAndTested() throws {
        let module = Self.bigModule(count: 400, buggy: 41)
        let repo = try GitRepoFixture(files: ["mod.py": module, "test_mod.py": Self.testFile])
        let plan = try planner(repo).plan(EditRequest(instruction: "function_41 gives the wrong total", paths: ["mod.py"],
                                                      test: .command(Self.fakePytest), contextTokens: 4096))
        // What a small model answers: the function, plus the test's import copied from the excerpt.
        let answer = "```python\nfrom mod import function_41\n\ndef function_41(a, b):\n    \"\"\"Return a plus b plus 41.\n\n    Used by the report generator.\n    \"\"\"\n    total = a + b\n    return total + 41\n```\n"
        let report = try EditSession(repository: try repo.open(), generator: ScriptedGenerator([answer]),
                                     prompts: EditSessionTests.prompts, plan: plan, options: EditOptions()).run()
        #expect(report.applied, "\(report.attempts.map { $0.error ?? $0.test?.outputTail ?? "" })")
        #expect(repo.dir.read("mod.py") == module.replacingOccurrences(of: "total = a - b", with: "total = a + b"))
        #expect(report.diff.components(separatedBy: "\n").filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") } == ["+    total = a + b"])
    }

    @Test func targetIsGuessedFromTheFailingRun() throws {
        let repo = try GitRepoFixture(files: ["mod.py": Self.bigModule(count: 60, buggy: 41), "test_mod.py": Self.testFile,
                                              "other.py": "def function_41_docs():\n    return 'see mod.py'\n"])
        // A call that fails inside mod.py: the traceback's frame names the file.
        let crash = "python3 -c 'import mod; mod.function_41(None, 2)'"
        let plan = try planner(repo).plan(EditRequest(instruction: "the total is wrong", test: .command(crash)))
        #expect(plan.targets.map(\.path) == ["mod.py"])
        #expect(plan.targets[0].reason.contains("failing run"))
        // Without a failing run, ContextSelector's ranking picks the file defining the named symbol.
        let quiet = try planner(repo).plan(EditRequest(instruction: "function_41 should add", test: .none))
        #expect(quiet.targets.map(\.path) == ["mod.py"])
    }

    /// The end-to-end fixture tasks name their file or function: the guess finds one file and
    /// never a test file.
    @Test func guessesTheFixtureTasksTargets() throws {
        let root = TestPaths.fixtures + "/tasks"
        for name in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            let taskData = try #require(FileManager.default.contents(atPath: "\(root)/\(name)/task.json"))
            let task = try #require(try JSONSerialization.jsonObject(with: taskData) as? [String: Any])
            let instruction = try #require(task["instruction"] as? String)
            let repoDir = "\(root)/\(name)/repo"
            var files: [String: String] = [:]
            for (path, data) in snapshotTree(repoDir) { files[path] = String(decoding: data, as: UTF8.self) }
            let repo = try GitRepoFixture(files: files)
            let plan = try planner(repo).plan(EditRequest(instruction: instruction, test: .none))
            #expect(plan.targets.count == 1, "\(name): \(plan.targets.map(\.path))")
            #expect(!plan.targets.contains { TestFiles.isTestFile($0.path) }, "\(name): \(plan.targets.map(\.path))")
        }
    }

    @Test func promptsNeverOverflowAndTheSmallestThatCannotFitIsNamed() throws {
        let repo = try GitRepoFixture(files: ["mod.py": Self.bigModule(count: 400, buggy: 41), "test_mod.py": Self.testFile])
        for window in [1024, 2048, 8192, 32768] {
            let plan = try planner(repo).plan(EditRequest(instruction: "function_41 gives the wrong total", paths: ["mod.py"],
                                                          test: .command(Self.fakePytest), contextTokens: window))
            #expect(plan.promptTokens + plan.answerTokens <= window, "window \(window)")
        }
        #expect {
            try planner(repo).plan(EditRequest(instruction: "function_41 gives the wrong total", paths: ["mod.py"],
                                               test: .none, contextTokens: 200))
        } throws: { error in
            guard case .promptTooLarge = error as? AgentError else { return false }
            return true
        }
    }

    @Test func smallFilesStayWholeWithTestExcerpts() throws {
        let repo = try GitRepoFixture(files: ["mod.py": Self.bigModule(count: 3, buggy: 1)
                                                .replacingOccurrences(of: "function_1(", with: "function_41("),
                                              "test_mod.py": Self.testFile])
        let plan = try planner(repo).plan(EditRequest(instruction: "fix the total", paths: ["mod.py"], test: .command(Self.fakePytest)))
        #expect(plan.format == .wholeFile)
        #expect(plan.targets[0].isWhole)
        // Only the failing test function, never the whole test file (its import is the junk
        // small models copy).
        #expect(plan.references.map(\.text) == ["def test_function_41():\n    assert function_41(1, 2) == 44"])
        // The excerpt is labelled with its lines; its fence names the language alone.
        let prompt = try EditSessionTests.prompts.initialMessages(plan: plan).map(\.content).joined()
        #expect(prompt.contains("test_mod.py, lines 8-9\n```python\ndef test_function_41():"), "\(prompt)")
    }

    /// "take_nth skips the first element": `take_nth` is code, `first` an English word. The
    /// function called `first` is not shown beside the one the instruction is about.
    @Test func aPlainWordOfTheInstructionIsWeakEvidence() {
        #expect(Terms.codeIdentifiers("take_nth skips the first element: list(take_nth(2, xs)) is wrong")
                == ["take_nth", "list"])
        #expect(Terms.codeIdentifiers("inflection.ordinal raises; `tail` too; parseURL and md5 がおかしい")
                == ["inflection", "ordinal", "tail", "parseURL", "md5"])
        #expect(Terms.codeIdentifiers("first() に空のイテラブル") == ["first"])
        let file = (0..<30).map { "def helper_\($0)(x):\n    return x + \($0)\n\n" }.joined()
            + "def first(seq):\n    return next(iter(seq))\n\n\ndef take_nth(n, seq):\n    return itertools.islice(seq, 1, None, n)\n"
        var evidence = RegionChooser.Evidence()
        let instruction = "take_nth skips the first element"
        evidence.instructionNames = Terms.codeIdentifiers(instruction)
        evidence.instructionPlainNames = Set(Terms.identifierWords(instruction)).subtracting(evidence.instructionNames)
        let choice = RegionChooser().choose(path: "itertoolz.py", text: file, evidence: evidence, allowance: 2000,
                                            outlineAllowance: 300, counter: EstimatingTokenCounter())
        #expect(choice.regions.map(\.definitions) == [["take_nth"]])
        // Named only as a plain word, it is still found when nothing else is.
        var plain = RegionChooser.Evidence()
        plain.instructionPlainNames = ["first"]
        let alone = RegionChooser().choose(path: "itertoolz.py", text: file, evidence: plain, allowance: 2000,
                                           outlineAllowance: 300, counter: EstimatingTokenCounter())
        #expect(alone.regions.map(\.definitions) == [["first"]])
    }

    /// What the regions prompt shows of a Python definition: a bug's docstring without its
    /// doctest examples; a stub with its examples but without `raise NotImplementedError`.
    @Test func regionsHideDoctestsOfBugsAndTheRaiseOfStubs() throws {
        let doctest = "\"\"\"Return a plus b plus 41.\n\n    Used by the report generator.\n\n    >>> function_41(1, 2)\n    44\n    \"\"\""
        let buggy = Self.bigModule(count: 400, buggy: 41)
            .replacingOccurrences(of: "\"\"\"Return a plus b plus 41.\n\n    Used by the report generator.\n    \"\"\"", with: doctest)
        #expect(buggy.contains(">>> function_41(1, 2)"))
        let repo = try GitRepoFixture(files: ["mod.py": buggy, "test_mod.py": Self.testFile])
        let request = EditRequest(instruction: "function_41 gives the wrong total", paths: ["mod.py"],
                                  test: .command(Self.fakePytest), contextTokens: 4096)
        let plan = try planner(repo).plan(request)
        #expect(plan.format == .regions)
        let prompt = try EditSessionTests.prompts.initialMessages(plan: plan).map(\.content).joined()
        #expect(prompt.contains("Used by the report generator.") && prompt.contains("total = a - b"))
        #expect(!prompt.contains(">>> function_41(1, 2)"), "\(prompt)")
        #expect(!prompt.contains("is not written yet"))
        // A regions answer gets room for about twice the regions (a looping answer stops early),
        // unless the user asked for more.
        #expect(plan.answerTokens < EditRequest.defaultAnswerTokens && plan.answerTokens >= 384, "\(plan.answerTokens)")
        var asked = request
        asked.maxAnswerTokens = 2000
        #expect(try planner(repo).plan(asked).answerTokens >= 2000)

        let stub = buggy.replacingOccurrences(of: "    total = a - b\n    return total + 41", with: "    raise NotImplementedError")
        #expect(stub != buggy)
        let stubRepo = try GitRepoFixture(files: ["mod.py": stub, "test_mod.py": Self.testFile])
        let stubPlan = try planner(stubRepo).plan(request)
        let stubPrompt = try EditSessionTests.prompts.initialMessages(plan: stubPlan).map(\.content).joined()
        #expect(stubPrompt.contains(">>> function_41(1, 2)"))
        // The region ends after the docstring (the failing run's traceback still quotes the raise).
        #expect(stubPrompt.contains("    44\n    \"\"\"\n```"), "\(stubPrompt)")
        #expect(stubPrompt.contains("The body of function_41 is not written yet: write it."))
    }

    @Test func testFilesAreRecognized() {
        for path in ["test_x.py", "x_test.go", "x.test.js", "x.spec.ts", "tests/helpers.rs", "Tests/FooTests.swift", "conftest.py"] {
            #expect(TestFiles.isTestFile(path), "\(path)")
        }
        for path in ["src/x.py", "contest.py", "latest.js"] {
            #expect(!TestFiles.isTestFile(path), "\(path)")
        }
    }

    @Test func failureLocatorMapsPrintedPathsToTrackedFiles() {
        let locator = FailureLocator(files: ["src/pkg/mod.py", "tests/test_mod.py", "web/app.js"])
        let output = """
        Traceback (most recent call last):
          File "/tmp/takumi-gate-x/tests/test_mod.py", line 9, in test_it
            assert f() == 1
          File "/tmp/takumi-gate-x/src/pkg/mod.py", line 120, in f
            raise ValueError
          File "/usr/lib/python3.11/json/__init__.py", line 3, in loads
        src/pkg/mod.py:130: in g
            at render (/tmp/x/web/app.js:12:5)
        """
        let found = locator.locations(in: output)
        #expect(found.map { "\($0.path):\($0.line)" } == ["tests/test_mod.py:9", "src/pkg/mod.py:120", "src/pkg/mod.py:130", "web/app.js:12"])
        #expect(found[1].function == "f")
    }

    /// pytest's warnings summary names the line that warned (a deprecated function the tests
    /// still call): no failure is there.
    @Test func warningsAreNoFailureLocations() {
        let locator = FailureLocator(files: ["pkg/more.py", "tests/test_more.py"])
        let output = """
        tests/test_more.py:3107: AssertionError
        =============================== warnings summary ===============================
        tests/test_more.py::ZipEqualTest::test_equal
          /tmp/takumi-checkout-1/work/pkg/more.py:1742: DeprecationWarning: zip_equal will be removed
            warnings.warn(
        pkg/more.py:20: in helper
        """
        #expect(locator.locations(in: output).map { "\($0.path):\($0.line)" } == ["tests/test_more.py:3107", "pkg/more.py:20"])
    }
}

@Suite struct RepairFocusTests {
    static let text = #"""
    def pad_left(width, s):
        return s.rjust(width)


    def pad_right(width, s):
        return s.ljust(width)


    def choose(align):
        if align == "right":
            return pad_left
        return pad_right


    def align_column(strings, align):
        """Pads the strings (unused_helper is a word of the docstring)."""
        # unused_helper is only named in a comment
        label = "unused_helper" + other.unused_helper()
        padfn = choose(align)
        width = max(len(s) for s in strings)
        return [padfn(width, s) for s in strings]


    def unused_helper():
        return 1


    def table(rows):
        return [align_column(r, "right") for r in rows]


    class Box:
        def size(self):
            return self.measure() + 1

        def measure(self):
            def inner():
                return 2
            return inner()

    """#

    @Test func aWrongResultAlsoTriesWhatTheTestedFunctionCalls() {
        let structure = CodeStructure(text: Self.text, path: "t.py")
        let chosen = RepairFocus().choose(structure: structure, shown: [], testNames: ["align_column": 2, "strings": 1],
                                          tracedInFile: false)
        #expect(chosen.focus == ["align_column"], "nothing shown: the function the tests use")
        #expect(chosen.helpers == ["choose", "pad_left", "pad_right"],
                "two calls deep; a function passed on counts; a comment, the docstring, a string or another object's attribute does not")
        let shown = RepairFocus().choose(structure: structure, shown: ["table"], testNames: ["align_column": 2, "pad_right": 1],
                                         tracedInFile: false)
        #expect(shown.focus == ["table"], "what was shown comes alone, not every function a test touches")
        #expect(shown.helpers == ["align_column", "choose"])
        let method = RepairFocus().choose(structure: structure, shown: [], testNames: ["size": 1], tracedInFile: false)
        #expect(method.focus == ["Box.size"] && method.helpers == ["Box.measure"], "a method through self; not a nested function")
    }

    @Test func aCrashInTheFileKeepsToTheFocus() {
        let structure = CodeStructure(text: Self.text, path: "t.py")
        let chosen = RepairFocus().choose(structure: structure, shown: [], testNames: ["align_column": 1], tracedInFile: true)
        #expect(chosen.focus == ["align_column"] && chosen.helpers.isEmpty)
        var short = RepairFocus()
        short.maxFunctionLines = 3
        #expect(short.choose(structure: structure, shown: [], testNames: ["align_column": 1], tracedInFile: true).focus.isEmpty,
                "a function longer than the limit is not tried")
    }
}
