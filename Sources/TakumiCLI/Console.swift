import Foundation

/// Where output goes, following the conventions of command-line tools:
/// results on stdout; diagnostics on stderr; progress and color only when stderr is a TTY
/// (and color only when `NO_COLOR` is unset).
public struct Console {
    public var stderrIsTTY: Bool
    public var colorEnabled: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        stderrIsTTY = isatty(STDERR_FILENO) == 1
        colorEnabled = stderrIsTTY && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    /// Result text on stdout, flushed at once so streamed pieces appear as they come.
    public func result(_ text: String) {
        StandardStreams.writeOutput(Data(text.utf8))
    }

    public func resultLine(_ text: String) { result(text + "\n") }

    /// One JSON document on stdout (sorted keys, so output is stable for tools and tests).
    public func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        StandardStreams.writeOutput(data + Data("\n".utf8))
    }

    /// A diagnostic (warning, error) on stderr, always shown.
    public func diagnostic(_ text: String) {
        StandardStreams.writeError(Data((text + "\n").utf8))
    }

    /// Progress on stderr, only on a TTY (so pipes, hooks and editors stay clean).
    public func progress(_ text: String) {
        guard stderrIsTTY else { return }
        let line = colorEnabled ? "\u{1B}[2m\(text)\u{1B}[0m\n" : text + "\n"
        StandardStreams.writeError(Data(line.utf8))
    }

    /// A progress bar on stderr, redrawn in place, only on a TTY.
    public func progressBar(done: Int, total: Int, label: String, width: Int = 30) {
        guard stderrIsTTY, total > 0 else { return }
        let filled = min(width, width * done / total)
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        StandardStreams.writeError(Data("\r\u{1B}[K[\(bar)] \(label)".utf8))
    }

    /// Ends a progress bar's line.
    public func progressBarEnd() {
        guard stderrIsTTY else { return }
        StandardStreams.writeError(Data("\r\u{1B}[K".utf8))
    }

    /// Wraps `text` in an ANSI color when color is enabled (code: 31 red, 32 green, 33 yellow).
    public func colored(_ text: String, _ code: Int) -> String {
        colorEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
