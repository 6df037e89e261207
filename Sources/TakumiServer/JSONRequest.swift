import Foundation

/// A request body as a JSON object, read field by field with errors that name the field
/// (`'max_tokens' must be an integer, found string`), so a wrong type is a 400, never a crash.
struct JSONRequest {
    let fields: [String: Any]

    init(_ data: Data) throws {
        guard String(data: data, encoding: .utf8) != nil else { throw ServeError.notUTF8 }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ServeError.malformedJSON((error as NSError).localizedDescription)
        }
        guard let fields = object as? [String: Any] else { throw ServeError.malformedJSON("expected a JSON object") }
        self.fields = fields
    }

    func has(_ name: String) -> Bool { fields[name] != nil && !(fields[name] is NSNull) }

    static func typeName(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        // JSON booleans come back as NSNumbers of ObjC type "c" (char), numbers as "i", "q" or "d".
        case let number as NSNumber: return String(cString: number.objCType) == "c" ? "boolean" : "number"
        case is String: return "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        default: return "unknown"
        }
    }

    func string(_ name: String) throws -> String? {
        guard has(name), let value = fields[name] else { return nil }
        guard let text = value as? String else {
            throw ServeError.invalidField(name: name, reason: "must be a string, found \(Self.typeName(value))")
        }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard has(name), let value = fields[name] else { return nil }
        guard let number = value as? NSNumber, Self.typeName(number) == "boolean" else {
            throw ServeError.invalidField(name: name, reason: "must be true or false, found \(Self.typeName(value))")
        }
        return number.boolValue
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(name), let value = fields[name] else { return nil }
        guard let number = value as? NSNumber, Self.typeName(number) == "number",
              number.doubleValue.isFinite, number.doubleValue == number.doubleValue.rounded(),
              abs(number.doubleValue) < 1e15 else {
            throw ServeError.invalidField(name: name, reason: "must be an integer, found \(Self.typeName(value))")
        }
        let integer = number.intValue
        guard range.contains(integer) else {
            throw ServeError.invalidField(name: name, reason: "must be in \(range.lowerBound)...\(range.upperBound), found \(integer)")
        }
        return integer
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard has(name), let value = fields[name] else { return nil }
        guard let number = value as? NSNumber, Self.typeName(number) == "number", number.doubleValue.isFinite else {
            throw ServeError.invalidField(name: name, reason: "must be a number, found \(Self.typeName(value))")
        }
        guard range.contains(number.doubleValue) else {
            throw ServeError.invalidField(name: name, reason: "must be in \(range.lowerBound)...\(range.upperBound), found \(number.doubleValue)")
        }
        return number.doubleValue
    }

    /// A string or an array of strings (`stop`, `prompt`).
    func strings(_ name: String, maxCount: Int) throws -> [String]? {
        guard has(name), let value = fields[name] else { return nil }
        if let text = value as? String { return [text] }
        guard let array = value as? [Any], array.allSatisfy({ $0 is String }) else {
            throw ServeError.invalidField(name: name, reason: "must be a string or an array of strings, found \(Self.typeName(value))")
        }
        guard array.count <= maxCount else {
            throw ServeError.invalidField(name: name, reason: "may hold at most \(maxCount) strings, found \(array.count)")
        }
        return array.compactMap { $0 as? String }
    }

    /// An array of objects (`messages`, `input_extra`).
    func objects(_ name: String, maxCount: Int) throws -> [[String: Any]]? {
        guard has(name), let value = fields[name] else { return nil }
        guard let array = value as? [Any] else {
            throw ServeError.invalidField(name: name, reason: "must be an array, found \(Self.typeName(value))")
        }
        guard array.count <= maxCount else {
            throw ServeError.invalidField(name: name, reason: "may hold at most \(maxCount) entries, found \(array.count)")
        }
        return try array.enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw ServeError.invalidField(name: "\(name)[\(index)]", reason: "must be an object, found \(Self.typeName(element))")
            }
            return object
        }
    }
}
