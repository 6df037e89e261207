import Foundation
import Testing
import TakumiAgent
import TakumiBackends

/// The OpenAI-compatible client against a real llama.cpp server on loopback.
@Suite("Backends: OpenAI client against llama.cpp's server", .serialized)
struct ServerClientTests {
    func client(_ peer: LlamaPeer, key: String? = "test-key") throws -> OpenAITextGenerator {
        try OpenAITextGenerator(endpoint: try ServerEndpoint(peer.url, apiKey: key), model: nil,
                                environment: ["TAKUMI_HOME": RealModel.home])
    }

    @Test func chatStreamsPiecesAndReportsUsage() throws {
        guard let peer = LlamaPeer.sharedOrSkip("chatStreamsPiecesAndReportsUsage") else { return }
        let generator = try client(peer)
        #expect(generator.model == "qwen2.5-coder-0.5b-instruct")  // the first of /v1/models
        var pieces: [String] = []
        let result = try generator.generate(GenerationRequest(prompt: .chat([.user("Write a Python function that adds two numbers.")]),
                                                              maxTokens: 24)) { event in
            if case let .text(piece) = event { pieces.append(piece) }
            return .continue
        }
        #expect(pieces.count > 3, "streamed in pieces")
        #expect(pieces.joined() == result.text)
        #expect(result.finishReason == .maxTokens)
        #expect(result.generatedTokens == 24)
        #expect(result.promptTokens > 10)
        #expect(result.meanLogProbability == nil, "not asked for")

        // Asked for (candidate ranking), the server's token log-probabilities are averaged.
        var ranked = GenerationRequest(prompt: .chat([.user("Write a Python function that adds two numbers.")]), maxTokens: 16)
        ranked.wantsLogProbabilities = true
        let scored = try generator.generate(ranked) { _ in .continue }
        let mean = try #require(scored.meanLogProbability)
        #expect(mean <= 0 && mean > -20, "mean log-probability \(mean)")
    }

    @Test func stopStringsAndCancellation() throws {
        guard let peer = LlamaPeer.sharedOrSkip("stopStringsAndCancellation") else { return }
        let generator = try client(peer)
        // The server takes 4 stop strings; the fifth is applied by the client.
        let counting = GenerationRequest(prompt: .chat([.user("Count from 1 to 20, separated by commas.")]), maxTokens: 80,
                                         stopStrings: ["x1", "x2", "x3", "x4", "5"])
        let stopped = try generator.generate(counting) { _ in .continue }
        #expect(stopped.finishReason == .stopString, "text: \(stopped.text)")
        #expect(!stopped.text.contains("5"), "text: \(stopped.text)")
        var seen = 0
        let cancelled = try generator.generate(GenerationRequest(prompt: .chat([.user("Write a long story.")]), maxTokens: 400)) { event in
            if case .text = event { seen += 1 }
            return seen >= 2 ? .stop : .continue
        }
        #expect(cancelled.finishReason == .cancelled)
        #expect(seen == 2)
        // Stopping closes the stream: the client does not read on to the 400-token limit.
        #expect(cancelled.generatedTokens < 400, "generated \(cancelled.generatedTokens)")
    }

    @Test func fillInTheMiddleUsesInfillAndTokensComeFromTheServer() throws {
        guard let peer = LlamaPeer.sharedOrSkip("fillInTheMiddleUsesInfill") else { return }
        let generator = try client(peer)
        let result = try generator.generate(GenerationRequest(
            prompt: .fillInMiddle(prefix: "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return ", suffix: "\n",
                                  path: "calc.py", contextFiles: []), maxTokens: 12)) { _ in .continue }
        #expect(result.text.contains("a + b") || result.text.contains("b + a"), "infill: \(result.text)")
        #expect(generator.infillAvailable == true)
        // /tokenize counts as the server's tokenizer does (the same BPE as the engine's).
        #expect(generator.countTokens("hello world") == 2)
        #expect(generator.tokenizeAvailable == true)
    }

    @Test func errorsInOpenAIShapeBecomeClearMessages() throws {
        guard let peer = LlamaPeer.sharedOrSkip("errorsInOpenAIShape") else { return }
        #expect { try client(peer, key: "wrong") } throws: { error in
            guard case .unauthorized = error as? BackendError else { return false }
            return "\(error)".contains(peer.url) && "\(error)".contains("TAKUMI_API_KEY")
        }
        let generator = try client(peer)
        let huge = String(repeating: "word ", count: 9000)
        #expect { try generator.generate(GenerationRequest(prompt: .chat([.user(huge)]), maxTokens: 4)) { _ in .continue } } throws: { error in
            guard case .contextLengthExceeded = error as? BackendError else { return false }
            return "\(error)".contains("context")
        }
        #expect { try OpenAITextGenerator(endpoint: try ServerEndpoint("http://127.0.0.1:9", apiKey: nil), model: nil, environment: [:]) } throws: { error in
            guard case .cannotConnect = error as? BackendError else { return false }
            return "\(error)" == "cannot connect to the server at http://127.0.0.1:9: connection refused (is the server running?)"
        }
    }

    @Test func serverKilledMidStreamIsAnError() throws {
        guard let peer = LlamaPeer.startOrSkip("serverKilledMidStreamIsAnError") else { return }
        let generator = try client(peer, key: nil)
        var pieces = 0
        #expect { try generator.generate(GenerationRequest(prompt: .chat([.user("Write a long story about a cat.")]), maxTokens: 400)) { event in
            if case .text = event {
                pieces += 1
                if pieces == 3 { peer.kill() }
            }
            return .continue
        } } throws: { error in
            guard case .streamInterrupted = error as? BackendError else { return false }
            return "\(error)".contains(peer.url)
        }
    }
}
