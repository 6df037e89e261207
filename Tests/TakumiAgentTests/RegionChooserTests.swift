import Foundation
import Testing
import TakumiAgent

/// The one region chooser of `edit` and of `context`/`complete`: whole definitions the
/// evidence points at, else windows of lines around the request's words, else (for context
/// only) the top of the file.
struct RegionChooserTests {
    static let counter = EstimatingTokenCounter()

    static func words(_ request: String) -> RegionChooser.Evidence {
        var evidence = RegionChooser.Evidence()
        evidence.instructionWords = Set(Terms.queryTerms(request))
        return evidence
    }

    /// A file with no definitions (prose, configuration): windows around the lines that use
    /// the request's words, in file order, within the allowance.
    @Test func aFileWithoutDefinitionsGetsWindowsAroundItsMatchingLines() {
        var lines = (0..<400).map { "Filler line \($0) about nothing in particular." }
        lines[120] = "The retry budget is set by max_retries in the config."
        lines[310] = "When max_retries is zero the client gives up at once."
        let choice = RegionChooser().choose(path: "docs/guide.md", text: lines.joined(separator: "\n"),
                                            evidence: Self.words("how does max_retries work"), allowance: 600,
                                            outlineAllowance: 0, counter: Self.counter)
        #expect(choice.regions.count == 2)
        #expect(choice.regions.map(\.startLine) == choice.regions.map(\.startLine).sorted())
        #expect(choice.regions[0].text.contains("retry budget") && choice.regions[1].text.contains("gives up"))
        #expect(choice.regions.allSatisfy { $0.definitions.isEmpty && $0.endLine - $0.startLine <= 16 })
        #expect(!choice.wholeDefinitions)
        let used = choice.regions.reduce(0) { $0 + Self.counter.countTokens($1.text) + 16 }
        #expect(used <= 600)
    }

    /// Nothing matches: edit gets nothing to show (and says so), reference context the top.
    @Test func nothingMatchingIsNothingForEditAndTheTopForContext() {
        let text = (0..<300).map { "line \($0)" }.joined(separator: "\n")
        let edit = RegionChooser().choose(path: "notes.txt", text: text, evidence: Self.words("frobnicate the widget"),
                                          allowance: 500, outlineAllowance: 0, counter: Self.counter)
        #expect(edit.regions.isEmpty)
        var context = RegionChooser()
        context.topOfFileWhenNothingMatches = true
        let top = context.choose(path: "notes.txt", text: text, evidence: Self.words("frobnicate the widget"),
                                 allowance: 500, outlineAllowance: 0, counter: Self.counter)
        #expect(top.regions.count == 1 && top.regions[0].startLine == 1)
    }

    /// Words inside definitions choose those definitions whole (answerable as definitions);
    /// a long definition is a window around its line that uses the words most.
    @Test func wordsInsideDefinitionsChooseThemWhole() {
        var source = (0..<40).map { "def helper_\($0)(x):\n    return x + \($0)\n\n" }.joined()
        source += "def parse_header(line):\n    key, _, value = line.partition(':')\n    return key.strip(), value.strip()\n\n"
        source += "def long_one(x):\n" + (0..<200).map { "    x = x + \($0)\n" }.joined()
            + "    checksum = compute_checksum(x)\n" + (0..<100).map { "    x = x - \($0)\n" }.joined() + "    return x\n"
        let whole = RegionChooser().choose(path: "mod.py", text: source, evidence: Self.words("the header value keeps spaces"),
                                           allowance: 800, outlineAllowance: 200, counter: Self.counter)
        #expect(whole.regions.map(\.definitions) == [["parse_header"]])
        #expect(whole.wholeDefinitions)
        #expect(!whole.outline.isEmpty && whole.outline.allSatisfy { !$0.contains("parse_header") })
        let window = RegionChooser().choose(path: "mod.py", text: source, evidence: Self.words("compute_checksum is wrong"),
                                            allowance: 800, outlineAllowance: 0, counter: Self.counter)
        #expect(window.regions.count == 1)
        #expect(window.regions[0].text.contains("checksum = compute_checksum(x)"))
        #expect(window.regions[0].definitions.isEmpty && !window.wholeDefinitions)
    }
}
