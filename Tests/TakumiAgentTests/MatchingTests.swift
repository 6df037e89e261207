import Foundation
import Testing
import TakumiAgent

/// Each stage of the matching cascade, in isolation.
@Suite struct MatchingCascadeTests {
    let file = ["func a() {", "    let x = 1   ", "\tlet y = \"q\"", "}"]

    @Test func exactStage() {
        #expect(BlockMatcher.find(["func a() {"], in: file) == .found(BlockMatch(range: 0..<1, stage: .exact)))
    }

    @Test func trailingWhitespaceStage() {
        #expect(BlockMatcher.find(["    let x = 1"], in: file) == .found(BlockMatch(range: 1..<2, stage: .trailingWhitespace)))
    }

    @Test func indentationStage() {
        #expect(BlockMatcher.find(["let x = 1", "let y = \"q\""], in: file) == .found(BlockMatch(range: 1..<3, stage: .indentation)))
    }

    @Test func unicodePunctuationStage() {
        #expect(BlockMatcher.find(["let y = \u{201C}q\u{201D}"], in: file) == .found(BlockMatch(range: 2..<3, stage: .unicodePunctuation)))
        #expect(BlockMatcher.foldPunctuation("a\u{2014}b\u{2026}\u{00A0}") == "a-b... ")
    }

    @Test func ambiguityIsDecidedAtTheFirstMatchingStage() {
        let lines = ["x = 1", "y", "x = 1"]
        #expect(BlockMatcher.find(["x = 1"], in: lines) == .ambiguous(stage: .exact, starts: [0, 2]))
        // An exact single match wins over an indentation-tolerant duplicate.
        #expect(BlockMatcher.find(["x = 1"], in: ["  x = 1", "x = 1"]) == .found(BlockMatch(range: 1..<2, stage: .exact)))
        // Two tolerant matches and no exact one: refused, not "closest".
        #expect(BlockMatcher.find(["x = 1"], in: ["  x = 1", "\tx = 1"]) == .ambiguous(stage: .indentation, starts: [0, 1]))
    }

    @Test func noClosestMatch() {
        #expect(BlockMatcher.find(["let x = 2"], in: file) == .notFound)
        #expect(BlockMatcher.find(["a", "b", "c", "d", "e"], in: ["a"]) == .notFound)
    }

    @Test func reindentsReplacementForIndentationMatches() {
        let out = BlockMatcher.adjustIndentation(replace: ["if x:", "    y()", ""], search: ["if x:"],
                                                 matched: ["        if x:"][...], stage: .indentation)
        #expect(out == ["        if x:", "            y()", ""])
        let exact = BlockMatcher.adjustIndentation(replace: ["a"], search: ["a"], matched: ["a"][...], stage: .exact)
        #expect(exact == ["a"])
    }
}

@Suite struct TextFileTests {
    @Test func roundTripsBytesExactly() throws {
        let samples: [[UInt8]] = [
            Array("a\r\nb\nc".utf8), Array("\u{FEFF}x\n".utf8), [0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00],
            [0x63, 0x61, 0x66, 0xE9, 0x0A], [],
        ]
        for bytes in samples {
            let f = try TextFile(data: Data(bytes), path: "s")
            #expect(try f.encoded(path: "s") == Data(bytes))
        }
        #expect(try TextFile(data: Data([0x63, 0x61, 0x66, 0xE9, 0x0A]), path: "s").encoding == .latin1)
    }

    @Test func refusesBinaryAndUnencodableText() throws {
        #expect(throws: AgentError.self) { try TextFile(data: Data([0x00, 0x01, 0x02]), path: "bin") }
        var latin = try TextFile(data: Data([0x61, 0x0A]), path: "l")
        #expect(latin.encoding == .utf8)
        latin = try TextFile(data: Data([0xE9, 0x0A]), path: "l")
        latin.replaceLines(0..<1, with: ["日本"])
        #expect(throws: AgentError.self) { try latin.encoded(path: "l") }
    }
}

@Suite struct RepositoryPathTests {
    @Test func normalizesAndRefuses() throws {
        let root = try TempDir()
        #expect(try RepositoryPath.validate("./a/../b.txt", root: root.path) == "b.txt")
        for bad in ["", "/etc/passwd", "~/x", "../x", "a/../../x", ".git/config", "a/./../.git/HEAD", "."] {
            #expect(throws: AgentError.self, "\(bad)") { try RepositoryPath.validate(bad, root: root.path) }
        }
    }

    @Test func refusesSymlinkEscapes() throws {
        let root = try TempDir(), outside = try TempDir()
        try FileManager.default.createSymbolicLink(atPath: root.path + "/link", withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/file", withDestinationPath: outside.path + "/f.txt")
        #expect(throws: AgentError.self) { try RepositoryPath.validate("link/new.txt", root: root.path) }
        #expect(throws: AgentError.self) { try RepositoryPath.validate("file", root: root.path) }
    }
}
