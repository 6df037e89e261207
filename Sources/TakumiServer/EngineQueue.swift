import Foundation
import TakumiAgent

/// One engine, many clients: generations run one at a time on a thread of their own, in the
/// order they came; at most `capacity` wait (`submit` refuses more: 429). Each has a deadline
/// (queue wait included) and is stopped when its consumer goes away (a client that
/// disconnects), so a stalled or abandoned request never holds the engine.
///
/// Because requests run back to back on one engine, a request that shares a prompt prefix
/// with the previous one (an editor's repeated completions of one buffer) reuses its KV cache.
final class EngineQueue: @unchecked Sendable {
    enum Event: Sendable {
        case text(String)
        case finished(GenerationResult)
    }

    struct Full: Error {}

    let generator: TextGenerator
    let capacity: Int
    private let lock = NSLock()
    private var waiting = 0
    private let worker = DispatchQueue(label: "takumi.serve.engine")

    init(generator: TextGenerator, capacity: Int) {
        self.generator = generator
        self.capacity = capacity
    }

    /// Requests queued or running now.
    var load: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiting
    }

    /// Queues `request`; the stream yields its text and then the result, or throws the
    /// engine's error. Throws `Full` at once when `capacity` requests are already queued.
    func submit(_ request: GenerationRequest, deadline: Date) throws -> AsyncThrowingStream<Event, Error> {
        lock.lock()
        guard waiting < capacity else {
            lock.unlock()
            throw Full()
        }
        waiting += 1
        lock.unlock()
        let cancelled = CancellationFlag()
        let (stream, continuation) = AsyncThrowingStream<Event, Error>.makeStream(bufferingPolicy: .unbounded)
        continuation.onTermination = { _ in cancelled.cancel() }
        worker.async { [self] in
            defer {
                lock.lock()
                waiting -= 1
                lock.unlock()
            }
            guard !cancelled.isCancelled else { return continuation.finish() }
            guard Date() < deadline else { return continuation.finish(throwing: ServeError.timedOutInQueue) }
            do {
                let result = try generator.generate(request) { event in
                    if cancelled.isCancelled || Date() >= deadline { return .stop }
                    if case let .text(piece) = event { continuation.yield(.text(piece)) }
                    return .continue
                }
                continuation.yield(.finished(result))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    /// Runs `body` on the engine's thread (token counting shares the tokenizer with generation).
    func onEngine<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            worker.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
