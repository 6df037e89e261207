import Foundation
import Testing

/// The fault-injection suite: every case in `Fixtures/faults/*.cases` (a `## name` line, then
/// a bash body using `Fixtures/faults/lib.sh`) runs in a fresh directory of its own against the
/// built takumi binary and the scripted model, and asserts the complete before/after state of
/// the repository (work tree and .git byte for byte), the files outside it and TMPDIR.
/// Cases run in parallel; each is bounded by a time limit.
@Suite struct FaultSuiteTests {
    struct FaultCase: CustomTestStringConvertible, Sendable {
        var file: String
        var name: String
        var body: String
        var testDescription: String { "\(file): \(name)" }
    }

    static let directory = ProcessTestSupport.packageRoot + "/Fixtures/faults"
    /// Seconds one case may take (the slowest take about 10 s on a loaded 2-core machine).
    static let timeLimit = 90.0

    static let cases: [FaultCase] = {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".cases") }.sorted()
        var all: [FaultCase] = []
        for file in files {
            let text = (try? String(contentsOfFile: directory + "/" + file, encoding: .utf8)) ?? ""
            var current: FaultCase?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("## ") {
                    if let current { all.append(current) }
                    current = FaultCase(file: file, name: String(line.dropFirst(3)), body: "")
                } else if current != nil {
                    current!.body += line + "\n"
                }
            }
            if let current { all.append(current) }
        }
        return all
    }()

    @Test func theSuiteHasItsCasesAndUniqueNames() {
        #expect(Self.cases.count >= 150, "only \(Self.cases.count) fault cases")
        let names = Self.cases.map(\.testDescription)
        #expect(Set(names).count == names.count, "duplicate case names")
    }

    @Test(arguments: cases) func faultCase(_ fault: FaultCase) throws {
        let binary = ProcessTestSupport.takumiBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build takumi first (swift build) or set TAKUMI_BIN")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer {
            _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", base.path]).waitUntilExit()
            try? FileManager.default.removeItem(at: base)
        }
        let script = base.appendingPathComponent("case.sh")
        try Data(". \(Self.directory)/lib.sh\n\(fault.body)".utf8).write(to: script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        process.currentDirectoryURL = base
        var environment = ProcessInfo.processInfo.environment
        environment["TAKUMI_BIN"] = binary
        process.environment = environment
        let log = base.appendingPathComponent("case.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(Self.timeLimit)
        var zombieSince: Date?
        var reapedStatus: Int32?
        while process.isRunning && Date() < deadline {
            // Foundation sometimes misses a child's exit when many end at once; a child that
            // stays a zombie is reaped here instead of waiting for it forever.
            if Self.isZombie(pid) {
                if let since = zombieSince, Date().timeIntervalSince(since) > 2 {
                    var status: Int32 = 0
                    if waitpid(pid, &status, WNOHANG) == pid { reapedStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
                    break
                }
                zombieSince = zombieSince ?? Date()
            }
            usleep(50_000)
        }
        let timedOut = process.isRunning && reapedStatus == nil && !Self.isZombie(pid)
        // Foundation starts the child as a process group leader: the case and what it left
        // in its group go together (a reaped leader's group is left alone: its id may be reused).
        if getpgid(pid) == pid { kill(-pid, SIGKILL) } else if timedOut { kill(pid, SIGKILL) }
        if reapedStatus == nil { process.waitUntilExit() }
        try handle.close()
        let status = reapedStatus ?? process.terminationStatus
        let output = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(!timedOut, "\(fault.testDescription) took longer than \(Self.timeLimit) s:\n\(output)")
        #expect(status == 0, "\(fault.testDescription) failed (status \(status)):\n\(output)")
    }

    static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
