import Foundation
import Testing

/// The hook with the real default model. Skipped when the model is absent, unless
/// TAKUMI_REQUIRE_MODEL=1 (then a missing model fails the test).
enum RealModel {
    static var home: String {
        let env = ProcessInfo.processInfo.environment
        if let home = env["TAKUMI_HOME"], !home.isEmpty { return home }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.cache/takumi"
    }
    static var path: String { home + "/models/qwen2.5-coder-0.5b-instruct.gguf" }
    static var required: Bool { ProcessInfo.processInfo.environment["TAKUMI_REQUIRE_MODEL"] == "1" }
    static var shouldRun: Bool { required || FileManager.default.fileExists(atPath: path) }
}

@Suite("CLI: hooks with the real model", .serialized, .enabled(if: RealModel.shouldRun, "the default model is not downloaded"))
struct RealModelHookTests {
    @Test func hookWritesARealSuggestionWithinTheTimeLimit() throws {
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        let scratch = try ScratchRepo(
            initialFiles: ["greet.py": "def greet(name):\n    return 'Hello ' + name\n"],
            history: ["Add greet function", "Add history file"])
        scratch.environment["TAKUMI_HOME"] = RealModel.home
        // Generous: debug builds and a busy machine are much slower than the release default.
        scratch.environment["TAKUMI_HOOK_TIME_LIMIT"] = "300"
        try #require(try scratch.takumi(["hooks", "install"]).status == 0)
        try scratch.write("greet.py", "def greet(name, punctuation='!'):\n    return 'Hello ' + name + punctuation\n")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": "true"])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(commit.stderr.isEmpty, "the hook reported: \(commit.stderr)")
        let message = try scratch.lastMessage()
        let subject = try #require(message.split(separator: "\n").first)
        #expect(!subject.isEmpty && subject.count <= 120, "subject: \(subject)")
        #expect(!message.contains("```"))
        FileHandle.standardError.write(Data("real-model hook: \(String(format: "%.1f", commit.seconds)) s, message: \(subject)\n".utf8))
    }

    @Test func tinyTimeLimitStillCommits() throws {
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        let scratch = try ScratchRepo(initialFiles: ["a.txt": "a\n"])
        scratch.environment["TAKUMI_HOME"] = RealModel.home
        scratch.environment["TAKUMI_HOOK_TIME_LIMIT"] = "0.05"
        try #require(try scratch.takumi(["hooks", "install"]).status == 0)
        try scratch.write("a.txt", "b\n")
        let editor = try typingEditor(scratch.root, message: "Typed before the model answered")
        let commit = try scratch.gitResult(["commit", "-a"], extraEnvironment: ["GIT_EDITOR": editor])
        #expect(commit.status == 0, "\(commit.stderr)")
        #expect(try scratch.lastMessage() == "Typed before the model answered")
        #expect(commit.stderr.split(separator: "\n").count == 1, "stderr: \(commit.stderr)")
    }
}
