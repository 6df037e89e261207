import Foundation

/// Picks the parts of a file that fit a token allowance when the whole file does not:
/// windows of lines around lines that mention the query's words or define the symbols asked
/// about, best windows first, shown in file order.
struct RegionPicker {
    /// Lines shown on each side of a hit.
    var contextLines = 8
    /// Neighbouring windows merge only up to this many lines, so one dense area does not
    /// swallow the allowance.
    var maxWindowLines = 48

    private struct Window {
        var start: Int, end: Int, score: Double, best: Int, bestScore: Double
    }

    func regions(lines: [Substring], hitLines: [Int: Double], allowance: Int,
                 counter: TokenCounter) -> [ContextSelection.Region] {
        guard !lines.isEmpty, allowance > 0 else { return [] }
        var windows: [Window] = []
        for line in hitLines.keys.sorted() where line < lines.count {
            let start = max(0, line - contextLines), end = min(lines.count - 1, line + contextLines)
            let score = hitLines[line] ?? 0
            if var last = windows.last, start <= last.end + 1, end - last.start < maxWindowLines {
                last.end = max(last.end, end)
                last.score += score
                if score > last.bestScore { last.best = line; last.bestScore = score }
                windows[windows.count - 1] = last
            } else {
                windows.append(Window(start: start, end: end, score: score, best: line, bestScore: score))
            }
        }
        // No hits at all: the top of the file (imports, the first declarations).
        if windows.isEmpty {
            let end = min(lines.count - 1, 3 * contextLines)
            windows = [Window(start: 0, end: end, score: 0, best: 0, bestScore: 0)]
        }

        var chosen: [ContextSelection.Region] = []
        var used = 0
        for window in windows.sorted(by: { $0.score > $1.score }) {
            var start = window.start, end = window.end
            var text = lines[start...end].joined(separator: "\n")
            var tokens = counter.countTokens(text) + 8
            // Shrink a window that does not fit around its best line.
            var reach = max(window.best - start, end - window.best)
            while used + tokens > allowance && reach > 0 {
                reach /= 2
                start = max(window.start, window.best - reach)
                end = min(window.end, window.best + reach)
                text = lines[start...end].joined(separator: "\n")
                tokens = counter.countTokens(text) + 8
            }
            if used + tokens > allowance { continue }
            // Skip windows that overlap one already chosen (possible after merging limits).
            if chosen.contains(where: { $0.startLine - 1 <= end && start <= $0.endLine - 1 }) { continue }
            used += tokens
            chosen.append(ContextSelection.Region(startLine: start + 1, endLine: end + 1, text: text))
        }
        return chosen.sorted { $0.startLine < $1.startLine }
    }
}
