import Foundation

/// Keeps the before/after bytes (and permission bits) of the last applied edit in
/// `<git dir>/takumi/last-edit.json` — a plain file, outside refs and the object database, so
/// undo leaves no trace in git. `undo` restores the exact bytes and modes, refusing when any
/// file changed since the edit.
///
/// An edit being applied is recorded as `last-edit.json.pending` first and only renamed over
/// the previous record once its files are written, so an edit that is refused (or killed)
/// never costs the previous edit's record. A record is input like a model answer: every path
/// in it passes `RepositoryPath.validate`, and a record that does not validate is refused.
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
            /// Permission bits before the edit (nil: the file did not exist) and after it (nil:
            /// deleted, or new with the default mode).
            var beforeMode: UInt16?
            var afterMode: UInt16?
        }
        var version = 1
        var instruction: String
        var createdAt: Date
        var files: [File]
        /// Directories the edit created for new files (removed again by undo when empty).
        var createdDirectories: [String]?
    }

    public var directory: String { (gitDirectory as NSString).appendingPathComponent("takumi") }
    public var recordPath: String { (directory as NSString).appendingPathComponent("last-edit.json") }
    var pendingPath: String { recordPath + ".pending" }

    /// Records `changes` as the edit about to be applied (the previous record stays in place).
    public func savePending(_ changes: [EditedFile], instruction: String) throws {
        let files = changes.map { change -> Record.File in
            let mode = ChangeWriter.permissionBits((workingRoot as NSString).appendingPathComponent(change.path))
            return .init(path: change.path, before: change.before, after: change.after,
                         beforeMode: change.before == nil ? nil : mode,
                         afterMode: change.after == nil ? nil : mode)
        }
        let created = changes.filter { $0.before == nil }
            .flatMap { ChangeWriter.missingDirectories(for: $0.path, root: workingRoot) }
        let record = Record(instruction: instruction, createdAt: Date(), files: files,
                            createdDirectories: created.isEmpty ? nil : Array(Set(created)).sorted())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try encoder.encode(record).write(to: URL(fileURLWithPath: pendingPath), options: .atomic)
        } catch {
            throw AgentError.writeFailed(path: pendingPath, reason: error.localizedDescription)
        }
    }

    /// The pending record becomes the record of the last edit (its files are written).
    public func commitPending() throws {
        guard rename(pendingPath, recordPath) == 0 else {
            throw AgentError.writeFailed(path: recordPath, reason: String(cString: strerror(errno)))
        }
    }

    /// Forgets the pending record (its edit could not be written); the previous one stays.
    public func discardPending() {
        unlink(pendingPath)
        removeDirectoryIfEmpty()
    }

    /// Restores the files of the last edit; returns the restored changes (after/before swapped).
    @discardableResult
    public func undo() throws -> (instruction: String, restored: [EditedFile]) {
        // A pending record whose files are all written is an edit applied by a run that died
        // before renaming it: it is the last edit. Otherwise it is stale and only removed.
        var chosen: (path: String, record: Record)?
        if FileManager.default.fileExists(atPath: pendingPath) {
            if let pending = try? load(pendingPath), (try? writer(for: pending).check(reverse(pending))) != nil {
                chosen = (pendingPath, pending)
            } else {
                unlink(pendingPath)
            }
        }
        if chosen == nil {
            guard FileManager.default.fileExists(atPath: recordPath) else {
                removeDirectoryIfEmpty()
                throw AgentError.undoUnavailable(reason: "no applied edit recorded in \(recordPath)")
            }
            chosen = (recordPath, try load(recordPath))
        }
        guard let (path, record) = chosen else { throw AgentError.undoUnavailable(reason: "no record") }
        let changes = reverse(record)
        // ChangeWriter refuses (writing nothing) if any file is not exactly as the edit left it.
        try writer(for: record).write(changes)
        ChangeWriter.removeEmptyDirectories(record.createdDirectories ?? [], root: workingRoot)
        unlink(path)
        if path == pendingPath { unlink(recordPath) }
        removeDirectoryIfEmpty()
        return (record.instruction, changes)
    }

    /// Reads and validates a record: every path by the same rules as a model's answer.
    func load(_ path: String) throws -> Record {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentError.undoRecordInvalid(record: path, reason: "it cannot be read")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let record: Record
        do {
            record = try decoder.decode(Record.self, from: data)
        } catch {
            throw AgentError.undoRecordInvalid(record: path, reason: "it is not a takumi undo record (\(error))")
        }
        guard record.version == 1 else {
            throw AgentError.undoRecordInvalid(record: path, reason: "unknown version \(record.version)")
        }
        var seen: Set<String> = []
        for file in record.files {
            let normalized: String
            do {
                normalized = try RepositoryPath.normalize(file.path)
            } catch {
                throw AgentError.undoRecordInvalid(record: path, reason: "\(error)")
            }
            guard normalized == file.path, seen.insert(file.path).inserted else {
                throw AgentError.undoRecordInvalid(record: path, reason: "file entry '\(AgentError.printable(file.path, keepNewlines: false))' is not a normalized, unique repository path")
            }
            guard file.before != nil || file.after != nil else {
                throw AgentError.undoRecordInvalid(record: path, reason: "file entry '\(file.path)' has neither a before nor an after state")
            }
            for mode in [file.beforeMode, file.afterMode].compactMap({ $0 }) where mode > 0o7777 {
                throw AgentError.undoRecordInvalid(record: path, reason: "file entry '\(file.path)' has an invalid mode \(mode)")
            }
        }
        for directory in record.createdDirectories ?? [] {
            guard (try? RepositoryPath.normalize(directory)) == directory else {
                throw AgentError.undoRecordInvalid(record: path, reason: "created directory '\(AgentError.printable(directory, keepNewlines: false))' is not a repository path")
            }
        }
        return record
    }

    private func reverse(_ record: Record) -> [EditedFile] {
        record.files.map { file in
            let kind: EditedFile.Kind = file.after == nil ? .created : (file.before == nil ? .deleted : .modified)
            let text = { (d: Data?) in d.map { String(decoding: $0, as: UTF8.self) } ?? "" }
            return EditedFile(path: file.path, kind: kind, before: file.after, after: file.before,
                              beforeText: text(file.after), afterText: text(file.before))
        }
    }

    private func writer(for record: Record) -> ChangeWriter {
        var modes: [String: UInt16] = [:]
        for file in record.files { if let mode = file.beforeMode { modes[file.path] = mode } }
        return ChangeWriter(root: workingRoot, modes: modes)
    }

    /// `.git/takumi` goes when nothing is left in it (takumi leaves nothing that was not there).
    func removeDirectoryIfEmpty() { rmdir(directory) }
}
