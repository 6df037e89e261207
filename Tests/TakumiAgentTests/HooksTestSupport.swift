import Foundation
import Testing
import TakumiAgent

/// A temporary directory removed at the end of the test.
final class HooksTempDir {
    let path: String
    init() throws {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("takumi-hooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = (base as NSString).resolvingSymlinksInPath
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ name: String, _ text: String, executable: Bool = false) throws {
        let file = sub(name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: sub(name)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Runs git in `directory` with a fixed identity, failing the test on error.
@discardableResult
func hooksGit(_ directory: String, _ arguments: String...) throws -> String {
    let env = ProcessInfo.processInfo.environment.merging([
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": directory,
    ]) { $1 }
    return try GitCommandLine(directory: directory, environment: env).run(arguments)
}

/// Renders the real templates in `Prompts/` through the prompt library.
func hooksTemplateRenderer() -> PromptRenderer {
    let library = PromptLibrary(directories: [TestPaths.prompts])
    return { name, values in try library.render(name, values) }
}
