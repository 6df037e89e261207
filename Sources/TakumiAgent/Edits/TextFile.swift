import Foundation

/// A text file as lines, keeping everything needed to write it back byte-identical where it
/// was not edited: the encoding (and BOM), each line's own terminator (LF, CRLF or none for a
/// last line without final newline).
///
/// Edits replace ranges of lines; new lines get the file's dominant terminator, and the final
/// newline state of the original is kept (a file without a final newline stays without one).
public struct TextFile: Equatable, Sendable {
    public enum Encoding: String, Equatable, Sendable {
        case utf8, utf8BOM, utf16LE, utf16BE, latin1
    }

    public var encoding: Encoding
    /// Line contents, without terminators.
    public private(set) var lines: [String]
    /// Terminator of each line: "\n", "\r\n", or "" (only possible for the last line).
    public private(set) var terminators: [String]
    /// Whether the original ended with a line terminator (kept across edits).
    public let finalNewline: Bool
    /// The terminator used for new lines: CRLF when most lines of the original use it.
    public let newlineStyle: String

    /// Decodes `data`. Text with NUL bytes and no UTF-16 BOM is treated as binary and refused;
    /// bytes that are not UTF-8 are read as Latin-1 so they survive a round trip.
    public init(data: Data, path: String) throws {
        let bytes = [UInt8](data)
        let text: String
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            encoding = .utf8BOM
            guard let t = String(bytes: bytes.dropFirst(3), encoding: .utf8) else {
                throw AgentError.unsupportedEncoding(path: path, reason: "UTF-8 BOM but invalid UTF-8")
            }
            text = t
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            encoding = .utf16LE
            guard let t = String(bytes: bytes.dropFirst(2), encoding: .utf16LittleEndian) else {
                throw AgentError.unsupportedEncoding(path: path, reason: "UTF-16LE BOM but invalid UTF-16")
            }
            text = t
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            encoding = .utf16BE
            guard let t = String(bytes: bytes.dropFirst(2), encoding: .utf16BigEndian) else {
                throw AgentError.unsupportedEncoding(path: path, reason: "UTF-16BE BOM but invalid UTF-16")
            }
            text = t
        } else if bytes.contains(0) {
            throw AgentError.unsupportedEncoding(path: path, reason: "it looks binary (contains NUL bytes)")
        } else if let t = String(bytes: bytes, encoding: .utf8) {
            encoding = .utf8
            text = t
        } else {
            encoding = .latin1
            text = String(bytes.map { Character(Unicode.Scalar($0)) })
        }
        (lines, terminators) = TextFile.split(text)
        finalNewline = terminators.last.map { !$0.isEmpty } ?? true
        let crlf = terminators.filter { $0 == "\r\n" }.count
        let lf = terminators.filter { $0 == "\n" }.count
        newlineStyle = crlf > lf ? "\r\n" : "\n"
    }

    /// A new file with LF endings and a final newline.
    public init(newText: String) {
        encoding = .utf8
        (lines, terminators) = TextFile.split(newText)
        finalNewline = true
        newlineStyle = "\n"
        enforceFinalNewlineState()
    }

    /// Splits on LF; a CR right before the LF belongs to the terminator.
    public static func split(_ text: String) -> ([String], [String]) {
        var lines: [String] = []
        var terminators: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if current.unicodeScalars.last == "\r" {
                    current.unicodeScalars.removeLast()
                    terminators.append("\r\n")
                } else {
                    terminators.append("\n")
                }
                lines.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if !current.isEmpty {
            lines.append(current)
            terminators.append("")
        }
        return (lines, terminators)
    }

    /// Replaces `range` of lines by `newLines` (which get the dominant terminator).
    public mutating func replaceLines(_ range: Range<Int>, with newLines: [String]) {
        lines.replaceSubrange(range, with: newLines)
        terminators.replaceSubrange(range, with: Array(repeating: newlineStyle, count: newLines.count))
        enforceFinalNewlineState()
    }

    /// Replaces the whole content (whole-file edits), keeping encoding, line style and
    /// final-newline state; lines identical to the original keep their own terminators.
    public mutating func replaceAll(with newLines: [String]) {
        let oldLines = lines, oldTerminators = terminators
        lines = newLines
        terminators = newLines.indices.map { i in
            i < oldLines.count && oldLines[i] == newLines[i] && !oldTerminators[i].isEmpty ? oldTerminators[i] : newlineStyle
        }
        enforceFinalNewlineState()
    }

    private mutating func enforceFinalNewlineState() {
        guard !terminators.isEmpty else { return }
        let last = terminators.count - 1
        if finalNewline {
            if terminators[last].isEmpty { terminators[last] = newlineStyle }
        } else {
            terminators[last] = ""
        }
    }

    /// The text with its original line terminators.
    public var text: String {
        var out = ""
        for (line, terminator) in zip(lines, terminators) {
            out += line
            out += terminator
        }
        return out
    }

    /// The bytes to write back, in the original encoding.
    public func encoded(path: String) throws -> Data {
        let t = text
        switch encoding {
        case .utf8: return Data(t.utf8)
        case .utf8BOM: return Data([0xEF, 0xBB, 0xBF]) + Data(t.utf8)
        case .utf16LE:
            guard let d = t.data(using: .utf16LittleEndian) else { break }
            return Data([0xFF, 0xFE]) + d
        case .utf16BE:
            guard let d = t.data(using: .utf16BigEndian) else { break }
            return Data([0xFE, 0xFF]) + d
        case .latin1:
            var out = Data()
            for scalar in t.unicodeScalars {
                guard scalar.value < 256 else {
                    throw AgentError.unsupportedEncoding(path: path, reason: "the new text has '\(scalar)', which Latin-1 cannot store")
                }
                out.append(UInt8(scalar.value))
            }
            return out
        }
        throw AgentError.unsupportedEncoding(path: path, reason: "cannot encode the new text as \(encoding.rawValue)")
    }
}
