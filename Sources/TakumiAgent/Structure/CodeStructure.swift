import Foundation

/// One definition (function, method, class, …) of a source file, as line indices (0-based).
public struct CodeDefinition: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable { case function, type }
    public var name: String
    /// Names of the enclosing definitions and this one, joined with "." ("Stack.pop").
    public var qualifiedName: String
    public var kind: Kind
    /// The line with the `def`/`class`/`fn` keyword (for brace languages: where the signature starts).
    public var headerLine: Int
    /// Decorators/attributes right above the header, the header, and the whole body; trailing
    /// blank lines excluded.
    public var range: Range<Int>
    /// Comment lines directly above `range` at the same indentation (doc comments).
    public var leadingComments: Range<Int>
    /// Columns of indentation of the header line.
    public var indent: Int
    /// Index of the enclosing definition in `CodeStructure.definitions`, nil at top level.
    public var parent: Int?

    /// `leadingComments` and `range` together.
    public var fullRange: Range<Int> { leadingComments.lowerBound..<range.upperBound }
}

/// The definitions of a source file, found by a small structural scanner per language family:
/// indentation blocks for Python (strings, brackets and line continuations respected), brace
/// matching for C-like languages (Swift, C/C++, Go, Rust, JavaScript/TypeScript, Java, Kotlin,
/// C#, PHP; strings and comments respected). No parser libraries exist for these languages in
/// this toolchain; the scanners only decide where definitions start and end, which is what
/// choosing regions and merging definitions need. Unknown languages have no definitions.
public struct CodeStructure: Sendable {
    public let lines: [String]
    public let family: Family?
    public let definitions: [CodeDefinition]

    public enum Family: String, Sendable { case python, braces }

    public init(lines: [String], family: Family?) {
        self.lines = lines
        self.family = family
        switch family {
        case .python: definitions = PythonStructureScanner(lines: lines).scan()
        case .braces: definitions = BraceStructureScanner(lines: lines).scan()
        case nil: definitions = []
        }
    }

    public init(text: String, path: String) {
        self.init(lines: TextFile.split(text).0, family: CodeStructure.family(forPath: path))
    }

    /// The scanner family for a file name, nil for languages without one.
    public static func family(forPath path: String) -> Family? {
        switch (path as NSString).pathExtension.lowercased() {
        case "py", "pyi", "pyx": return .python
        case "swift", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "go", "rs", "js", "jsx", "mjs", "cjs",
             "ts", "tsx", "mts", "cts", "java", "kt", "kts", "cs", "php", "scala", "dart":
            return .braces
        default: return nil
        }
    }

    /// The innermost definition whose range holds `line` (0-based).
    public func innermost(containing line: Int) -> CodeDefinition? {
        definitions.filter { $0.range.contains(line) }.max { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Definitions named `name` (plain or qualified).
    public func definitions(named name: String) -> [CodeDefinition] {
        definitions.filter { $0.name == name || $0.qualifiedName == name }
    }

    /// Top-level definitions (no parent).
    public var topLevel: [CodeDefinition] { definitions.filter { $0.parent == nil } }

    /// Children of the definition at `index` in `definitions`.
    public func children(of index: Int) -> [CodeDefinition] {
        definitions.filter { $0.parent == index }
    }

    /// A one-line summary of a definition's header ("def chunked(iterable, n, strict=False):"),
    /// signature continuation lines joined, at most `limit` characters.
    public func signature(of definition: CodeDefinition, limit: Int = 100) -> String {
        var text = ""
        var line = definition.headerLine
        while line < definition.range.upperBound && line < definition.headerLine + 6 {
            let piece = lines[line].trimmingCharacters(in: .whitespaces)
            text += text.isEmpty ? piece : " " + piece
            if piece.hasSuffix(":") || piece.hasSuffix("{") || piece.contains("{") || text.count > limit { break }
            if family == .braces, piece.hasSuffix(";") { break }
            line += 1
        }
        if text.hasSuffix("{") { text = String(text.dropLast()).trimmingCharacters(in: .whitespaces) }
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    /// Columns of leading whitespace (a tab counts as 4, like the symbol scanner).
    public static func indentation(of line: String) -> Int {
        var columns = 0
        for character in line {
            if character == " " { columns += 1 } else if character == "\t" { columns += 4 } else { break }
        }
        return columns
    }

    static func isBlank(_ line: String) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }
}

/// Python: a `def`/`class` header's body is every following line indented deeper (blank lines
/// and comments do not end it). Lines inside triple-quoted strings, open brackets and
/// backslash continuations are not statement starts.
struct PythonStructureScanner {
    let lines: [String]

    /// Per line: whether it starts a logical statement (not inside a string or brackets).
    func statementStarts() -> [Bool] {
        var starts = [Bool](repeating: false, count: lines.count)
        var depth = 0
        var openString: String?   // the triple quote that is open
        var continued = false
        for (number, line) in lines.enumerated() {
            starts[number] = openString == nil && depth == 0 && !continued
            continued = false
            var chars = Array(line)
            if chars.last == "\r" { chars.removeLast() }
            var i = 0
            var singleQuote: Character?
            while i < chars.count {
                let c = chars[i]
                if let triple = openString {
                    if c == "\\" { i += 2; continue }
                    if i + 3 <= chars.count, String(chars[i..<(i + 3)]) == triple {
                        openString = nil
                        i += 3
                        continue
                    }
                    i += 1
                    continue
                }
                if let quote = singleQuote {
                    if c == "\\" { i += 2; continue }
                    if c == quote { singleQuote = nil }
                    i += 1
                    continue
                }
                switch c {
                case "#":
                    i = chars.count
                    continue
                case "\"", "'":
                    let triple = String(repeating: String(c), count: 3)
                    if i + 3 <= chars.count, String(chars[i..<i + 3]) == triple {
                        openString = triple
                        i += 3
                        continue
                    }
                    singleQuote = c
                case "(", "[", "{": depth += 1
                case ")", "]", "}": depth = max(0, depth - 1)
                case "\\" where i == chars.count - 1: continued = true
                default: break
                }
                i += 1
            }
        }
        return starts
    }

    static func header(_ line: String) -> (name: String, kind: CodeDefinition.Kind)? {
        var rest = Substring(line.drop { $0 == " " || $0 == "\t" })
        if rest.hasPrefix("async ") { rest = rest.dropFirst(6).drop { $0 == " " } }
        let kind: CodeDefinition.Kind
        if rest.hasPrefix("def ") { kind = .function; rest = rest.dropFirst(4) }
        else if rest.hasPrefix("class ") { kind = .type; rest = rest.dropFirst(6) }
        else { return nil }
        let name = rest.drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        guard let first = name.first, !first.isNumber else { return nil }
        return (String(name), kind)
    }

    func scan() -> [CodeDefinition] {
        let starts = statementStarts()
        var result: [CodeDefinition] = []
        // Open definitions: index into result, header indentation.
        var stack: [(index: Int, indent: Int)] = []
        func close(upTo indent: Int, before line: Int) {
            while let top = stack.last, top.indent >= indent {
                stack.removeLast()
                let end = max(result[top.index].headerLine + 1, lastContentBefore(line, from: result[top.index].headerLine) + 1)
                result[top.index].range = result[top.index].range.lowerBound..<end
            }
        }
        // The body's last line: blank lines, and comments not indented deeper than the header
        // (they lead the next definition), are not part of it.
        func lastContentBefore(_ line: Int, from start: Int) -> Int {
            let headerIndent = CodeStructure.indentation(of: lines[start])
            var i = min(line, lines.count) - 1
            while i > start, CodeStructure.isBlank(lines[i])
                    || (isComment(lines[i]) && CodeStructure.indentation(of: lines[i]) <= headerIndent) { i -= 1 }
            return i
        }
        for (number, line) in lines.enumerated() {
            guard starts[number], !CodeStructure.isBlank(line), !isComment(line) else { continue }
            let indent = CodeStructure.indentation(of: line)
            close(upTo: indent, before: number)
            guard let (name, kind) = PythonStructureScanner.header(line) else { continue }
            var start = number
            while start > 0, lines[start - 1].drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("@"),
                  CodeStructure.indentation(of: lines[start - 1]) == indent { start -= 1 }
            var commentStart = start
            while commentStart > 0, isComment(lines[commentStart - 1]),
                  CodeStructure.indentation(of: lines[commentStart - 1]) == indent { commentStart -= 1 }
            let parent = stack.last?.index
            let qualified = parent.map { result[$0].qualifiedName + "." + name } ?? name
            result.append(CodeDefinition(name: name, qualifiedName: qualified, kind: kind, headerLine: number,
                                         range: start..<(number + 1), leadingComments: commentStart..<start,
                                         indent: indent, parent: parent))
            stack.append((result.count - 1, indent))
        }
        close(upTo: 0, before: lines.count)
        return result
    }

    private func isComment(_ line: String) -> Bool {
        line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#")
    }
}

/// C-like languages: a definition is a block `{ … }` whose opening line (joined with the lines
/// of its signature) looks like a function, method or type declaration; it ends where the
/// matching `}` closes. Strings, characters, template literals and comments are skipped.
struct BraceStructureScanner {
    let lines: [String]

    private static let typeKeywords: Set<String> = [
        "class", "struct", "enum", "interface", "trait", "impl", "protocol", "extension", "actor",
        "namespace", "mod", "object", "union", "record",
    ]
    private static let controlWords: Set<String> = [
        "if", "for", "while", "switch", "catch", "return", "else", "do", "try", "sizeof", "case",
        "new", "throw", "await", "yield", "match", "loop", "foreach", "using", "lock", "synchronized",
        "when", "guard", "defer", "unsafe", "select", "go",
    ]

    /// For each line, the brace depth at its start, and the lines where blocks open and close.
    private func braces() -> (depthAtStart: [Int], blocks: [(open: Int, close: Int)]) {
        var depthAtStart = [Int](repeating: 0, count: lines.count)
        var blocks: [(Int, Int)] = []
        var openStack: [Int] = []
        var inBlockComment = false
        var template = false
        for (number, line) in lines.enumerated() {
            depthAtStart[number] = openStack.count
            let chars = Array(line)
            var i = 0
            var quote: Character?
            while i < chars.count {
                let c = chars[i]
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if inBlockComment {
                    if c == "*", next == "/" { inBlockComment = false; i += 2 } else { i += 1 }
                    continue
                }
                if template {
                    if c == "\\" { i += 2; continue }
                    if c == "`" { template = false }
                    i += 1
                    continue
                }
                if let q = quote {
                    if c == "\\" { i += 2; continue }
                    if c == q { quote = nil }
                    i += 1
                    continue
                }
                switch c {
                case "/" where next == "/": i = chars.count; continue
                case "/" where next == "*": inBlockComment = true; i += 2; continue
                case "\"": quote = c
                case "'":
                    // Rust lifetimes ('a) and Swift/Kotlin do not close: only a short char literal counts.
                    if let close = chars[(i + 1)...].prefix(4).firstIndex(of: "'") { i = close + 1; continue }
                case "`": template = true
                case "{": openStack.append(number)
                case "}":
                    if let open = openStack.popLast() { blocks.append((open, number)) }
                default: break
                }
                i += 1
            }
        }
        return (depthAtStart, blocks)
    }

    /// `const name = (…) =>`, `let name = function`, `export const name = async x =>` …
    private static let assignedFunction = try? NSRegularExpression(pattern:
        #"^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][A-Za-z0-9_$]*\s*=>)"#)

    static func assignedFunctionName(_ trimmed: String) -> String? {
        guard let pattern = assignedFunction,
              let match = pattern.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed)),
              let range = Range(match.range(at: 1), in: trimmed) else { return nil }
        return String(trimmed[range])
    }

    func scan() -> [CodeDefinition] {
        let (depthAtStart, blocks) = braces()
        var result: [CodeDefinition] = []
        // One-line function expressions without a block (`const f = (x) => x * 2;`).
        let blockOpenLines = Set(blocks.map(\.open))
        for (number, line) in lines.enumerated() where !blockOpenLines.contains(number) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let name = BraceStructureScanner.assignedFunctionName(trimmed), trimmed.hasSuffix(";") || !trimmed.contains("{") else { continue }
            result.append(CodeDefinition(name: name, qualifiedName: name, kind: .function, headerLine: number,
                                         range: number..<(number + 1), leadingComments: number..<number,
                                         indent: CodeStructure.indentation(of: line), parent: nil))
        }
        for (open, close) in blocks.sorted(by: { $0.open < $1.open }) where close > open || lines[open].contains("}") {
            guard let (name, kind, headerLine) = header(endingAt: open, depthAtStart: depthAtStart) else { continue }
            // Only the first block opened on a line counts (a line opening two blocks is a one-liner).
            if result.contains(where: { $0.headerLine == headerLine }) { continue }
            let indent = CodeStructure.indentation(of: lines[headerLine])
            var start = headerLine
            while start > 0, isAttribute(lines[start - 1]) { start -= 1 }
            var commentStart = start
            while commentStart > 0, isComment(lines[commentStart - 1]),
                  CodeStructure.indentation(of: lines[commentStart - 1]) == indent { commentStart -= 1 }
            result.append(CodeDefinition(name: name, qualifiedName: name, kind: kind, headerLine: headerLine,
                                         range: start..<(close + 1), leadingComments: commentStart..<start,
                                         indent: indent, parent: nil))
        }
        result.sort { $0.headerLine < $1.headerLine }
        // Parents: the innermost earlier definition whose range holds this one.
        for i in result.indices {
            var parent: Int?
            for j in result.indices where j != i && result[j].range.lowerBound <= result[i].range.lowerBound
                && result[j].range.upperBound >= result[i].range.upperBound && result[j].headerLine < result[i].headerLine {
                if parent.map({ result[j].headerLine > result[$0].headerLine }) ?? true { parent = j }
            }
            result[i].parent = parent
        }
        for i in result.indices {
            var names = [result[i].name]
            var p = result[i].parent
            while let index = p { names.insert(result[index].name, at: 0); p = result[index].parent }
            result[i].qualifiedName = names.joined(separator: ".")
        }
        return result
    }

    /// The declaration whose body opens on line `open`: the text from the statement's start
    /// (after the previous `;`, `{` or `}` at the same depth, at most 6 lines up) to the `{`.
    private func header(endingAt open: Int, depthAtStart: [Int]) -> (String, CodeDefinition.Kind, Int)? {
        guard let brace = lines[open].firstIndex(of: "{") else { return nil }
        var text = String(lines[open][..<brace])
        var headerLine = open
        var line = open
        while line > 0, open - line < 6 {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && (trimmed.contains("(") || startsWithTypeKeyword(trimmed)) && balanced(trimmed) { break }
            let previous = lines[line - 1].trimmingCharacters(in: .whitespaces)
            if previous.isEmpty || previous.hasSuffix(";") || previous.hasSuffix("}") || previous.hasSuffix("{")
                || previous.hasPrefix("//") || previous.hasPrefix("*") || previous.hasPrefix("#") || isAttribute(lines[line - 1]) { break }
            line -= 1
            headerLine = line
            text = previous + " " + text
        }
        if text.trimmingCharacters(in: .whitespaces).isEmpty, headerLine > 0 {
            // `{` alone on its line (Allman style): the signature is the line before.
            headerLine -= 1
            text = lines[headerLine]
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let name = BraceStructureScanner.assignedFunctionName(trimmed) { return (name, .function, headerLine) }
        guard !trimmed.isEmpty, !trimmed.hasPrefix("}"), !trimmed.hasSuffix("=") else { return nil }
        let words = identifierWords(trimmed)
        if let first = words.first, BraceStructureScanner.controlWords.contains(first) { return nil }
        // Go: `type Name struct {` / `type Name interface {`.
        if words.first == "type", words.count >= 3, ["struct", "interface"].contains(words[2]) { return (words[1], .type, headerLine) }
        for (i, word) in words.enumerated() where BraceStructureScanner.typeKeywords.contains(word) {
            // `impl Trait for Type` names the type; others name the word after the keyword.
            if word == "impl", let forIndex = words.firstIndex(of: "for"), forIndex + 1 < words.count {
                return (words[forIndex + 1], .type, headerLine)
            }
            if i + 1 < words.count, !trimmed.contains("(") || trimmed.firstIndex(of: "(").map({ trimmed[..<$0].contains(word) }) == true {
                return (words[i + 1], .type, headerLine)
            }
        }
        // A function: an identifier directly before the first "(" (generics allowed between).
        guard let paren = trimmed.firstIndex(of: "(") else { return nil }
        var before = trimmed[..<paren]
        if before.hasSuffix(">"), let lt = before.lastIndex(of: "<") { before = before[..<lt] }
        let name = before.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
        guard !name.isEmpty else {
            // Methods like `func (r *T) Name(...)` in Go: the identifier after the receiver.
            if trimmed.hasPrefix("func ("), let close = trimmed.firstIndex(of: ")") {
                let rest = trimmed[trimmed.index(after: close)...].drop { $0 == " " }
                let goName = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if !goName.isEmpty { return (String(goName), .function, headerLine) }
            }
            return nil
        }
        let identifier = String(name.reversed())
        if BraceStructureScanner.controlWords.contains(identifier) || identifier.first?.isNumber == true { return nil }
        // A call or an initializer expression, not a declaration: `foo(x) {` is rare as a
        // statement in these languages, but `x = foo(...) {` (a closure argument) is not a definition.
        let prefix = trimmed[..<trimmed.index(paren, offsetBy: -identifier.count)]
        if prefix.contains("=") && !prefix.contains("=>") { return nil }
        if prefix.hasSuffix(".") { return nil }
        return (identifier, .function, headerLine)
    }

    private func startsWithTypeKeyword(_ text: String) -> Bool {
        identifierWords(text).contains { BraceStructureScanner.typeKeywords.contains($0) }
    }

    private func balanced(_ text: String) -> Bool {
        text.filter { $0 == "(" }.count == text.filter { $0 == ")" }.count
    }

    private func identifierWords(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }.map(String.init)
    }

    private func isAttribute(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.hasPrefix("@") || t.hasPrefix("#[")
    }

    private func isComment(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.hasPrefix("//") || t.hasPrefix("/*") || t.hasPrefix("*") || t.hasPrefix("///")
    }
}
