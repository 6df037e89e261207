import Foundation
import Testing
import TakumiAgent

@Suite struct SearchConstraintTests {
    let constraint = SearchConstraint(texts: ["def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"])
    func ok(_ generated: String, _ candidate: String) -> Bool {
        constraint.accepts(generated: Array(generated.utf8), candidate: Array(candidate.utf8))
    }
    let open = "calc.py\n<<<<<<< SEARCH\n"

    @Test func outsideSearchEverythingGoes() {
        #expect(ok("I will fix it.\n", "anything"))
        #expect(ok("", ""))
        #expect(ok(open + "    return a - b\n=======\n", "    return a + b"))
    }

    @Test func searchTextStaysACopyOfWholeLines() {
        #expect(ok(open, "def"))
        #expect(ok(open, "    return"))
        #expect(!ok(open, "    retur x"))
        #expect(!ok(open, "add(a"))                     // not at a line start
        #expect(ok(open + "def add(a, b):\n", "    return a - b\n"))
        #expect(!ok(open + "def add(a, b):\n", "    return a + b\n"))
        #expect(!ok(open + "def add", ""))              // no end of turn inside a SEARCH
    }

    @Test func theDividerMayFollowCompleteLines() {
        #expect(ok(open + "def add(a, b):\n    return a - b\n", "======="))
        #expect(ok(open + "def add(a, b):\n    return a - b", "\n======="))
        #expect(!ok(open + "def add(a", "======="))
    }

    @Test func matchesAreFollowedAcrossCalls() {
        // Both functions start alike; the text narrows to one of them as it grows.
        var generated = open
        for piece in ["def ", "sub", "(a, b):\n", "    return a - b\n"] {
            #expect(ok(generated, piece), "\(piece)")
            generated += piece
        }
        #expect(!ok(open + "def sub(a, b):\n", "def"))
    }
}
