import Foundation
import TakumiAgent
import TakumiInference

/// Reads one streamed answer (SSE chunks of chat, completions or llama.cpp's `/infill`) into a
/// `GenerationResult`, reporting text as it comes.
///
/// Tolerated, because real servers send them: comment lines, chunks with empty `choices`
/// (the usage chunk), no `usage` at all, extra fields, `data: [DONE]` or none (llama.cpp's
/// native endpoints end with `"stop": true`). The stream must end with one of those; a
/// connection that closes before is an error (`streamInterrupted`), never a short answer.
struct OpenAIStreamReader {
    let connection: OpenAIConnection
    private var stops: StopStringMatcher
    private var text = ""
    private var pieces = 0
    private var finish: GenerationResult.FinishReason?
    private var serverFinished = false
    private var usage = OpenAIWire.StreamChunk.Usage()
    private var timings: OpenAIWire.StreamChunk.Timings?
    /// Sum and count of the answer's token log-probabilities, where the server sends them.
    private var logProbabilitySum = 0.0
    private var logProbabilityCount = 0

    init(connection: OpenAIConnection, stopStrings: [String]) {
        self.connection = connection
        stops = StopStringMatcher(stopStrings: stopStrings)
    }

    mutating func run(_ path: String, body: Data, model: String,
                      onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        let started = Date()
        var firstText: Date?
        var stopped = false
        let keepGoing = { onEvent(.prefill(done: 0, total: 0)) == .continue }
        guard case let .open(stream) = try connection.open(path, body: body, model: model, keepGoing: keepGoing) else {
            return result(finish: .cancelled, started: started, firstText: nil)
        }
        defer { stream.exchange.finish() }
        var parser = ServerSentEventParser()
        var silentSince = Date()
        reading: while true {
            guard let piece = stream.exchange.next(within: OpenAIConnection.pollInterval) else {
                if onEvent(.prefill(done: 0, total: 0)) == .stop { stopped = true; break reading }
                if Date().timeIntervalSince(silentSince) > connection.readTimeout {
                    stream.exchange.cancel()
                    throw BackendError.readTimedOut(url: connection.endpoint.display, seconds: connection.readTimeout)
                }
                continue
            }
            silentSince = Date()
            let payloads: [String]
            switch piece {
            case .head: continue
            case let .body(data): payloads = parser.feed(data)
            case let .end(error):
                let rest = parser.finish()
                for payload in rest where !serverFinished {
                    if try handle(payload, url: stream.url, firstText: &firstText, onEvent: onEvent) { stopped = true }
                }
                if serverFinished || finish != nil || stopped { break reading }
                throw OpenAIConnection.connectionError(error, url: connection.endpoint.display,
                                                       readTimeout: connection.readTimeout, midAnswer: true)
            }
            for payload in payloads {
                if try handle(payload, url: stream.url, firstText: &firstText, onEvent: onEvent) { stopped = true }
                if stopped || finish == .stopString { break reading }
                if serverFinished { break reading }
            }
        }
        if stopped {
            stream.exchange.cancel()
            return result(finish: .cancelled, started: started, firstText: firstText)
        }
        if finish == .stopString { stream.exchange.cancel() }
        let held = stops.finish()
        if finish != .stopString, !held.isEmpty {
            text += held
            _ = onEvent(.text(held))
        }
        return result(finish: finish ?? .endOfTurn, started: started, firstText: firstText)
    }

    /// Handles one event payload; returns true when the caller asked to stop.
    private mutating func handle(_ payload: String, url: String, firstText: inout Date?,
                                 onEvent: (GenerationEvent) -> GenerationControl) throws -> Bool {
        let trimmed = payload.trimmingCharacters(in: .whitespaces)
        if trimmed == "[DONE]" { serverFinished = true; return false }
        if trimmed.isEmpty { return false }
        let chunk: OpenAIWire.StreamChunk
        do {
            chunk = try JSONDecoder().decode(OpenAIWire.StreamChunk.self, from: Data(trimmed.utf8))
        } catch {
            throw BackendError.malformedResponse(url: url, reason: "a stream event is not JSON: \(trimmed.prefix(120))")
        }
        if let error = chunk.error {
            let message = error.message ?? ""
            if OpenAIConnection.isContextOverflow(message: message, code: error.code?.text, type: error.type) {
                throw BackendError.contextLengthExceeded(url: connection.endpoint.display, message: message)
            }
            throw BackendError.httpStatus(url: url, status: 200, message: message)
        }
        if let u = chunk.usage {
            usage.prompt_tokens = u.prompt_tokens ?? usage.prompt_tokens
            usage.completion_tokens = u.completion_tokens ?? usage.completion_tokens
        }
        if let t = chunk.timings { timings = t }
        if let evaluated = chunk.tokens_evaluated { usage.prompt_tokens = evaluated }
        if let predicted = chunk.tokens_predicted, chunk.stop == true { usage.completion_tokens = predicted }
        var piece = chunk.content ?? ""
        var reason: String?
        for choice in chunk.choices ?? [] {
            piece += choice.delta?.content ?? choice.text ?? ""
            reason = choice.finish_reason ?? reason
            for value in choice.logprobs?.values ?? [] {
                logProbabilitySum += value
                logProbabilityCount += 1
            }
        }
        if chunk.stop == true {
            reason = chunk.stop_type == "limit" ? "length" : "stop"
        }
        if !piece.isEmpty {
            if firstText == nil { firstText = Date() }
            pieces += 1
            switch stops.feed(piece) {
            case let .text(safe):
                if !safe.isEmpty {
                    text += safe
                    if onEvent(.text(safe)) == .stop { return true }
                }
            case let .stopped(before, _):
                text += before
                if !before.isEmpty, onEvent(.text(before)) == .stop { return true }
                finish = .stopString
                return false
            }
        }
        if let reason, finish == nil {
            finish = reason == "length" ? .maxTokens : .endOfTurn
            // llama.cpp's native stream ends with the stop chunk; OpenAI streams may still
            // send a usage chunk and [DONE].
            if chunk.stop == true { serverFinished = true }
        }
        return false
    }

    private func result(finish: GenerationResult.FinishReason, started: Date, firstText: Date?) -> GenerationResult {
        let end = Date()
        var prefill = (firstText ?? end).timeIntervalSince(started)
        var decode = firstText.map { end.timeIntervalSince($0) } ?? 0
        if let t = timings, let p = t.prompt_ms, let d = t.predicted_ms {
            prefill = p / 1000
            decode = d / 1000
        }
        var result = GenerationResult(text: text,
                                      promptTokens: usage.prompt_tokens ?? timings?.prompt_n ?? 0,
                                      generatedTokens: usage.completion_tokens ?? timings?.predicted_n ?? pieces,
                                      finishReason: finish, prefillSeconds: prefill, decodeSeconds: decode)
        if logProbabilityCount > 0 { result.meanLogProbability = logProbabilitySum / Double(logProbabilityCount) }
        return result
    }
}
