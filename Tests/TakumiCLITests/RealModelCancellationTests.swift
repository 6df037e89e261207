import Foundation
import Testing

/// Cancellation inside a long prompt prefill, end to end: `takumi edit` with the real model on
/// a ~10k-token file gets SIGINT/SIGTERM/SIGHUP while the prompt is being read and must exit
/// (130, nothing changed) within about 2 s of the signal, not when the prefill ends.
///
/// The file is asked for whole (`--format whole-file`, a 32k window), so the prompt really is
/// ~10k tokens: shown as regions it would be short.
@Suite("CLI: cancellation during prefill with the real model", .serialized,
       .enabled(if: RealModel.shouldRun, "needs the model"))
struct RealModelCancellationTests {
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func signalDuringPrefillEndsWithinTwoSeconds(_ signal: Int32) throws {
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        // About 10k tokens of plain Python, so the prefill takes far longer than the test waits.
        var source = "def add(a, b):\n    return a - b\n\n"
        for index in 0..<700 { source += "def helper_\(index)(value):\n    return value * \(index) + \(index % 7)\n\n" }
        let scratch = try ScratchRepo(initialFiles: ["calc.py": source])
        let before = try scratch.run("/bin/sh", ["-c", "find . -print | sort | while read p; do if [ -f \"$p\" ]; then cksum \"$p\"; else echo \"$p\"; fi; done"])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessTestSupport.takumiBinary)
        process.arguments = ["edit", "Fix add so that it adds", "calc.py", "--model", RealModel.path, "--no-test", "--attempts", "1",
                             "--format", "whole-file", "--context", "32768"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.repo)
        process.environment = scratch.environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Model load and repository reading take about a second; the prefill far longer.
        Thread.sleep(forTimeInterval: 4)
        #expect(process.isRunning, "takumi finished before the signal: the prompt is too short to test prefill")
        let sent = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning && Date().timeIntervalSince(sent) < 60 { usleep(20_000) }
        let elapsed = Date().timeIntervalSince(sent)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(elapsed < 2.0, "exited \(String(format: "%.1f", elapsed)) s after signal \(signal)")
        #expect(process.terminationStatus == 130)
        let after = try scratch.run("/bin/sh", ["-c", "find . -print | sort | while read p; do if [ -f \"$p\" ]; then cksum \"$p\"; else echo \"$p\"; fi; done"])
        #expect(after.stdout == before.stdout)
    }
}
