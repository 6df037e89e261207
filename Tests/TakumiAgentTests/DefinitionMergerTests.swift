import Testing
import TakumiAgent

@Suite struct DefinitionMergerTests {
    func lines(_ s: String) -> [String] { TextFile.split(s).0 }

    func wholeFile(_ answer: String, into file: String, path: String = "calc.py", reference: Set<String> = []) throws -> [String] {
        try DefinitionMerger(path: path, referenceLines: reference).merge(answer: lines(answer), into: lines(file), mode: .wholeFile).lines
    }

    func regions(_ answer: String, into file: String, path: String = "calc.py", focus: Set<String> = []) throws -> DefinitionMerger.Result {
        try DefinitionMerger(path: path, focus: focus).merge(answer: lines(answer), into: lines(file), mode: .definitions)
    }

    @Test func pythonFunctionReplacedInPlace() throws {
        let file = "import os\n\n\ndef add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a - b\n\n\n@cache\ndef sub(a, b):\n    return a - b\n"
        let answer = "def add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a + b\n"
        #expect(try wholeFile(answer, into: file) == lines("import os\n\n\ndef add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a + b\n\n\n@cache\ndef sub(a, b):\n    return a - b\n"))
    }

    @Test func braceLanguagesAndDocComments() throws {
        let rust = "/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 1\n}\n\n/// Odd?\npub fn is_odd(n: i64) -> bool {\n    !is_even(n)\n}\n"
        let answer = "/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 0\n}\n"
        #expect(try wholeFile(answer, into: rust, path: "lib.rs") == lines("/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 0\n}\n\n/// Odd?\npub fn is_odd(n: i64) -> bool {\n    !is_even(n)\n}\n"))
        let c = "#include \"f.h\"\n\nunsigned long f(unsigned n) {\n    return 0;\n}\n\nint g(void) {\n    return 1;\n}\n"
        #expect(try wholeFile("unsigned long f(unsigned n) {\n    return 1;\n}\n", into: c, path: "f.c")
                == lines("#include \"f.h\"\n\nunsigned long f(unsigned n) {\n    return 1;\n}\n\nint g(void) {\n    return 1;\n}\n"))
    }

    @Test func javascriptKeepsExportsAndAddsNewFunctions() throws {
        let js = "function maxOf(v) {\n  return 0;\n}\n\nfunction sum(v) {\n  return 1;\n}\n\nmodule.exports = { maxOf, sum };\n"
        let answer = "function maxOf(v) {\n  return Math.max(...v);\n}\n\nconst helper = (x) => x;\n"
        #expect(try wholeFile(answer, into: js, path: "m.js")
                == lines("function maxOf(v) {\n  return Math.max(...v);\n}\n\nconst helper = (x) => x;\n\nfunction sum(v) {\n  return 1;\n}\n\nmodule.exports = { maxOf, sum };\n"))
    }

    @Test func wholeFilesAndFragments() throws {
        let file = "import os\n\ndef a():\n    pass\n\ndef b():\n    pass\n"
        // Same definitions, complete: a whole file.
        #expect(try wholeFile("def a():\n    pass\n\ndef b():\n    return 1\n", into: file) == lines("def a():\n    pass\n\ndef b():\n    return 1\n"))
        // A statement of its own (not an import): a whole file.
        #expect(try wholeFile("X = 1\ndef a():\n    pass\n", into: file) == lines("X = 1\ndef a():\n    pass\n"))
        // An import and one of two functions: a fragment (b is kept), the import is added.
        #expect(try wholeFile("import sys\ndef a():\n    return 2\n", into: file)
                == lines("import os\nimport sys\n\ndef a():\n    return 2\n\ndef b():\n    pass\n"))
        // Unrelated names only: appended with the file's own spacing, nothing removed.
        #expect(try wholeFile("def c():\n    pass\n", into: file) == lines(file) + ["", "def c():", "    pass"])
        // Not shorter: a whole file.
        #expect(try wholeFile(file + "# more\n", into: file) == lines(file + "# more\n"))
    }

    /// The answer a 0.5B model gives for a stub shown beside its tests: the right function,
    /// plus the test file's import of the module and its harness call.
    @Test func selfImportsAndCopiedTestLinesAreDropped() throws {
        let file = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    raise NotImplementedError\n"
        let answer = "from solution import *\n\ndef add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b\n\ncheck(add)\n"
        let merged = try DefinitionMerger(path: "solution.py", referenceLines: ["check(add)", "from solution import *"])
            .merge(answer: lines(answer), into: lines(file), mode: .wholeFile)
        #expect(merged.lines == lines("def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b\n"))
        #expect(merged.dropped == ["from solution import *", "check(add)"])
        // A test harness main block goes too; package-qualified self imports as well.
        let harness = "from pkg.solution import add\n\ndef add(a, b):\n    return a + b\n\nif __name__ == \"__main__\":\n    print(add(1, 2))\n"
        #expect(try wholeFile(harness, into: file, path: "pkg/solution.py") == lines("def add(a, b):\n    return a + b\n"))
    }

    @Test func methodsMergeIntoTheirClass() throws {
        let file = """
        class Stack:
            def __init__(self):
                self.items = []

            def push(self, x):
                self.items.append(x)

            def pop(self):
                return self.items[0]


        def helper():
            return 1
        """
        // The model answers with the method alone, dedented.
        let method = try regions("def pop(self):\n    return self.items.pop()\n", into: file, focus: ["Stack.pop"])
        #expect(method.replaced == ["Stack.pop"])
        #expect(method.lines[7...8] == ["    def pop(self):", "        return self.items.pop()"])
        #expect(method.lines.count == lines(file).count)
        // ... or with a partial class holding only the changed method and a new one.
        let partial = try regions("class Stack:\n    def pop(self):\n        return self.items.pop()\n\n    def peek(self):\n        return self.items[-1]\n", into: file)
        #expect(partial.replaced == ["Stack.pop"])
        #expect(partial.added == ["Stack.peek"])
        #expect(partial.lines.contains("    def push(self, x):"))
        #expect(partial.lines.contains("    def peek(self):"))
        #expect(partial.lines.last == "    return 1")
    }

    @Test func ambiguousNamesNeedTheShownRegion() throws {
        let file = "class A:\n    def run(self):\n        return 1\n\nclass B:\n    def run(self):\n        return 2\n"
        #expect(throws: AgentError.self) { try regions("def run(self):\n    return 3\n", into: file) }
        let merged = try regions("def run(self):\n    return 3\n", into: file, focus: ["B.run"])
        #expect(merged.lines == lines("class A:\n    def run(self):\n        return 1\n\nclass B:\n    def run(self):\n        return 3\n"))
    }

    @Test func moduleLevelAssignmentsAndImports() throws {
        let file = "\"\"\"Doc.\"\"\"\nimport re\n\nDEFAULT_LIMIT = 10\n\n\ndef limit(x):\n    return min(x, DEFAULT_LIMIT)\n"
        let merged = try regions("import math\nDEFAULT_LIMIT = 100\nprint('debug')\n\ndef limit(x):\n    return min(x, DEFAULT_LIMIT)\n", into: file)
        #expect(merged.lines == lines("\"\"\"Doc.\"\"\"\nimport re\nimport math\n\nDEFAULT_LIMIT = 100\n\n\ndef limit(x):\n    return min(x, DEFAULT_LIMIT)\n"))
        #expect(merged.dropped == ["print('debug')"])
    }

    @Test func docstringsLeftOutOfTheAnswerAreKept() throws {
        let file = "def minmax(xs, key=None):\n    \"\"\"Smallest and largest.\n\n    >>> minmax([3, 1])\n    (1, 3)\n    \"\"\"\n    lo = hi = xs[0]\n    return lo, lo\n\n\ndef other():\n    '''One line.'''\n    return 1\n"
        let merged = try regions("def minmax(xs, key=None):\n    lo = hi = xs[0]\n    return lo, hi\n", into: file)
        #expect(merged.lines == lines(file.replacingOccurrences(of: "return lo, lo", with: "return lo, hi")))
        // An answer with its own docstring keeps its own.
        let own = try regions("def other():\n    '''Changed.'''\n    return 2\n", into: file)
        #expect(own.lines.contains("    '''Changed.'''") && !own.lines.contains("    '''One line.'''"))
    }

    static let takeNth = [
        "def take_nth(n, seq):",
        "    \"\"\" Every nth item in seq",
        "",
        "    >>> list(take_nth(2, [10, 20, 30, 40, 50]))",
        "    [10, 30, 50]",
        "",
        "    Examples::",
        "",
        "        >>> list(take_nth(3, 'ABCDEFG'))",
        "        ['A', 'D', 'G']",
        "",
        "    Works on any iterable.",
        "    \"\"\"",
        "    text = \"\"\"",
        "    >>> not a docstring",
        "\"\"\"",
        "    return itertools.islice(seq, 1, None, n)",
    ]

    /// Shown for a fix, a docstring loses its doctest examples (prose and code stay); an answer
    /// that repeats the shortened docstring gets the file's docstring back, examples included.
    @Test func docstringExamplesAreNotShownButKept() throws {
        let shown = DocstringExamples.removed(from: Self.takeNth)
        #expect(shown == ["def take_nth(n, seq):", "    \"\"\" Every nth item in seq", "", "    Works on any iterable.", "    \"\"\"",
                          "    text = \"\"\"", "    >>> not a docstring", "\"\"\"", "    return itertools.islice(seq, 1, None, n)"])
        #expect(DocstringExamples.removed(from: ["def f():", "    \"\"\"Sum.", "", "    >>> f()", "    1", "", "    \"\"\"", "    return 1"])
                == ["def f():", "    \"\"\"Sum.", "    \"\"\"", "    return 1"])
        let file = ["import itertools", "", ""] + Self.takeNth
        let fixed = shown.map { $0.replacingOccurrences(of: "islice(seq, 1,", with: "islice(seq, 0,") }
        let merged = try regions(fixed.joined(separator: "\n") + "\n", into: file.joined(separator: "\n") + "\n")
        #expect(merged.lines == file.map { $0.replacingOccurrences(of: "islice(seq, 1,", with: "islice(seq, 0,") })
        // A copy of the whole docstring with whitespace changed (a blank line as spaces) leaves
        // the file's docstring as it was.
        let spaced = (["def take_nth(n, seq):"] + Self.takeNth[1...12].map { $0.isEmpty ? "    " : $0 }
                      + ["    return itertools.islice(seq, 0, None, n)"]).joined(separator: "\n") + "\n"
        let kept = try regions(spaced, into: file.joined(separator: "\n") + "\n")
        #expect(Array(kept.lines[3...15]) == Array(file[3...15]), "\(kept.lines)")
        // A docstring of the answer's own replaces the file's.
        let own = try regions("def take_nth(n, seq):\n    \"\"\"Every nth item.\"\"\"\n    return itertools.islice(seq, 0, None, n)\n",
                              into: file.joined(separator: "\n") + "\n")
        #expect(own.lines.contains("    \"\"\"Every nth item.\"\"\"") && !own.lines.contains("    [10, 30, 50]"))
    }

    @Test func nothingToMergeIsRefused() {
        let file = "def a():\n    return 1\n"
        #expect(throws: AgentError.self) { try regions("print('hello')\n", into: file) }
        // The shown definition written back unchanged is "changes nothing" (whose feedback
        // repeats the task), not "matches nothing".
        #expect(throws: AgentError.answerChangesNothing) { try regions("def a():\n    return 1\n", into: file) }
    }

    @Test func decoratorsAndStringsDoNotConfuseTheScanner() {
        let text = """
        import functools

        TEMPLATE = '''
        def not_a_function():
            pass
        '''


        @functools.cache
        def fib(n):
            s = "def fake(): # not a comment"
            return n if n < 2 else fib(n - 1) + fib(
                n - 2)
        # trailing comment at top level

        class Node:
            # a comment inside
            def __repr__(self):
                return "Node"
        """
        let structure = CodeStructure(text: text, path: "m.py")
        #expect(structure.definitions.map(\.qualifiedName) == ["fib", "Node", "Node.__repr__"])
        let fib = structure.definitions[0]
        #expect(fib.range == 8..<13)
        #expect(structure.definitions[1].range == 15..<19)
    }

    @Test func braceScannerFindsFunctionsMethodsAndTypes() {
        let text = """
        // Package doc.
        package main

        type Stack struct {
            items []int
        }

        // Pop removes the top.
        func (s *Stack) Pop() int {
            if len(s.items) == 0 {
                return -1
            }
            x := s.items[len(s.items)-1]
            return x
        }

        func main() {
            s := "{ not a brace"
            _ = s
        }
        """
        let structure = CodeStructure(text: text, path: "main.go")
        #expect(structure.definitions.map(\.name) == ["Stack", "Pop", "main"])
        #expect(structure.definitions[1].range == 8..<15)
        #expect(structure.definitions[1].leadingComments == 7..<8)
        let java = CodeStructure(text: "public class Calc {\n    @Override\n    public int add(int a, int b) {\n        return a - b;\n    }\n}\n", path: "Calc.java")
        #expect(java.definitions.map(\.qualifiedName) == ["Calc", "Calc.add"])
        #expect(java.definitions[1].range == 1..<5)
    }
}
