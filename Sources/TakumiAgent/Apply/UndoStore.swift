import Foundation

/// Keeps the before/after bytes of the last applied edit in `<git dir>/takumi/last-edit.json`
/// — a plain file, outside refs and the object database, so undo leaves no trace in git.
/// `undo` restores the exact bytes, refusing when any file changed since the edit.
public struct UndoStore: Sendable {
    public var gitDirectory: String
    public var workingRoot: String

    public init(gitDirectory: String, workingRoot: String) {
        self.gitDirectory = gitDirectory
        self.workingRoot = workingRoot
    }

    struct Record: Codable {
        struct File: Codable {
            var path: String
            var before: Data?
            var after: Data?
        }
        var version = 1
        var instruction: String
        var createdAt: Date
        var files: [File]
    }

    public var recordPath: String { (gitDirectory as NSString).appendingPathComponent("takumi/last-edit.json") }

    public func save(_ changes: [EditedFile], instruction: String) throws {
        let record = Record(instruction: instruction, createdAt: Date(),
                            files: changes.map { .init(path: $0.path, before: $0.before, after: $0.after) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        let dir = (recordPath as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try encoder.encode(record).write(to: URL(fileURLWithPath: recordPath), options: .atomic)
        } catch {
            throw AgentError.writeFailed(path: recordPath, reason: error.localizedDescription)
        }
    }

    /// Forgets the saved record (used when the edit it describes could not be written).
    public func discard() {
        try? FileManager.default.removeItem(atPath: recordPath)
    }

    /// Restores the files of the last edit; returns the restored changes (after/before swapped).
    @discardableResult
    public func undo() throws -> (instruction: String, restored: [EditedFile]) {
        guard let data = FileManager.default.contents(atPath: recordPath) else {
            throw AgentError.undoUnavailable(reason: "no applied edit recorded in \(recordPath)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let record = try? decoder.decode(Record.self, from: data) else {
            throw AgentError.undoUnavailable(reason: "\(recordPath) is unreadable")
        }
        let reverse = record.files.map { file -> EditedFile in
            let kind: EditedFile.Kind = file.after == nil ? .created : (file.before == nil ? .deleted : .modified)
            let text = { (d: Data?) in d.map { String(decoding: $0, as: UTF8.self) } ?? "" }
            return EditedFile(path: file.path, kind: kind, before: file.after, after: file.before,
                              beforeText: text(file.after), afterText: text(file.before))
        }
        // ChangeWriter refuses (writing nothing) if any file is not exactly as the edit left it.
        try ChangeWriter(root: workingRoot).write(reverse)
        try? FileManager.default.removeItem(atPath: recordPath)
        return (record.instruction, reverse)
    }
}
