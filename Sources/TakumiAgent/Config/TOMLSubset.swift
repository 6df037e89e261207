import Foundation

/// A value of the TOML subset Takumi reads.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case stringArray([String])

    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .bool: return "boolean"
        case .stringArray: return "array of strings"
        }
    }
}

/// A small TOML subset parser (TOMLKit does not resolve here, and configs are tiny).
///
/// Supported: `# comments`; `[table]` and `[table.sub]` headers; `key = value` with bare
/// (`A-Za-z0-9_-`), quoted, or dotted keys; values: basic strings `"..."` (escapes `\" \\ \n
/// \t \r \uXXXX \UXXXXXXXX`), literal strings `'...'`, integers (`+`/`-`, `_` separators),
/// floats (`1.5`, `1e3`), `true`/`false`, and arrays of strings (may span lines, trailing comma
/// allowed). Not supported (a clear error, never a silent misread): inline tables, arrays of
/// tables, multi-line strings, dates.
///
/// The result is flat: `[table] key = 1` becomes `"table.key": .integer(1)`.
public struct TOMLSubset {
    public static func parse(_ text: String, file: String) throws -> [String: TOMLValue] {
        var result: [String: TOMLValue] = [:]
        var table = ""
        let lines = text.components(separatedBy: "\n")
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                throw AgentError.configSyntax(file: file, line: lineNumber, reason: "arrays of tables ([[...]]) are not supported")
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw AgentError.configSyntax(file: file, line: lineNumber, reason: "table header '\(line)' has no closing ']'")
                }
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                table = try parseKey(name, file: file, line: lineNumber)
                continue
            }
            guard let eq = indexOfEquals(line) else {
                throw AgentError.configSyntax(file: file, line: lineNumber, reason: "expected 'key = value', found '\(line)'")
            }
            let key = try parseKey(String(line[..<eq]).trimmingCharacters(in: .whitespaces), file: file, line: lineNumber)
            var valueText = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            // Arrays may continue on the next lines until the brackets balance.
            if valueText.hasPrefix("[") {
                while !bracketsBalanced(valueText), index < lines.count {
                    line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
                    index += 1
                    valueText += " " + line
                }
            }
            let fullKey = table.isEmpty ? key : table + "." + key
            guard result[fullKey] == nil else {
                throw AgentError.configSyntax(file: file, line: lineNumber, reason: "key '\(fullKey)' is defined twice")
            }
            result[fullKey] = try parseValue(valueText, file: file, line: lineNumber)
        }
        return result
    }

    /// Removes a `#` comment that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var inBasic = false, inLiteral = false, escaped = false
        for (offset, c) in line.enumerated() {
            if escaped { escaped = false; continue }
            if inBasic && c == "\\" { escaped = true; continue }
            if c == "\"" && !inLiteral { inBasic.toggle() }
            else if c == "'" && !inBasic { inLiteral.toggle() }
            else if c == "#" && !inBasic && !inLiteral { return String(line.prefix(offset)) }
        }
        return line
    }

    static func indexOfEquals(_ line: String) -> String.Index? {
        var inBasic = false, inLiteral = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "\"" && !inLiteral { inBasic.toggle() }
            else if c == "'" && !inBasic { inLiteral.toggle() }
            else if c == "=" && !inBasic && !inLiteral { return i }
            i = line.index(after: i)
        }
        return nil
    }

    static func bracketsBalanced(_ text: String) -> Bool {
        var depth = 0, inString: Character? = nil, escaped = false
        for c in text {
            if escaped { escaped = false; continue }
            if let q = inString {
                if c == "\\" && q == "\"" { escaped = true } else if c == q { inString = nil }
                continue
            }
            if c == "\"" || c == "'" { inString = c } else if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
        }
        return depth <= 0
    }

    static func parseKey(_ raw: String, file: String, line: Int) throws -> String {
        var parts: [String] = []
        var rest = Substring(raw)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            if rest.first == "\"" || rest.first == "'" {
                let (s, after) = try scanString(rest, file: file, line: line)
                parts.append(s); rest = after
            } else {
                let bare = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                guard !bare.isEmpty, bare.allSatisfy({ $0.isASCII }) else {
                    throw AgentError.configSyntax(file: file, line: line, reason: "invalid key '\(raw)'")
                }
                parts.append(String(bare)); rest = rest.dropFirst(bare.count)
            }
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            if rest.isEmpty { break }
            guard rest.first == "." else {
                throw AgentError.configSyntax(file: file, line: line, reason: "invalid key '\(raw)'")
            }
            rest = rest.dropFirst()
        }
        return parts.joined(separator: ".")
    }

    static func parseValue(_ text: String, file: String, line: Int) throws -> TOMLValue {
        guard let first = text.first else {
            throw AgentError.configSyntax(file: file, line: line, reason: "missing value after '='")
        }
        if text.hasPrefix("\"\"\"") || text.hasPrefix("'''") {
            throw AgentError.configSyntax(file: file, line: line, reason: "multi-line strings are not supported")
        }
        if first == "\"" || first == "'" {
            let (s, rest) = try scanString(Substring(text), file: file, line: line)
            guard rest.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw AgentError.configSyntax(file: file, line: line, reason: "unexpected text after the string: '\(rest)'")
            }
            return .string(s)
        }
        if first == "[" { return .stringArray(try parseArray(text, file: file, line: line)) }
        if first == "{" {
            throw AgentError.configSyntax(file: file, line: line, reason: "inline tables are not supported; use a [table] header")
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let digits = text.replacingOccurrences(of: "_", with: "")
        if let i = Int(digits) { return .integer(i) }
        if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let d = Double(digits), d.isFinite {
            return .float(d)
        }
        throw AgentError.configSyntax(file: file, line: line, reason: "invalid value '\(text)' (strings need quotes)")
    }

    static func parseArray(_ text: String, file: String, line: Int) throws -> [String] {
        var rest = Substring(text).dropFirst()
        var items: [String] = []
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            if rest.first == "]" {
                guard rest.dropFirst().trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw AgentError.configSyntax(file: file, line: line, reason: "unexpected text after the array")
                }
                return items
            }
            guard rest.first == "\"" || rest.first == "'" else {
                throw AgentError.configSyntax(file: file, line: line, reason: "arrays may only hold strings (found '\(rest.prefix(20))')")
            }
            let (s, after) = try scanString(rest, file: file, line: line)
            items.append(s)
            rest = after.drop(while: { $0 == " " || $0 == "\t" })
            if rest.first == "," { rest = rest.dropFirst(); continue }
            guard rest.first == "]" else {
                throw AgentError.configSyntax(file: file, line: line, reason: "expected ',' or ']' in the array")
            }
        }
    }

    /// Scans a quoted string at the start of `text`; returns it and what follows.
    static func scanString(_ text: Substring, file: String, line: Int) throws -> (String, Substring) {
        guard let quote = text.first else { throw AgentError.configSyntax(file: file, line: line, reason: "expected a string") }
        var out = ""
        var i = text.index(after: text.startIndex)
        while i < text.endIndex {
            let c = text[i]
            if c == quote { return (out, text[text.index(after: i)...]) }
            if c == "\\" && quote == "\"" {
                i = text.index(after: i)
                guard i < text.endIndex else { break }
                switch text[i] {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "u", "U":
                    let width = text[i] == "u" ? 4 : 8
                    let hexStart = text.index(after: i)
                    guard let hexEnd = text.index(hexStart, offsetBy: width, limitedBy: text.endIndex),
                          let code = UInt32(text[hexStart..<hexEnd], radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw AgentError.configSyntax(file: file, line: line, reason: "invalid unicode escape in a string")
                    }
                    out.unicodeScalars.append(scalar)
                    i = text.index(before: hexEnd)
                default:
                    throw AgentError.configSyntax(file: file, line: line, reason: "unknown escape '\\\(text[i])' in a string")
                }
            } else {
                out.append(c)
            }
            i = text.index(after: i)
        }
        throw AgentError.configSyntax(file: file, line: line, reason: "unterminated string")
    }
}
