import Foundation

/// Why a suggested commit subject is not worth showing, when it is not: small models copy a
/// recent subject nearly word for word, or answer with a label ("Commit Message") or the
/// diff's own summary line ("calc.py: 1 line changed").
public enum SubjectCheck {
    public enum Problem: Equatable, Sendable { case repeatsHistory(String), label, diffSummary }

    /// Subjects that name no change at all.
    static let labels: Set<String> = [
        "commit message", "commit", "subject", "summary", "message", "update", "updates", "changes",
        "change", "fix", "fixes", "wip", "commit subject", "git commit message", "コミットメッセージ", "変更", "修正",
    ]

    public static func problem(subject: String, history: [String]) -> Problem? {
        let trimmed = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let bare = trimmed.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".:!`'\"*# "))
        if labels.contains(bare) || bare.hasPrefix("<") && bare.hasSuffix(">") { return .label }
        if trimmed.range(of: #"[0-9]+ (lines?|files?) (changed|added|removed)"#, options: .regularExpression) != nil {
            return .diffSummary
        }
        for old in history.compactMap({ $0.split(separator: "\n").first.map(String.init) }).prefix(20) {
            if similarity(trimmed, old) >= 0.8 { return .repeatsHistory(old) }
        }
        return nil
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
