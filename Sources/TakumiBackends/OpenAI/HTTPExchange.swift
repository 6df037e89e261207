import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request whose response arrives piece by piece, read synchronously.
///
/// Built on URLSession (FoundationNetworking; no extra package, libcurl underneath, https
/// included): the delegate queues the response head, body chunks and the end, and the caller
/// takes them with `next(within:)`, which returns nil when nothing came in that interval so
/// the caller can check its own stop conditions (Ctrl-C, a hook's time limit) between waits.
/// `cancel()` closes the connection at once. `readTimeout` bounds the silence between two
/// pieces (URLSession's request timeout is an idle timeout), not the whole answer.
final class HTTPExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Piece {
        case head(status: Int)
        case body(Data)
        case end(Error?)
    }

    private let condition = NSCondition()
    private var pieces: [Piece] = []
    private var session: URLSession?
    private var task: URLSessionDataTask?

    init(_ request: URLRequest, readTimeout: Double) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = readTimeout
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        self.session = session
        let task = session.dataTask(with: request)
        self.task = task
        task.resume()
    }

    /// The next piece, or nil when none arrived within `seconds`.
    func next(within seconds: Double) -> Piece? {
        condition.lock()
        defer { condition.unlock() }
        let until = Date(timeIntervalSinceNow: seconds)
        while pieces.isEmpty {
            if !condition.wait(until: until) { break }
        }
        return pieces.isEmpty ? nil : pieces.removeFirst()
    }

    /// Closes the connection now; no more pieces are delivered.
    func cancel() {
        task?.cancel()
        session?.invalidateAndCancel()
        condition.lock()
        pieces.removeAll()
        condition.unlock()
    }

    /// Ends the session once the exchange is over (the session keeps its delegate alive).
    func finish() {
        session?.finishTasksAndInvalidate()
    }

    private func deliver(_ piece: Piece) {
        condition.lock()
        pieces.append(piece)
        condition.signal()
        condition.unlock()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        deliver(.head(status: (response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        deliver(.body(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        deliver(.end(error))
    }
}
