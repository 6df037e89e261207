import Foundation

/// Writes `--jsonl` events: one JSON object per line on stdout, each with an `event` field
/// (`context`, `token`, `attempt`, `test`, `applied`, `error`, `result`), keys sorted, flushed
/// line by line so a tool can react while the command runs.
struct JSONLEventWriter {
    func emit(_ event: String, _ fields: [String: Any] = [:]) {
        var object = fields
        object["event"] = event
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        StandardStreams.writeOutput(data + Data("\n".utf8))
    }

    /// An `Encodable` value as a JSON object for an event field.
    static func object<T: Encodable>(_ value: T) -> Any {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value),
              let object = try? JSONSerialization.jsonObject(with: data) else { return NSNull() }
        return object
    }
}
