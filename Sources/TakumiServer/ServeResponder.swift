import Foundation
import Hummingbird
import NIOCore
import TakumiAgent

/// Writes one generation as the protocol of the endpoint it came through: OpenAI's chat or
/// text completion objects (whole, or SSE chunks ending in `data: [DONE]`), or llama.cpp's
/// `/infill` object (`content`, `stop`, `tokens_predicted`, `tokens_evaluated`, `timings`).
/// A streaming client that goes away ends the stream, which stops the generation.
struct ServeResponder: Sendable {
    let kind: OpenAIServer.Kind
    let model: String
    let promptTokens: Int
    let includeUsage: Bool
    let id = "takumi-" + UUID().uuidString.lowercased().prefix(12)
    let created = Int(Date().timeIntervalSince1970)

    func whole(_ events: AsyncThrowingStream<EngineQueue.Event, Error>) async throws -> Response {
        var text = ""
        var result: GenerationResult?
        for try await event in events {
            switch event {
            case let .text(piece): text += piece
            case let .finished(done): result = done
            }
        }
        let finished = result ?? GenerationResult(text: text, promptTokens: promptTokens, generatedTokens: 0, finishReason: .cancelled,
                                                  prefillSeconds: 0, decodeSeconds: 0)
        let object: [String: Any]
        switch kind {
        case .chat:
            object = envelope("chat.completion", choice: ["index": 0, "message": ["role": "assistant", "content": finished.text],
                                                          "finish_reason": finishReason(finished)], usage: finished)
        case .completion:
            object = envelope("text_completion", choice: ["index": 0, "text": finished.text, "finish_reason": finishReason(finished),
                                                          "logprobs": NSNull()], usage: finished)
        case .infill:
            object = infillObject(content: finished.text, result: finished)
        }
        return Self.jsonResponse(object)
    }

    func streaming(_ events: AsyncThrowingStream<EngineQueue.Event, Error>) -> Response {
        let responder = self
        let body = ResponseBody { writer in
            if responder.kind == .chat {
                try await writer.write(Self.event(responder.chunk(delta: ["role": "assistant", "content": ""], finish: nil)))
            }
            do {
                for try await event in events {
                    switch event {
                    case let .text(piece):
                        try await writer.write(Self.event(responder.pieceObject(piece)))
                    case let .finished(result):
                        try await writer.write(Self.event(responder.finalObject(result)))
                        if responder.includeUsage && responder.kind != .infill {
                            var usageChunk = responder.base(responder.kind == .chat ? "chat.completion.chunk" : "text_completion")
                            usageChunk["choices"] = [Any]()
                            usageChunk["usage"] = responder.usage(result)
                            try await writer.write(Self.event(usageChunk))
                        }
                    }
                }
            } catch let error where !(error is CancellationError) {
                // Headers are out: report the failure inside the stream, as OpenAI servers do.
                let message = String(describing: error)
                try await writer.write(Self.event(["error": ["message": message, "type": "server_error", "param": NSNull(), "code": NSNull()]]))
            }
            if responder.kind != .infill { try await writer.write(ByteBuffer(string: "data: [DONE]\n\n")) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    // MARK: objects

    private func base(_ object: String) -> [String: Any] {
        ["id": id, "object": object, "created": created, "model": model]
    }

    private func envelope(_ object: String, choice: [String: Any], usage result: GenerationResult) -> [String: Any] {
        var value = base(object)
        value["choices"] = [choice]
        value["usage"] = usage(result)
        return value
    }

    private func usage(_ result: GenerationResult) -> [String: Any] {
        ["prompt_tokens": promptTokens, "completion_tokens": result.generatedTokens, "total_tokens": promptTokens + result.generatedTokens]
    }

    private func finishReason(_ result: GenerationResult) -> String {
        switch result.finishReason {
        case .endOfTurn, .stopString: return "stop"
        case .maxTokens, .cancelled: return "length"
        }
    }

    private func chunk(delta: [String: Any], finish: String?) -> [String: Any] {
        var value = base("chat.completion.chunk")
        value["choices"] = [["index": 0, "delta": delta, "finish_reason": finish ?? NSNull()] as [String: Any]]
        return value
    }

    private func pieceObject(_ piece: String) -> [String: Any] {
        switch kind {
        case .chat: return chunk(delta: ["content": piece], finish: nil)
        case .completion:
            var value = base("text_completion")
            value["choices"] = [["index": 0, "text": piece, "finish_reason": NSNull(), "logprobs": NSNull()] as [String: Any]]
            return value
        case .infill: return ["content": piece, "stop": false]
        }
    }

    private func finalObject(_ result: GenerationResult) -> [String: Any] {
        switch kind {
        case .chat: return chunk(delta: [:], finish: finishReason(result))
        case .completion:
            var value = base("text_completion")
            value["choices"] = [["index": 0, "text": "", "finish_reason": finishReason(result), "logprobs": NSNull()] as [String: Any]]
            return value
        case .infill: return infillObject(content: "", result: result)
        }
    }

    private func infillObject(content: String, result: GenerationResult) -> [String: Any] {
        [
            "content": content, "stop": true, "model": model,
            "stop_type": result.finishReason == .maxTokens ? "limit" : (result.finishReason == .stopString ? "word" : "eos"),
            "tokens_predicted": result.generatedTokens, "tokens_evaluated": promptTokens,
            "timings": ["prompt_n": promptTokens, "prompt_ms": result.prefillSeconds * 1000,
                        "predicted_n": result.generatedTokens, "predicted_ms": result.decodeSeconds * 1000],
        ]
    }

    static func event(_ object: [String: Any]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static func jsonResponse(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
