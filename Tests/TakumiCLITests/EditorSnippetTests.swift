import Foundation
import Testing

/// The README's editor snippets, run in the real editors when they are installed (Vim is
/// installed by `make setup`; Neovim and Kakoune are optional and skipped when absent).
@Suite("CLI: README editor snippets", .serialized)
struct EditorSnippetTests {
    let original = "x = 1\ndef add(a, b):\n    return a+b\ny = 2\n"
    let expected = "x = 1\ndef add(a: int, b: int) -> int:\n    return a + b\ny = 2\n"
    /// The `:Takumi` command from the README, with the binary under test on PATH.
    let vimCommand = "command! -range -nargs=+ Takumi <line1>,<line2>!takumi filter <q-args> --file % --lines <line1>:<line2>\n"

    func scratch() throws -> ScratchRepo {
        let scratch = try ScratchRepo()
        try scratch.useScriptedModel(answer: "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n")
        let binDir = (ProcessTestSupport.takumiBinary as NSString).deletingLastPathComponent
        scratch.environment["PATH"] = binDir + ":" + (scratch.environment["PATH"] ?? "/usr/bin:/bin")
        try scratch.write("takumi.vim", vimCommand)
        try scratch.write("calc.py", original)
        return scratch
    }

    @Test(.enabled(if: ProcessTestSupport.which("vim") != nil, "vim is not installed"))
    func vimRangeCommand() throws {
        let scratch = try scratch()
        _ = try scratch.run(try #require(ProcessTestSupport.which("vim")),
                            ["-Es", "-u", "NONE", "-i", "NONE", "-N", "-c", "source takumi.vim",
                             "-c", "2,3Takumi add type hints", "-c", "wq", "calc.py"])
        #expect(scratch.read("calc.py") == expected)
    }

    @Test(.enabled(if: ProcessTestSupport.which("nvim") != nil, "nvim is not installed"))
    func neovimRangeCommand() throws {
        let scratch = try scratch()
        _ = try scratch.run(try #require(ProcessTestSupport.which("nvim")),
                            ["--headless", "-u", "NONE", "-i", "NONE", "-c", "source takumi.vim",
                             "-c", "2,3Takumi add type hints", "-c", "wq", "calc.py"])
        #expect(scratch.read("calc.py") == expected)
    }

    @Test(.enabled(if: ProcessTestSupport.which("kak") != nil, "kak is not installed"))
    func kakounePipe() throws {
        let scratch = try scratch()
        let keys = "select 2.1,3.17; exec \"|takumi filter \"\"add type hints\"\"<ret>\"; write; quit"
        _ = try scratch.run(try #require(ProcessTestSupport.which("kak")), ["-n", "-ui", "dummy", "-e", keys, "calc.py"])
        #expect(scratch.read("calc.py") == expected)
        // On failure Kakoune ignores the status: the echoed input keeps the file as it was.
        try scratch.write("calc.py", original)
        scratch.environment["TAKUMI_MODEL"] = scratch.root + "/missing.gguf"
        _ = try scratch.run(try #require(ProcessTestSupport.which("kak")), ["-n", "-ui", "dummy", "-e", keys, "calc.py"])
        #expect(scratch.read("calc.py") == original)
    }
}
