import Foundation
import TakumiAgent

/// Turns Ctrl-C (SIGINT), SIGTERM (an editor or a hook's limit), SIGHUP (the terminal closed)
/// and SIGQUIT into a cancellation flag, so that the model stops, the test processes are
/// killed and the temporary copy removed before takumi exits (130). `onSignal` runs once per
/// signal on a background queue (the filter echoes its input there).
final class InterruptHandler {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    let flag = CancellationFlag()
    private var sources: [DispatchSourceSignal] = []

    init(onSignal: (@Sendable (Int32) -> Void)? = nil) {
        let flag = self.flag
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                flag.cancel()
                onSignal?(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Unblocks the signals above: a parent may start takumi with them blocked (a blocked
    /// mask is inherited through exec), and then no Ctrl-C or SIGTERM would ever arrive.
    static func unblockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    func restore() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
