import Foundation
import Testing

/// Helpers for tests that drive the built `takumi` binary and real git/vim processes.
enum ProcessTestSupport {
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `TAKUMI_BIN` (set by `make test`), else the binary of this build configuration.
    static var takumiBinary: String {
        if let bin = ProcessInfo.processInfo.environment["TAKUMI_BIN"], !bin.isEmpty { return bin }
        #if DEBUG
        return packageRoot + "/.build/debug/takumi"
        #else
        return packageRoot + "/.build/release/takumi"
        #endif
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var seconds: Double
}

/// A scratch area with a git repository in `repo`, an isolated HOME and git identity, and
/// an environment in which every tool (git, hooks, vim) runs.
final class ScratchRepo {
    let root: String
    let repo: String
    var environment: [String: String]

    init(initialFiles: [String: String] = ["README.md": "# demo\n"], history: [String] = ["Initial commit"]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.resolvingSymlinksInPath().path
        repo = root + "/repo"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GIT_") || key.hasPrefix("TAKUMI_") { env[key] = nil }
        env["HOME"] = root
        env["XDG_CONFIG_HOME"] = root + "/.config"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_AUTHOR_NAME"] = "Test"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        env["TAKUMI_HOME"] = root + "/takumi-home"  // no models here unless a test puts one
        env["TAKUMI_BIN"] = nil
        env["NO_COLOR"] = "1"
        environment = env
        try git("init", "-q", "-b", "main")
        for (index, message) in history.enumerated() {
            if index == 0 {
                for (path, text) in initialFiles { try write(path, text) }
            } else {
                try write("history.txt", "\(index)\n")
            }
            try git("add", "-A")
            try git("commit", "-q", "-m", message)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ relative: String, _ text: String, in directory: String? = nil) throws {
        let path = (directory ?? repo) + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func read(_ relative: String, in directory: String? = nil) -> String? {
        FileManager.default.contents(atPath: (directory ?? repo) + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `answer` as the scripted model's answer and points TAKUMI_MODEL at it.
    func useScriptedModel(answer: String, delayPerWord: Double? = nil) throws {
        try Data(answer.utf8).write(to: URL(fileURLWithPath: root + "/answer.txt"))
        environment["TAKUMI_MODEL"] = "scripted:" + root + "/answer.txt"
        environment["TAKUMI_SCRIPTED_LOG"] = root + "/prompts.log"
        environment["TAKUMI_SCRIPTED_DELAY"] = delayPerWord.map { String($0) }
    }

    /// What the scripted model was shown so far ("" when it was never asked).
    var promptLog: String {
        FileManager.default.contents(atPath: root + "/prompts.log").map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let result = try run("/usr/bin/env", ["git"] + arguments)
        guard result.status == 0 else {
            throw ScratchError.failed("git \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return result.stdout
    }

    func gitResult(_ arguments: [String], extraEnvironment: [String: String] = [:], in directory: String? = nil) throws -> ProcessResult {
        try run("/usr/bin/env", ["git"] + arguments, extraEnvironment: extraEnvironment, in: directory)
    }

    func takumi(_ arguments: [String], stdin: String? = nil, extraEnvironment: [String: String] = [:],
                in directory: String? = nil) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: ProcessTestSupport.takumiBinary) else {
            throw ScratchError.failed("no takumi binary at \(ProcessTestSupport.takumiBinary): build it first or set TAKUMI_BIN")
        }
        return try run(ProcessTestSupport.takumiBinary, arguments, stdin: stdin, extraEnvironment: extraEnvironment, in: directory)
    }

    /// The last commit's full message.
    func lastMessage(in directory: String? = nil) throws -> String {
        try gitResult(["log", "-1", "--format=%B"], in: directory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
             extraEnvironment: [String: String] = [:], in directory: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? repo)
        process.environment = environment.merging(extraEnvironment) { $1 }
        // Files, not pipes: no deadlock on large output, and no TTY (like editors and hooks).
        let outPath = root + "/.out-\(UUID().uuidString)", errPath = root + "/.err-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        if let stdin {
            let inPath = root + "/.in-\(UUID().uuidString)"
            try Data(stdin.utf8).write(to: URL(fileURLWithPath: inPath))
            process.standardInput = FileHandle(forReadingAtPath: inPath)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let out = FileManager.default.contents(atPath: outPath) ?? Data()
        let err = FileManager.default.contents(atPath: errPath) ?? Data()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self), seconds: seconds)
    }
}

enum ScratchError: Error { case failed(String) }

/// An editor for `git commit` that writes `message` into the message file when it has no
/// message yet, like a user typing one (and leaves a suggested or given message alone).
func typingEditor(_ root: String, message: String) throws -> String {
    let path = root + "/type-editor.sh"
    let script = """
    #!/bin/sh
    if ! grep -v '^#' "$1" | grep -q '[^[:space:]]'; then
      printf '%s\\n' '\(message)' > "$1"
    fi

    """
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
}
