import Foundation

/// Splits a `text/event-stream` body into event payloads (the `data:` field of each event).
///
/// Grammar (the parts servers use): lines end in LF, CRLF or CR; a line starting with `:` is
/// a comment (`: ping` keep-alives); `data: X` appends X to the event's data (several `data`
/// lines join with LF); other fields (`event`, `id`, `retry`) are ignored; an empty line ends
/// the event. A payload is returned only when its event is complete, so a JSON object split
/// across TCP reads is never parsed half.
public struct ServerSentEventParser {
    private var buffer = Data()
    private var dataLines: [String] = []
    private var lastWasCR = false

    public init() {}

    /// Feeds bytes; returns the payloads of the events they completed.
    public mutating func feed(_ data: Data) -> [String] {
        var events: [String] = []
        for byte in data {
            if lastWasCR && byte == 0x0A { lastWasCR = false; continue }
            lastWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if let event = line(String(decoding: buffer, as: UTF8.self)) { events.append(event) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    /// The end of the stream: an event not closed by an empty line still counts.
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !buffer.isEmpty, let event = line(String(decoding: buffer, as: UTF8.self)) { events.append(event) }
        buffer.removeAll()
        if !dataLines.isEmpty { events.append(dataLines.joined(separator: "\n")) }
        dataLines.removeAll()
        return events
    }

    private mutating func line(_ text: String) -> String? {
        if text.isEmpty {
            defer { dataLines.removeAll() }
            return dataLines.isEmpty ? nil : dataLines.joined(separator: "\n")
        }
        if text.hasPrefix(":") { return nil }
        let field: Substring, value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            var rest = text[text.index(after: colon)...]
            if rest.hasPrefix(" ") { rest = rest.dropFirst() }
            value = rest
        } else {
            field = Substring(text)
            value = ""
        }
        if field == "data" { dataLines.append(String(value)) }
        return nil
    }
}
