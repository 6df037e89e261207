import Foundation
import Testing
import TakumiAgent

/// Paths and small helpers shared by the agent tests.
enum TestPaths {
    static let packageRoot: String = {
        // Tests/TakumiAgentTests/TestSupport.swift -> package root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()
    static var fixtures: String { packageRoot + "/Fixtures" }
    static var prompts: String { packageRoot + "/Prompts" }
}

/// A temporary directory removed when the value is dropped by the test.
final class TempDir {
    let path: String
    init(_ label: String = "takumi-test") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.resolvingSymlinksInPath().path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }
    func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + relative).flatMap { String(data: $0, encoding: .utf8) }
    }
}

/// Every regular file under `root` (relative path -> bytes), skipping `.git`.
func snapshotTree(_ root: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return result }
    while let rel = walker.nextObject() as? String {
        if rel == ".git" || rel.hasPrefix(".git/") { walker.skipDescendants(); continue }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
            result[rel] = FileManager.default.contents(atPath: root + "/" + rel)
        }
    }
    return result
}

func copyTree(_ from: String, to: String) throws {
    let fm = FileManager.default
    for item in try fm.contentsOfDirectory(atPath: from) {
        try fm.copyItem(atPath: from + "/" + item, toPath: to + "/" + item)
    }
}

/// Runs a command synchronously (for git plumbing in tests); returns stdout.
@discardableResult
func sh(_ command: String, in dir: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// The error's case name, e.g. "searchAmbiguous", to compare with fixture `error.txt`.
func caseName(_ error: Error) -> String {
    guard let e = error as? AgentError else { return "\(type(of: error))" }
    return e.kind
}
