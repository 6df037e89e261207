import Foundation

/// Per-phase wall-clock times on stderr when TAKUMI_TIMING=1 (for benchmarks, not normal output).
struct PhaseTimer {
    let enabled: Bool
    private var last = DispatchTime.now()

    init(enabled: Bool) { self.enabled = enabled }

    mutating func lap(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now()
        let milliseconds = Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e6
        // write(2), not FileHandle: a closed stderr loses the line instead of ending the process.
        let line = String(format: "timing: %-36@ %8.1f ms\n", phase as NSString, milliseconds)
        _ = line.withCString { write(2, $0, strlen($0)) }
        last = now
    }
}
