import Foundation

/// Reads working-tree files once per selection (lossy UTF-8: never fails on odd bytes) and
/// caches their text and symbols.
struct FileReader {
    let root: String
    private var texts: [String: String?] = [:]
    private var symbolCache: [String: [SourceSymbol]] = [:]

    init(root: String) { self.root = root }

    mutating func text(_ path: String) -> String? {
        if let cached = texts[path] { return cached }
        var result: String?
        if let data = FileManager.default.contents(atPath: root + path), !data.prefix(8000).contains(0) {
            result = String(decoding: data, as: UTF8.self)
        }
        texts[path] = result
        return result
    }

    mutating func symbols(_ path: String, text: String, language: SourceLanguage) -> [SourceSymbol] {
        if let cached = symbolCache[path] { return cached }
        let symbols = SymbolScanner.symbols(in: text, language: language)
        symbolCache[path] = symbols
        return symbols
    }
}
