import Foundation

/// A declaration found by `SymbolScanner`.
public struct SourceSymbol: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable { case type, function, method, variable, macro, module }
    public var name: String
    public var kind: Kind
    /// 1-based line of the declaration.
    public var line: Int
    public init(name: String, kind: Kind, line: Int) {
        self.name = name
        self.kind = kind
        self.line = line
    }
}

/// A lightweight, line-based scanner for top-level declarations (types, functions, and
/// methods one indentation level down) in Swift, Python, C/C++, Go, Rust, JS/TS and Java.
///
/// It does not parse: it looks at each line's leading words. That is enough to build a
/// repository map and to find which file defines a name the instruction mentions, and it is
/// fast enough to run on thousands of files. Lines inside block comments and strings spanning
/// lines may produce false symbols; that costs a few map tokens, never correctness.
public enum SymbolScanner {
    public static func symbols(in text: String, language: SourceLanguage) -> [SourceSymbol] {
        var result: [SourceSymbol] = []
        var lineNumber = 0
        var inBlockComment = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let indent = indentation(of: rawLine)
            var line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if line.last == "\r" { line = line.dropLast() }
            if language != .python {
                if inBlockComment {
                    if line.contains("*/") { inBlockComment = false }
                    continue
                }
                if line.hasPrefix("/*") {
                    if !line.contains("*/") { inBlockComment = true }
                    continue
                }
                if line.hasPrefix("//") || line.hasPrefix("*") { continue }
            } else if line.hasPrefix("#") {
                continue
            }
            if line.isEmpty || indent > 4 { continue }
            let words = Self.words(line)
            guard !words.isEmpty else { continue }
            if let symbol = scan(line: line, words: words, indent: indent, language: language) {
                result.append(SourceSymbol(name: symbol.0, kind: symbol.1, line: lineNumber))
            }
        }
        return result
    }

    /// Columns of leading whitespace (a tab counts as 4).
    static func indentation(of line: Substring) -> Int {
        var columns = 0
        for character in line {
            if character == " " { columns += 1 } else if character == "\t" { columns += 4 } else { break }
        }
        return columns
    }

    /// Identifier-like words of a line, in order (`::`-joined names kept together for C++).
    static func words(_ line: Substring) -> [Substring] {
        var result: [Substring] = []
        var start: Substring.Index?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            let isWord = character.isLetter || character.isNumber || character == "_" || character == "$"
            if isWord {
                if start == nil { start = index }
            } else if let begin = start {
                result.append(line[begin..<index])
                start = nil
            }
            index = line.index(after: index)
        }
        if let begin = start { result.append(line[begin..<line.endIndex]) }
        return result
    }

    private static let modifiers: Set<Substring> = [
        "public", "private", "internal", "fileprivate", "open", "static", "final", "override",
        "mutating", "nonmutating", "async", "unsafe", "extern", "pub", "crate", "export", "default",
        "abstract", "protected", "synchronized", "native", "inline", "const", "virtual", "declare",
        "indirect", "nonisolated", "convenience", "required", "lazy", "weak", "dynamic", "sealed",
        "data", "suspend", "readonly", "constexpr", "noexcept", "explicit", "friend", "strictfp",
    ]
    private static let controlWords: Set<Substring> = [
        "if", "for", "while", "switch", "catch", "return", "else", "do", "try", "sizeof", "case",
        "new", "throw", "function", "await", "yield", "assert", "super", "this", "elif", "with",
    ]

    private static func scan(line: Substring, words: [Substring], indent: Int,
                             language: SourceLanguage) -> (String, SourceSymbol.Kind)? {
        let member = indent > 0
        switch language {
        case .python:
            if let name = name(after: ["def"], in: words) { return (name, member ? .method : .function) }
            if let name = name(after: ["class"], in: words) { return (name, .type) }
            if !member, let first = words.first, first.first?.isUppercase == true,
               line.dropFirst(first.count).drop(while: { $0 == " " }).hasPrefix("="),
               first == first.uppercased() { return (String(first), .variable) }
        case .swift:
            if let name = name(after: ["func"], in: words) { return (name, member ? .method : .function) }
            if let name = name(after: ["class", "struct", "enum", "protocol", "actor", "extension", "typealias"], in: words) {
                return (name, .type)
            }
            if !member, let name = name(after: ["let", "var"], in: words) { return (name, .variable) }
        case .go:
            if words.first == "func" {
                // func (r *Receiver) Name(...) — the name follows the receiver's parenthesis.
                if line.dropFirst(4).drop(while: { $0 == " " }).hasPrefix("("),
                   let close = line.firstIndex(of: ")") {
                    if let name = Self.words(line[line.index(after: close)...]).first { return (String(name), .method) }
                    return nil
                }
                if words.count > 1 { return (String(words[1]), .function) }
            }
            if !member, let name = name(after: ["type"], in: words) { return (name, .type) }
            if !member, words.first == "var" || words.first == "const", words.count > 1, words[1].first?.isUppercase == true {
                return (String(words[1]), .variable)
            }
        case .rust:
            if let name = name(after: ["fn"], in: words) { return (name, member ? .method : .function) }
            if let name = name(after: ["struct", "enum", "trait", "union", "type"], in: words) { return (name, .type) }
            if words.first == "impl" || (words.first == "pub" && words.dropFirst().first == "impl") {
                // impl<T> Trait for Type / impl Type: the implemented type is the name.
                let afterImpl = words.drop(while: { $0 != "impl" }).dropFirst()
                if let forIndex = afterImpl.firstIndex(of: "for"), forIndex + 1 < afterImpl.endIndex {
                    return (String(afterImpl[forIndex + 1]), .type)
                }
                let generic = line.contains("impl<") ? afterImpl.dropFirst() : afterImpl
                if let name = generic.first { return (String(name), .type) }
            }
            if let name = name(after: ["mod"], in: words) { return (name, .module) }
            if !member, let name = name(after: ["const", "static"], in: words), name.first?.isUppercase == true {
                return (name, .variable)
            }
            if line.hasPrefix("macro_rules!"), words.count > 1 { return (String(words[1]), .macro) }
        case .javascript, .typescript:
            if let name = name(after: ["function"], in: words) { return (name, .function) }
            if let name = name(after: ["class", "interface", "enum", "namespace"], in: words) { return (name, .type) }
            if language == .typescript, !member, let name = name(after: ["type"], in: words),
               line.contains("=") { return (name, .type) }
            if !member, let name = name(after: ["const", "let", "var"], in: words) { return (name, .variable) }
            if member, let name = callableName(line: line, words: words, needsReturnType: false) {
                return (name, .method)
            }
        case .java:
            if let name = name(after: ["class", "interface", "enum", "record", "object"], in: words) { return (name, .type) }
            if let name = name(after: ["fun"], in: words) { return (name, member ? .method : .function) }
            if member, let name = callableName(line: line, words: words, needsReturnType: true) {
                return (name, .method)
            }
        case .c, .cpp:
            if line.hasPrefix("#") {
                if words.first == "define", words.count > 1 { return (String(words[1]), .macro) }
                return nil
            }
            if let name = name(after: ["struct", "class", "enum", "union", "namespace"], in: words),
               !line.hasSuffix(";") || line.contains("{") { return (name, name == "namespace" ? .module : .type) }
            if words.first == "typedef", line.hasSuffix(";"), let last = words.last { return (String(last), .type) }
            if let name = callableName(line: line, words: words, needsReturnType: indent == 0 && language == .c) {
                return (name, indent == 0 ? .function : .method)
            }
        }
        return nil
    }

    /// The first word after one of `keywords` that is not itself a keyword or modifier.
    private static func name(after keywords: Set<Substring>, in words: [Substring]) -> String? {
        guard let keywordIndex = words.firstIndex(where: { keywords.contains($0) }) else { return nil }
        // Only leading keywords count (`let x = foo.class` is not a declaration).
        guard words[..<keywordIndex].allSatisfy({ modifiers.contains($0) || keywords.contains($0) }) else { return nil }
        for word in words[(keywordIndex + 1)...] {
            if keywords.contains(word) || modifiers.contains(word) || word == "func" || word == "var" { continue }
            guard let first = word.first, first.isLetter || first == "_" || first == "$" else { return nil }
            return String(word)
        }
        return nil
    }

    /// `type name(args) {` style definitions (C functions, Java/JS methods): the word right
    /// before the first `(`, when the line is not a call statement or control flow.
    private static func callableName(line: Substring, words: [Substring], needsReturnType: Bool) -> String? {
        guard let paren = line.firstIndex(of: "("), !line.hasSuffix(";"), !line.hasSuffix(",") else { return nil }
        let head = line[..<paren]
        if head.contains(".") || head.contains("=") || head.contains("\"") { return nil }
        let headWords = Self.words(head)
        guard let name = headWords.last, let first = name.first, first.isLetter || first == "_" || first == "~" else { return nil }
        if controlWords.contains(name) || headWords.contains(where: { controlWords.contains($0) }) { return nil }
        if needsReturnType && headWords.count < 2 { return nil }
        // A definition ends its signature line with `{`, `)` or `) const` etc., not with a call's `;`.
        let tail = line.reversed().drop(while: { $0 == " " })
        guard let lastCharacter = tail.first, "{)".contains(lastCharacter) || line.hasSuffix("const") else { return nil }
        return String(name)
    }
}
