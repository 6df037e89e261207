import Foundation
import Testing
import TakumiInference

@Suite("Model name resolution")
struct ModelLocatorTests {
    @Test func namesResolveUnderTakumiHome() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-home-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        let locator = ModelLocator(environment: ["TAKUMI_HOME": home.path, "HOME": "/nonexistent"])
        #expect(locator.modelsDirectory == home.path + "/models")

        let missing = home.path + "/models/qwen2.5-coder-0.5b-instruct.gguf"
        #expect(throws: InferenceError.modelNotFound(name: "qwen2.5-coder-0.5b-instruct", path: missing)) { try locator.resolve(nil) }
        let message = InferenceError.modelNotFound(name: "x", path: "/p/x.gguf").description
        #expect(message.contains("/p/x.gguf") && message.contains("scripts/fetch-model x"))

        FileManager.default.createFile(atPath: home.path + "/models/tiny.gguf", contents: Data("GGUF".utf8))
        #expect(try locator.resolve("tiny") == home.path + "/models/tiny.gguf")
        // Paths are taken as paths.
        #expect(try locator.resolve(home.path + "/models/tiny.gguf") == home.path + "/models/tiny.gguf")
        #expect(throws: InferenceError.self) { try locator.resolve("./nope.gguf") }
    }

    @Test func defaultHomeIsUnderTheUserCache() {
        let locator = ModelLocator(environment: ["HOME": "/home/someone"])
        #expect(locator.modelsDirectory == "/home/someone/.cache/takumi/models")
    }
}
