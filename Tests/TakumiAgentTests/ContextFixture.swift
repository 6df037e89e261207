import Foundation

/// A fixture repository for context tests: a folder of `Fixtures/context/` copied to a temp
/// directory and `git init`-ed with real history, or an empty one. Removed on deinit.
final class ContextFixture {
    let root: String

    static var fixturesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/context")
    }

    init(copying name: String? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-ctx-\(UUID().uuidString)")
        if let name {
            try FileManager.default.copyItem(at: Self.fixturesDirectory.appendingPathComponent(name), to: base)
        } else {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        }
        root = base.resolvingSymlinksInPath().path
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Test")
        try git("config", "user.email", "test@example.com")
        if name != nil {
            try git("add", "-A")
            try git("commit", "-q", "-m", "Import \(name ?? "")")
            try write("README.md", (try read("README.md")) + "\nSee the source for details.\n")
            try git("commit", "-q", "-am", "Expand the README")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") { environment[key] = nil }
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = root
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")) failed"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    func write(_ path: String, _ text: String) throws { try write(path, Data(text.utf8)) }

    func write(_ path: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: root).appendingPathComponent(path)), as: UTF8.self)
    }
}
