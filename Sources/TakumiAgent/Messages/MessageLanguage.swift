import Foundation

/// The human language of a commit message or review.
public enum MessageLanguage: String, CaseIterable, Sendable, Codable {
    case en, ja

    /// The language `text` is written in, or nil when it has no letters to tell by.
    /// Japanese text often carries English identifiers ("README の誤字を修正"), so any kana,
    /// or two or more kanji, make it Japanese.
    public static func detect(in text: String) -> MessageLanguage? {
        var kana = 0, kanji = 0, latin = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: kana += 1
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF: kanji += 1
            case 0x41...0x5A, 0x61...0x7A: latin += 1
            default: break
            }
        }
        if kana > 0 || kanji >= 2 { return .ja }
        return latin > 0 ? .en : nil
    }

    /// The language most of `texts` are written in (nil when none can be told; a tie goes
    /// to the newest text, the first one).
    public static func dominant(in texts: [String]) -> MessageLanguage? {
        let detected = texts.compactMap { detect(in: $0) }
        guard let newest = detected.first else { return nil }
        let japanese = detected.filter { $0 == .ja }.count
        let english = detected.count - japanese
        if japanese == english { return newest }
        return japanese > english ? .ja : .en
    }

    /// The language to write in: an explicit choice (`--lang`, config), else the
    /// instruction's language, else the repository's recent history's, else English.
    public static func choose(explicit: MessageLanguage?, instruction: String?, history: [String]) -> MessageLanguage {
        if let explicit { return explicit }
        if let instruction, let language = detect(in: instruction) { return language }
        return dominant(in: history) ?? .en
    }

    /// The language's name as the prompt tells it to the model.
    public var englishName: String {
        switch self {
        case .en: return "English"
        case .ja: return "Japanese"
        }
    }
}
