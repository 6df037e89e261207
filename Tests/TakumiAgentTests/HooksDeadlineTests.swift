import Foundation
import Testing
import TakumiAgent

@Suite("Hooks: time limits through the event callback")
struct HooksDeadlineTests {
    @Test func slowGeneratorIsStoppedAndReportedAsTimeout() throws {
        let slow = ReplayTextGenerator(answer: "Add a very long commit message that arrives slowly", delayPerPiece: 0.05)
        let writer = CommitMessageWriter(generator: slow, render: hooksTemplateRenderer())
        let diff = "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n"
        let start = Date()
        #expect(throws: AgentError.timedOut(task: "commit message", seconds: 0.12)) {
            try writer.write(diffText: diff, history: [], deadline: GenerationDeadline(seconds: 0.12))
        }
        // Stopped after a few pieces, not after all nine.
        #expect(Date().timeIntervalSince(start) < 0.4)
    }

    @Test func deadlineStartsWhenTold() {
        let past = DispatchTime(uptimeNanoseconds: DispatchTime.now().uptimeNanoseconds - 2_000_000_000)
        #expect(GenerationDeadline(seconds: 1, start: past).control() == .stop)
        #expect(GenerationDeadline(seconds: 10).control() == .continue)
    }
}
