import Foundation

/// Small repairs of what models add around an answer: code fences, quotes, labels.
public enum AnswerCleanup {
    /// Removes one Markdown code fence around the whole answer (```lang ... ```), also when
    /// the model wrote a line of text before it; text without a fence is returned unchanged.
    public static func stripCodeFence(_ answer: String) -> String {
        let lines = answer.split(separator: "\n", omittingEmptySubsequences: false)
        guard let open = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("```") }) else {
            return answer
        }
        let afterOpen = lines.index(after: open)
        guard let close = lines[afterOpen...].lastIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```" }) else {
            // An unterminated fence (generation stopped at a limit): keep what follows it.
            return lines[afterOpen...].joined(separator: "\n")
        }
        return lines[afterOpen..<close].joined(separator: "\n")
    }

    /// Removes a label the model put first ("Commit message:", "コミットメッセージ:") and
    /// quotes around the whole text.
    public static func stripLabelAndQuotes(_ text: String) -> String {
        var result = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let labels = ["commit message:", "suggested commit message:", "message:", "コミットメッセージ:", "コミットメッセージ："]
        for label in labels where result.lowercased().hasPrefix(label) {
            result = String(result.dropFirst(label.count)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        for (open, close) in [("\"", "\""), ("'", "'"), ("`", "`"), ("「", "」")]
        where result.count >= 2 && result.hasPrefix(open) && result.hasSuffix(close)
            && !result.dropFirst().dropLast().contains(close) {
            result = String(result.dropFirst().dropLast())
        }
        return result
    }
}
