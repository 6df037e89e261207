import Foundation

/// Renders a small subset of Markdown to HTML.
public struct MarkdownRenderer {
    public var escapeHTML = true

    public init() {}

    public func render(_ markdown: String) -> String {
        markdown.split(separator: "\n", omittingEmptySubsequences: false)
            .map { renderLine(String($0)) }
            .joined(separator: "\n")
    }

    func renderLine(_ line: String) -> String {
        if line.hasPrefix("## ") { return renderHeading(String(line.dropFirst(3)), level: 2) }
        if line.hasPrefix("# ") { return renderHeading(String(line.dropFirst(2)), level: 1) }
        return "<p>\(escape(line))</p>"
    }

    func renderHeading(_ text: String, level: Int) -> String {
        "<h\(level)>\(escape(text))</h\(level)>"
    }

    private func escape(_ text: String) -> String {
        guard escapeHTML else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
