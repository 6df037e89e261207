import Foundation

/// Why a suggested commit subject is not worth showing, when it is not: small models copy a
/// recent subject nearly word for word, or answer with a label ("Commit Message") or the
/// diff's own summary line ("calc.py: 1 line changed").
public enum SubjectCheck {
    public enum Problem: Equatable, Sendable { case repeatsHistory(String), label, diffSummary, listsFiles }

    /// Subjects that name no change at all.
    static let labels: Set<String> = [
        "commit message", "commit", "subject", "summary", "message", "update", "updates", "changes",
        "change", "fix", "fixes", "wip", "commit subject", "git commit message", "コミットメッセージ", "変更", "修正",
        "title", "commit title", "description", "purpose", "overview", "changes made", "staged changes",
    ]

    /// What is wrong with `subject` for a change of `paths` (nil: nothing).
    public static func problem(subject: String, history: [String], paths: [String] = []) -> Problem? {
        let trimmed = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        if isLabel(trimmed) { return .label }
        // "Update a.py, b.py and c.py": the file list, not what changed (the 0.5B model copies
        // the prompt's list of changed files). One or two named files can be the topic.
        let named = paths.filter { path in
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return trimmed.contains(path) || name.count >= 4 && trimmed.contains(name)
        }
        if named.count >= 3 { return .listsFiles }
        if trimmed.range(of: #"[0-9]+ (lines?|files?) (changed|added|removed)"#, options: .regularExpression) != nil {
            return .diffSummary
        }
        for old in history.compactMap({ $0.split(separator: "\n").first.map(String.init) }).prefix(20) {
            if similarity(trimmed, old) >= 0.8 { return .repeatsHistory(old) }
        }
        return nil
    }

    /// A line that names no change: "Commit Message", "### Subject:", "**Summary**", "<subject>".
    public static func isLabel(_ line: String) -> Bool {
        let bare = line.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".:!`'\"*#_ \t"))
        // A short heading: "**Purpose:**", "Changes made:".
        let heading = line.trimmingCharacters(in: CharacterSet(charactersIn: "*#_ \t")).hasSuffix(":")
            && bare.split(separator: " ").count <= 3
        return labels.contains(bare) || heading || bare.hasPrefix("<") && bare.hasSuffix(">")
    }

    /// Dice coefficient of character bigrams (1 = same text), case-insensitive.
    static func similarity(_ a: String, _ b: String) -> Double {
        func bigrams(_ s: String) -> [String: Int] {
            let chars = Array(s.lowercased())
            var result: [String: Int] = [:]
            guard chars.count >= 2 else { return [s.lowercased(): 1] }
            for i in 0..<(chars.count - 1) { result[String(chars[i...(i + 1)]), default: 0] += 1 }
            return result
        }
        let x = bigrams(a), y = bigrams(b)
        let common = x.reduce(0) { $0 + min($1.value, y[$1.key] ?? 0) }
        let total = x.values.reduce(0, +) + y.values.reduce(0, +)
        return total == 0 ? 0 : 2 * Double(common) / Double(total)
    }
}
