import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bounds the processes a test command starts. Every process of a run carries
/// `TAKUMI_GATE_RUN=<id>` in its environment (inherited through fork, exec, `setsid`, double
/// forks and daemonizing), so once the run ends every process of this user still carrying it
/// is found in /proc and killed — also those that left the process group or were reparented.
public enum ProcessTree {
    public static let markerVariable = "TAKUMI_GATE_RUN"

    /// Kills (SIGKILL) every process of the current user whose environment holds the marker
    /// `id`, repeating until none is left (a dying parent may have forked once more).
    /// Returns how many were killed.
    @discardableResult
    public static func killMarked(_ id: String) -> Int {
        let needle = Array("\(markerVariable)=\(id)".utf8)
        var killed = 0
        for _ in 0..<50 {
            let found = markedProcesses(needle)
            if found.isEmpty { break }
            for pid in found where kill(pid, SIGKILL) == 0 { killed += 1 }
            usleep(5_000)
        }
        return killed
    }

    static func markedProcesses(_ needle: [UInt8]) -> [pid_t] {
        let me = getpid(), uid = getuid()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [pid_t] = []
        for entry in entries {
            guard let pid = pid_t(entry), pid != me else { continue }
            var info = stat()
            guard stat("/proc/\(entry)", &info) == 0, info.st_uid == uid else { continue }
            // A zombie keeps nothing to kill; its parent (or we) reaps it.
            if let status = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
               let close = status.lastIndex(of: ")"),
               status[status.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") { continue }
            guard let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            if environment.split(separator: 0).contains(where: { $0.elementsEqual(needle) }) { found.append(pid) }
        }
        return found
    }
}
