import Foundation
import Testing
import TakumiGit

/// Compares the wrapper with git itself on real repositories: this checkout (real history,
/// whatever state it is in while tests run) plus any listed in TAKUMI_PARITY_REPOS
/// (colon-separated paths, e.g. a 50,000-file benchmark repository).
@Suite struct RealRepositoryParityTests {
    static var repositories: [String] {
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let extra = (ProcessInfo.processInfo.environment["TAKUMI_PARITY_REPOS"] ?? "")
            .split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return [checkout] + extra
    }

    func gitLines(_ arguments: [String], in directory: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") { environment[key] = nil }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // -z output: NUL-separated, paths verbatim (no quoting of odd bytes).
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: repositories)
    func trackedFilesAndStatusMatchGit(_ path: String) throws {
        // Outside a git checkout (e.g. an exported source tarball) there is nothing to compare.
        guard FileManager.default.fileExists(atPath: path + "/.git") else { return }
        let repo = try Repository.open(path: path)
        let tracked = try repo.trackedFiles().map(\.path)
        let lsFiles = Array(Set(try gitLines(["ls-files", "-z"], in: path))).sorted()
        #expect(tracked.sorted() == lsFiles, "\(path): \(tracked.count) tracked vs \(lsFiles.count) from git ls-files")

        let status = try repo.status()
        // Porcelain v1 -z: "XY path\0" and, for renames, the source path as the next field.
        var expected: [String] = []
        var fields = try gitLines(["status", "--porcelain", "-z", "--untracked-files=all"], in: path)[...]
        while let field = fields.popFirst() {
            let code = field.prefix(2)
            expected.append(String(field.dropFirst(3)))
            if code.contains("R") || code.contains("C") { _ = fields.popFirst() }
        }
        #expect(status.dirtyPaths.sorted() == expected.sorted(), "\(path): status differs from git status --porcelain")
        print("parity: \(path): \(tracked.count) tracked files, \(status.entries.count) status entries match git")
    }
}
