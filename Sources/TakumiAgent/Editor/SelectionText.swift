import Foundation

/// Keeps a rewritten selection shaped like the one the editor sent: the same trailing
/// newlines (editors replace exactly the selected bytes) and, when the model dropped it, the
/// same common indentation.
public enum SelectionText {
    /// The run of newlines `text` ends with ("\n", "\r\n", "\n\n" ... or "").
    public static func trailingNewlines(of text: String) -> String {
        var end = text.endIndex
        while end > text.startIndex {
            let before = text.index(before: end)
            guard text[before] == "\n" || text[before] == "\r\n" || text[before] == "\r" else { break }
            end = before
        }
        return String(text[end...])
    }

    /// `output` with its trailing newlines replaced by those of `input`.
    public static func matchingTrailingNewlines(_ output: String, like input: String) -> String {
        var body = Substring(output)
        while let last = body.last, last == "\n" || last == "\r\n" || last == "\r" { body = body.dropLast() }
        return String(body) + trailingNewlines(of: input)
    }

    /// The whitespace all non-blank lines of `text` start with.
    public static func commonIndentation(of text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard var common = lines.first.map({ String($0.prefix(while: { $0 == " " || $0 == "\t" })) }) else { return "" }
        for line in lines.dropFirst() {
            while !common.isEmpty && !line.hasPrefix(common) { common.removeLast() }
        }
        return common
    }

    /// Re-indents `output` by the input's common indentation when the model returned it
    /// flush left (a frequent habit with an indented selection).
    public static func restoringIndentation(_ output: String, like input: String) -> String {
        let wanted = commonIndentation(of: input)
        guard !wanted.isEmpty, commonIndentation(of: output).isEmpty else { return output }
        return output.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.trimmingCharacters(in: .whitespaces).isEmpty ? String(line) : wanted + line
        }.joined(separator: "\n")
    }
}
