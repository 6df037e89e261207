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
        FileHandle.standardError.write(Data(String(format: "timing: %-36@ %8.1f ms\n", phase as NSString, milliseconds).utf8))
        last = now
    }
}
