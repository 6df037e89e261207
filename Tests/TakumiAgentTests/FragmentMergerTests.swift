import Testing
import TakumiAgent

@Suite struct FragmentMergerTests {
    func lines(_ s: String) -> [String] { TextFile.split(s).0 }

    @Test func pythonFunctionReplacedInPlace() {
        let file = lines("import os\n\n\ndef add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a - b\n\n\n@cache\ndef sub(a, b):\n    return a - b\n")
        let answer = lines("def add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a + b\n")
        #expect(FragmentMerger.merge(answer: answer, into: file) == lines("import os\n\n\ndef add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a + b\n\n\n@cache\ndef sub(a, b):\n    return a - b\n"))
    }

    @Test func braceLanguagesAndDocComments() {
        let rust = lines("/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 1\n}\n\n/// Odd?\npub fn is_odd(n: i64) -> bool {\n    !is_even(n)\n}\n")
        let answer = lines("/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 0\n}\n")
        #expect(FragmentMerger.merge(answer: answer, into: rust) == lines("/// Even?\npub fn is_even(n: i64) -> bool {\n    n % 2 == 0\n}\n\n/// Odd?\npub fn is_odd(n: i64) -> bool {\n    !is_even(n)\n}\n"))
        let c = lines("#include \"f.h\"\n\nunsigned long f(unsigned n) {\n    return 0;\n}\n\nint g(void) {\n    return 1;\n}\n")
        #expect(FragmentMerger.merge(answer: lines("unsigned long f(unsigned n) {\n    return 1;\n}\n"), into: c)
                == lines("#include \"f.h\"\n\nunsigned long f(unsigned n) {\n    return 1;\n}\n\nint g(void) {\n    return 1;\n}\n"))
    }

    @Test func javascriptKeepsExportsAndAddsNewFunctions() {
        let js = lines("function maxOf(v) {\n  return 0;\n}\n\nfunction sum(v) {\n  return 1;\n}\n\nmodule.exports = { maxOf, sum };\n")
        let answer = lines("function maxOf(v) {\n  return Math.max(...v);\n}\n\nconst helper = (x) => x;\n")
        #expect(FragmentMerger.merge(answer: answer, into: js)
                == lines("function maxOf(v) {\n  return Math.max(...v);\n}\n\nconst helper = (x) => x;\n\nfunction sum(v) {\n  return 1;\n}\n\nmodule.exports = { maxOf, sum };\n"))
    }

    @Test func wholeFilesAreNotFragments() {
        let file = lines("import os\n\ndef a():\n    pass\n\ndef b():\n    pass\n")
        // Same definitions, complete: a whole file.
        #expect(FragmentMerger.merge(answer: lines("def a():\n    pass\n\ndef b():\n    return 1\n"), into: file) == nil)
        // Loose statements: a whole file (shorter, different).
        #expect(FragmentMerger.merge(answer: lines("import sys\ndef a():\n    pass\n"), into: file) == nil)
        // Unrelated names only: appended (an added function), nothing removed.
        #expect(FragmentMerger.merge(answer: lines("def c():\n    pass\n"), into: file) == file + ["", "def c():", "    pass"])
        // Not shorter.
        #expect(FragmentMerger.merge(answer: file + ["# more"], into: file) == nil)
    }
}
