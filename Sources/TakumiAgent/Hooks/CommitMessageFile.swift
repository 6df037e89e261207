import Foundation

/// The rules of the `prepare-commit-msg` hook: when to suggest, and how to put the
/// suggestion into git's message file without losing anything git wrote there.
public enum CommitMessageFile {
    /// git's second hook argument. Only an empty source (a plain `git commit`) or a
    /// `template` gets a suggestion: `message` (-m/-F), `merge`, `squash` and `commit`
    /// (--amend, -c/-C) already carry a message the user or git chose.
    public static func shouldSuggest(source: String?) -> Bool {
        guard let source, !source.isEmpty else { return true }
        return source == "template"
    }

    /// The scissors line `git commit -v` writes; everything below it is the diff, not message.
    static func isScissors(_ line: Substring, commentChar: Character) -> Bool {
        line.hasPrefix("\(commentChar) ------------------------ >8 ------------------------")
    }

    /// The message text with git's comment lines, the scissors part and blank lines removed.
    public static func userContent(of fileText: String, commentChar: Character = "#") -> String {
        var kept: [Substring] = []
        for line in fileText.split(separator: "\n", omittingEmptySubsequences: false) {
            if isScissors(line, commentChar: commentChar) { break }
            if line.first == commentChar { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `fileText` with `suggestion` written at the top (see the bytes version).
    public static func inserting(_ suggestion: String, into fileText: String,
                                 commentChar: Character = "#") -> String {
        String(decoding: inserting(suggestion, intoBytes: Data(fileText.utf8), commentChar: commentChar), as: UTF8.self)
    }

    /// The message file's bytes with `suggestion` written at the top. Every comment line (and
    /// the `-v` diff below the scissors) is kept as it was; a template's own text stays below
    /// the suggestion, so nothing the template asks for is lost. What is not Takumi's is kept
    /// byte for byte, whatever its encoding (a Latin-1 `commit.template` stays Latin-1).
    public static func inserting(_ suggestion: String, intoBytes file: Data,
                                 commentChar: Character = "#") -> Data {
        let message = suggestion.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else { return file }
        if userContent(of: String(decoding: file, as: UTF8.self), commentChar: commentChar).isEmpty {
            // Only comments (and blank lines before them): drop the leading blank lines and
            // keep one blank line between the message and git's comments, as git does.
            let rest = file.drop(while: { [0x0A, 0x0D, 0x20, 0x09].contains($0) })
            return rest.isEmpty ? Data((message + "\n").utf8) : Data((message + "\n\n").utf8) + rest
        }
        return Data((message + "\n\n").utf8) + file
    }

    /// git's comment character for `core.commentChar` (`#` when unset or `auto`).
    public static func commentChar(fromConfig value: String?) -> Character {
        guard let value, value.count == 1, let char = value.first else { return "#" }
        return char
    }
}
