import Foundation
import Testing

/// End-to-end checks of `takumi generate / tokenize / bench` through the built binary
/// (`TAKUMI_BIN`, set by `make test`) on the real model. Skipped when the binary or the
/// model is missing, unless TAKUMI_REQUIRE_MODEL=1.
@Suite("Engine commands (generate, tokenize, bench)", .serialized)
struct EngineCommandsTests {
    static let env = ProcessInfo.processInfo.environment
    static var binary: String? { env["TAKUMI_BIN"].flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } }
    static var modelPath: String {
        let home = env["TAKUMI_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache/takumi")
        return home + "/models/qwen2.5-coder-0.5b-instruct.gguf"
    }
    static var enabled: Bool {
        env["TAKUMI_REQUIRE_MODEL"] == "1" || (binary != nil && FileManager.default.fileExists(atPath: modelPath))
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    static func takumi(_ args: [String], stdin: String? = nil) throws -> Run {
        let bin = try #require(binary, "TAKUMI_BIN is not set to the built takumi binary")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test(.enabled(if: enabled)) func tokenizeRecognizesSpecialTokens() throws {
        let plain = try Self.takumi(["tokenize", "<|im_start|>user\nhi"])
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix("151644 "))
        let json = try Self.takumi(["tokenize", "--json"], stdin: "<|im_end|>")
        #expect(try JSONDecoder().decode([Int].self, from: Data(json.stdout.utf8)) == [151645])
    }

    @Test(.enabled(if: enabled)) func generateJSONReportsCountsAndSpeeds() throws {
        let run = try Self.takumi(["generate", "--max-tokens", "12", "--json", "Write a C function that adds two ints."])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        struct Report: Decodable {
            var text: String; var tokens: Int; var prompt_tokens: Int
            var prefill_tokens_per_s: Double; var decode_tokens_per_s: Double
        }
        let r = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        #expect(r.tokens >= 1 && r.tokens <= 12)
        #expect(!r.text.isEmpty)
        #expect(r.prompt_tokens > 10)
        #expect(r.prefill_tokens_per_s > 0 && r.decode_tokens_per_s > 0)
    }

    @Test(.enabled(if: enabled)) func generateStreamsOnlyTheAnswerToStdout() throws {
        let run = try Self.takumi(["generate", "--max-tokens", "6", "--raw", "def add(a, b):\n    return"])
        #expect(run.status == 0)
        #expect(!run.stdout.isEmpty)
        #expect(!run.stdout.contains("<|"))
        #expect(run.stderr.isEmpty, "stderr is not a TTY, so nothing but errors may go there: \(run.stderr)")
    }

    @Test(.enabled(if: enabled)) func usageAndModelErrorsHaveTheirExitCodes() throws {
        let usage = try Self.takumi(["generate", "--max-tokens", "0", "x"])
        #expect(usage.status == 64)
        #expect(usage.stdout.isEmpty)
        let missing = try Self.takumi(["generate", "--model", "no-such-model", "x"])
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("scripts/fetch-model no-such-model"))
    }

    @Test(.enabled(if: enabled)) func benchPrintsPrefillAndDecodeSpeeds() throws {
        let run = try Self.takumi(["bench", "--prompt-tokens", "16", "--gen-tokens", "4", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((doc["prefill_tokens_per_s"] as? Double ?? 0) > 0)
        #expect((doc["decode_tokens_per_s"] as? Double ?? 0) > 0)
        #expect(doc["prompt_tokens"] as? Int == 16)
    }
}
