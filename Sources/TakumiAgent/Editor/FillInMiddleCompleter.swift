import Foundation

/// Completion at the cursor (the logic behind `takumi complete`): the buffer is split at a
/// byte offset into prefix and suffix, and the model writes what goes between, in its
/// fill-in-the-middle format, with a few repository files before it as context.
public struct FillInMiddleCompleter {
    public var generator: TextGenerator
    public var prefixTokenBudget: Int = 1500
    public var suffixTokenBudget: Int = 500
    public var contextTokenBudget: Int = 1000
    public var maxTokens: Int = 64

    public init(generator: TextGenerator) {
        self.generator = generator
    }

    /// Splits `buffer` at byte `offset` (editors count bytes: Vim's line2byte, Emacs's
    /// position-bytes). An offset inside a multi-byte character moves back to its start.
    public static func split(buffer: String, atByteOffset offset: Int) throws -> (prefix: String, suffix: String) {
        let bytes = Array(buffer.utf8)
        guard offset >= 0, offset <= bytes.count else {
            throw AgentError.invalidOffset(offset: offset, length: bytes.count)
        }
        var cut = offset
        while cut > 0 && cut < bytes.count && (bytes[cut] & 0xC0) == 0x80 { cut -= 1 }
        return (String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self))
    }

    /// The last lines of `text` that fit `budget` tokens (from the end when `fromEnd`).
    func fit(_ text: String, budget: Int, fromEnd: Bool) -> String {
        guard generator.countTokens(text) > budget else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while lines.count > 1 {
            let drop = max(1, lines.count / 8)
            if fromEnd { lines.removeFirst(drop) } else { lines.removeLast(drop) }
            let candidate = lines.joined(separator: "\n")
            if generator.countTokens(candidate) <= budget { return candidate }
        }
        return ""
    }

    /// Lines of the buffer a prefix window starts on a multiple of (see `fitPrefix`).
    public static let windowAlignment = 32

    /// The end of `prefix` that fits `budget` tokens, starting on a line whose index is a
    /// multiple of `windowAlignment`: while the cursor moves within a few lines, the window
    /// starts on the same line, so the prompt before the cursor stays the same and its KV
    /// cache (in-process or a snapshot) is reused. Chunks are counted one at a time from the
    /// cursor back, then the window is checked whole (BPE may merge across a chunk boundary).
    public func fitPrefix(_ prefix: String, budget: Int) -> String {
        guard generator.countTokens(prefix) > budget else { return prefix }
        let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
        let step = FillInMiddleCompleter.windowAlignment
        var start = (lines.count - 1) / step * step  // the chunk holding the cursor's line
        var used = generator.countTokens(lines[start...].joined(separator: "\n"))
        while start >= step {
            let chunk = generator.countTokens(lines[(start - step)..<start].joined(separator: "\n") + "\n")
            if used + chunk > budget { break }
            used += chunk
            start -= step
        }
        while start < lines.count - 1, generator.countTokens(lines[start...].joined(separator: "\n")) > budget { start += step }
        let window = lines[min(start, lines.count - 1)...].joined(separator: "\n")
        // Even the cursor's own chunk is too long: the last lines that fit.
        return generator.countTokens(window) <= budget ? window : fit(window, budget: budget, fromEnd: true)
    }

    /// Context files (path, text) that fit the budget, in the given order.
    func fitContext(_ files: [(String, String)]) -> [(String, String)] {
        var used = 0
        var kept: [(String, String)] = []
        for (path, text) in files {
            let cost = generator.countTokens(text) + 8
            if used + cost > contextTokenBudget { continue }
            used += cost
            kept.append((path, text))
        }
        return kept
    }

    /// The generation whose `text` goes in at the cursor (its token counts say what the
    /// prompt cost: `reusedPromptTokens` were not computed again).
    public func complete(buffer: String, byteOffset: Int, path: String?, contextFiles: [(String, String)] = [],
                         deadline: GenerationDeadline? = nil) throws -> GenerationResult {
        let (prefix, suffix) = try FillInMiddleCompleter.split(buffer: buffer, atByteOffset: byteOffset)
        let prompt = PromptInput.fillInMiddle(
            prefix: fitPrefix(prefix, budget: prefixTokenBudget),
            suffix: fit(suffix, budget: suffixTokenBudget, fromEnd: false),
            path: path, contextFiles: fitContext(contextFiles))
        let request = GenerationRequest(prompt: prompt, maxTokens: maxTokens,
                                        stopStrings: ["<|file_sep|>", "<|fim_pad|>", "<|endoftext|>"])
        let result = try generator.generate(request) { _ in deadline?.control() ?? .continue }
        if result.finishReason == .cancelled, let deadline {
            throw AgentError.timedOut(task: "completion", seconds: deadline.seconds)
        }
        return result
    }
}
