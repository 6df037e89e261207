import Foundation

/// A run of lines of a file shown to the model (1-based, inclusive): a whole definition, a
/// window of a long one, or a window of lines around words of the request.
public struct ShownRegion: Equatable, Sendable, Codable {
    public var startLine: Int
    public var endLine: Int
    public var text: String
    /// Qualified names of the definitions the region holds whole ("Stack.pop"); empty for a
    /// window (which cannot be answered as a whole definition).
    public var definitions: [String]
    /// Why it was chosen ("the failing run points at line 120", "uses words of the instruction", …).
    public var reason: String

    public init(startLine: Int, endLine: Int, text: String, definitions: [String] = [], reason: String = "") {
        self.startLine = startLine
        self.endLine = endLine
        self.text = text
        self.definitions = definitions
        self.reason = reason
    }
}
