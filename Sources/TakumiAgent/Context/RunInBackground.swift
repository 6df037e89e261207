import Foundation

/// Runs a throwing closure on another thread; `wait()` returns its result.
final class RunInBackground<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func wait() throws -> T {
        done.wait()
        // `result` is written before the semaphore is signalled.
        guard let result else { fatalError("RunInBackground finished without a result") }
        return try result.get()
    }
}
