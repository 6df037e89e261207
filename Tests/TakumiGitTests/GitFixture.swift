import Foundation
import Testing

/// A throwaway repository in a temp directory, driven by the real `git` CLI so tests compare
/// the wrapper against git itself. Removed on deinit.
final class GitFixture {
    let root: String

    init(initialBranch: String = "main") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // Resolve symlinks (/tmp may be one) so paths compare equal to libgit2's.
        root = base.resolvingSymlinksInPath().path
        try git("init", "-q", "-b", initialBranch)
        try git("config", "user.name", "Test")
        try git("config", "user.email", "test@example.com")
        try git("config", "commit.gpgsign", "false")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Runs git in the fixture (or `directory`), returning stdout; throws on a non-zero exit.
    @discardableResult
    func git(_ arguments: String..., in directory: String? = nil, environment: [String: String] = [:],
             input: Data? = nil) throws -> String {
        try run(["git"] + arguments, in: directory ?? root, environment: environment, input: input)
    }

    @discardableResult
    func run(_ command: [String], in directory: String, environment: [String: String] = [:],
             input: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") { env[key] = nil }
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["HOME"] = root
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError.commandFailed(command.joined(separator: " "), String(decoding: err, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self)
    }

    func write(_ path: String, _ text: String) throws {
        try write(path, Data(text.utf8))
    }

    func write(_ path: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: root).appendingPathComponent(path)), as: UTF8.self)
    }

    func commit(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }

    /// Lines of a git command's output, without empty ones.
    func lines(_ arguments: String...) throws -> [String] {
        try run(["git"] + arguments, in: root).split(separator: "\n").map(String.init)
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case commandFailed(String, String)
    var description: String {
        switch self { case let .commandFailed(command, stderr): return "\(command) failed: \(stderr)" }
    }
}
