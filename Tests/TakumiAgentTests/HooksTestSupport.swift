import Foundation
import Testing
import TakumiAgent

extension TempDir {
    /// The absolute path of `name` inside the directory.
    func sub(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name`, optionally as an executable (a hook).
    func write(_ name: String, _ text: String, executable: Bool) throws {
        try write(name, text)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sub(name)) }
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
