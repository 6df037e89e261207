import Foundation

/// A `TextGenerator` that replays a fixed answer, word by word, optionally slowly.
///
/// A testing aid, reachable from the CLI as `--model scripted:FILE` (or `TAKUMI_MODEL`):
/// process-level tests of hooks and editor filters need a fast, deterministic "working
/// model", and a slow one to exercise time limits. It records the requests it was given.
public final class ReplayTextGenerator: TextGenerator, @unchecked Sendable {
    public let answer: String
    /// Seconds to wait before each piece of text (to play a slow model).
    public let delayPerPiece: Double
    /// When set, each request's prompt text is appended to this file (so a process-level
    /// test can see what the model was shown, e.g. which index a hook read).
    public let requestLogPath: String?
    public private(set) var requests: [GenerationRequest] = []
    private let lock = NSLock()

    public init(answer: String, delayPerPiece: Double = 0, requestLogPath: String? = nil) {
        self.answer = answer
        self.delayPerPiece = delayPerPiece
        self.requestLogPath = requestLogPath
    }

    public var modelDescription: String { "scripted" }

    /// About four characters per token, like real BPE on English and code.
    public func countTokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    public func generate(_ request: GenerationRequest,
                         onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        lock.lock()
        requests.append(request)
        lock.unlock()
        if let requestLogPath { ReplayTextGenerator.append(ReplayTextGenerator.text(of: request.prompt), to: requestLogPath) }
        let start = DispatchTime.now().uptimeNanoseconds
        var text = ""
        var finish = GenerationResult.FinishReason.endOfTurn
        var count = 0
        for piece in ReplayTextGenerator.pieces(of: answer) {
            if count >= request.maxTokens { finish = .maxTokens; break }
            if delayPerPiece > 0 { usleep(UInt32(min(delayPerPiece, 60) * 1_000_000)) }
            text += piece
            count += 1
            if onEvent(.text(piece)) == .stop { finish = .cancelled; break }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return GenerationResult(text: text, promptTokens: 0, generatedTokens: count, finishReason: finish,
                                prefillSeconds: 0, decodeSeconds: seconds)
    }

    static func text(of prompt: PromptInput) -> String {
        switch prompt {
        case let .chat(messages):
            return messages.map { "[\($0.role.rawValue)]\n\($0.content)" }.joined(separator: "\n")
        case let .fillInMiddle(prefix, suffix, path, contextFiles):
            let context = contextFiles.map { "[context \($0.0)]\n\($0.1)" }.joined(separator: "\n")
            return context + "\n[fim \(path ?? "")]\n[prefix]\n\(prefix)\n[suffix]\n\(suffix)"
        case let .raw(text):
            return text
        }
    }

    static func append(_ text: String, to path: String) {
        let entry = Data(("=== request\n" + text + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(entry)
            try? handle.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: entry)
        }
    }

    /// Splits text into word-sized pieces, whitespace attached to the following word.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for char in text {
            if char.isWhitespace && !current.isEmpty && !(current.last?.isWhitespace ?? false) {
                pieces.append(current)
                current = ""
            }
            current.append(char)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
