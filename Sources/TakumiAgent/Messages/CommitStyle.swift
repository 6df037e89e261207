import Foundation

/// How a repository writes its commit messages, learned from recent history, so a suggestion
/// reads like the messages around it.
public struct CommitStyle: Equatable, Sendable, Codable {
    /// Most subjects start with a Conventional Commits type (`feat:`, `fix(parser):`).
    public var usesConventionalPrefix: Bool
    /// The types seen, most frequent first.
    public var conventionalTypes: [String]
    /// Most subjects start with an upper-case letter.
    public var capitalizesSubject: Bool
    /// Most subjects end with a period (or 。).
    public var endsSubjectWithPeriod: Bool
    /// Most messages have a body below the subject.
    public var usesBody: Bool
    /// Median subject length in characters (0 without history).
    public var typicalSubjectLength: Int
    /// Recent subjects, newest first, given to the model as examples.
    public var exampleSubjects: [String]

    public static let `default` = CommitStyle(
        usesConventionalPrefix: false, conventionalTypes: [], capitalizesSubject: true,
        endsSubjectWithPeriod: false, usesBody: false, typicalSubjectLength: 0, exampleSubjects: [])

    /// The style of `messages` (full commit messages, newest first).
    public static func infer(from messages: [String], exampleCount: Int = 5) -> CommitStyle {
        let subjects = messages.compactMap { message in
            message.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }.filter { !$0.isEmpty }
        guard !subjects.isEmpty else { return .default }
        let half = Double(subjects.count) / 2

        var typeCounts: [String: Int] = [:]
        for subject in subjects {
            if let type = conventionalType(of: subject) { typeCounts[type, default: 0] += 1 }
        }
        let conventionalCount = typeCounts.values.reduce(0, +)
        let types = typeCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)

        let texts = subjects.map { stripConventionalPrefix($0) }
        let capitalized = texts.filter { $0.first?.isUppercase == true }.count
        let lowercased = texts.filter { $0.first?.isLowercase == true }.count
        let periods = subjects.filter { $0.hasSuffix(".") || $0.hasSuffix("。") }.count
        let bodies = messages.filter { $0.split(separator: "\n", omittingEmptySubsequences: true).count > 1 }.count
        let lengths = subjects.map(\.count).sorted()

        return CommitStyle(
            usesConventionalPrefix: Double(conventionalCount) >= half,
            conventionalTypes: types,
            // Subjects starting with kanji or digits say nothing about case: only letters vote.
            capitalizesSubject: capitalized >= lowercased,
            endsSubjectWithPeriod: Double(periods) > half,
            usesBody: Double(bodies) > half,
            typicalSubjectLength: lengths[lengths.count / 2],
            exampleSubjects: Array(subjects.prefix(exampleCount)))
    }

    /// The Conventional Commits type of `subject` (`fix` for "fix(io)!: ..."), if any.
    public static func conventionalType(of subject: String) -> String? {
        guard let colon = subject.firstIndex(of: ":") else { return nil }
        var head = subject[..<colon]
        if head.hasSuffix("!") { head = head.dropLast() }
        if let paren = head.firstIndex(of: "(") {
            guard head.hasSuffix(")") else { return nil }
            head = head[..<paren]
        }
        guard !head.isEmpty, head.count <= 12, head.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return nil }
        let afterColon = subject[subject.index(after: colon)...]
        guard afterColon.first == " " else { return nil }
        return String(head)
    }

    static func stripConventionalPrefix(_ subject: String) -> String {
        guard conventionalType(of: subject) != nil, let colon = subject.firstIndex(of: ":") else { return subject }
        return subject[subject.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// Rules for the prompt, one per line, in English (the model follows English
    /// instructions best; the output language is asked for separately).
    public var guidance: [String] {
        var rules: [String] = []
        if usesConventionalPrefix {
            let types = conventionalTypes.prefix(6).joined(separator: ", ")
            rules.append("Start the subject with a Conventional Commits type and a colon (types used here: \(types)).")
        }
        rules.append(capitalizesSubject ? "Start the subject text with a capital letter." : "Start the subject text with a lower-case letter.")
        rules.append(endsSubjectWithPeriod ? "End the subject with a period." : "Do not end the subject with a period.")
        let limit = typicalSubjectLength > 0 ? max(30, min(72, typicalSubjectLength + 10)) : 72
        rules.append("Keep the subject under \(limit) characters.")
        rules.append(usesBody ? "After a blank line, add a short body explaining why." : "Write only the subject line unless a body is really needed.")
        return rules
    }

    /// Applies the rules a model most often breaks to `message` (subject period, case).
    public func conform(_ message: String) -> String {
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard var subject = lines.first?.trimmingCharacters(in: .whitespaces), !subject.isEmpty else { return message }
        if !endsSubjectWithPeriod {
            while subject.hasSuffix(".") && !subject.hasSuffix("..") { subject.removeLast() }
        }
        if !usesConventionalPrefix || CommitStyle.conventionalType(of: subject) == nil,
           let first = subject.first, first.isLetter, first.isASCII {
            let rest = subject.dropFirst()
            if capitalizesSubject && first.isLowercase { subject = first.uppercased() + rest }
            if !capitalizesSubject && first.isUppercase && !(rest.first?.isUppercase ?? false) {
                subject = first.lowercased() + rest
            }
        }
        lines[0] = subject
        return lines.joined(separator: "\n")
    }
}
