import Foundation
import Testing

/// llama.cpp's server (the pinned xllamacpp wheel, installed by scripts/setup-peers) serving
/// the default model on loopback, for the tests of the HTTP backend. A real server, not a mock.
///
/// The peer exits when its stdin closes, so it never outlives the test process.
final class LlamaPeer: @unchecked Sendable {
    let url: String
    let apiKey: String?
    private let process: Process
    private let stdin = Pipe()

    /// Whether the tests must run (make test) rather than skip when the peer cannot be set up.
    static var required: Bool { RealModel.required }

    /// The venv's bin directory, or a reason the peers could not be installed.
    static let binDirectory: Result<String, PeerUnavailable> = {
        let setup = ProcessTestSupport.packageRoot + "/scripts/setup-peers"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setup)
        var env = ProcessInfo.processInfo.environment
        env["TAKUMI_HOME"] = RealModel.home
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .failure(PeerUnavailable(reason: "cannot run \(setup): \(error)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(PeerUnavailable(reason: "scripts/setup-peers failed: \(String(decoding: errors, as: UTF8.self))"))
        }
        return .success(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    struct PeerUnavailable: Error, CustomStringConvertible { var reason: String; var description: String { reason } }

    /// Starts a peer, or returns nil after saying visibly why the test is skipped (a failure
    /// under TAKUMI_REQUIRE_MODEL=1).
    static func startOrSkip(_ test: String, apiKey: String? = nil, context: Int = 8192) -> LlamaPeer? {
        orSkip(test, Result { try start(apiKey: apiKey, context: context) })
    }

    /// One peer shared by the tests that do not stop it (starting one takes seconds).
    static let shared: Result<LlamaPeer, Error> = Result { try start(apiKey: "test-key", context: 8192) }

    static func sharedOrSkip(_ test: String) -> LlamaPeer? { orSkip(test, shared) }

    private static func start(apiKey: String?, context: Int) throws -> LlamaPeer {
        guard FileManager.default.fileExists(atPath: RealModel.path) else {
            throw PeerUnavailable(reason: "the default model is not downloaded (\(RealModel.path))")
        }
        return try LlamaPeer(apiKey: apiKey, context: context)
    }

    private static func orSkip(_ test: String, _ result: Result<LlamaPeer, Error>) -> LlamaPeer? {
        switch result {
        case let .success(peer): return peer
        case let .failure(error):
            if required {
                Issue.record("\(test): llama.cpp peer unavailable: \(error)")
            } else {
                FileHandle.standardError.write(Data("SKIPPED \(test): llama.cpp peer unavailable: \(error)\n".utf8))
            }
            return nil
        }
    }

    init(apiKey: String?, context: Int) throws {
        let bin = try LlamaPeer.binDirectory.get()
        self.apiKey = apiKey
        process = Process()
        process.executableURL = URL(fileURLWithPath: bin + "/python")
        var arguments = [ProcessTestSupport.packageRoot + "/scripts/llama-peer.py", RealModel.path, "--ctx", String(context)]
        if let apiKey { arguments += ["--api-key", apiKey] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = stdin
        try process.run()
        // "listening URL" once /health answers; EOF first means the peer died.
        var line = Data()
        let handle = out.fileHandleForReading
        while !line.contains(0x0A) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "listening ") else {
            process.terminate()
            throw PeerUnavailable(reason: "the llama.cpp peer exited before listening (\(text))")
        }
        url = String(text[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once (SIGKILL: like a crash, connections drop mid-answer).
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        kill()
        try? stdin.fileHandleForWriting.close()
    }
}
