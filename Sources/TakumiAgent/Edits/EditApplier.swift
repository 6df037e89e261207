import Foundation

/// One file's change: exact bytes before and after (nil = absent).
public struct EditedFile: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable, Codable { case modified, created, deleted }
    public var path: String
    public var kind: Kind
    public var before: Data?
    public var after: Data?
    /// Decoded texts (with original line terminators) for diffs; "" when absent.
    public var beforeText: String
    public var afterText: String

    public init(path: String, kind: Kind, before: Data?, after: Data?, beforeText: String, afterText: String) {
        self.path = path
        self.kind = kind
        self.before = before
        self.after = after
        self.beforeText = beforeText
        self.afterText = afterText
    }
}

/// Matches parsed edits against the files under `root` and computes the resulting contents.
/// Nothing is written: the result is a list of `EditedFile`s. Any failing operation fails the
/// whole answer (no partial application).
public struct EditApplier: Sendable {
    public var root: String
    /// How whole-file and definition answers are merged, per repository-relative path (what the
    /// prompt showed of each file); a path without an entry merges with no focus.
    public var mergers: [String: DefinitionMerger]

    /// The files' bytes as the prompt showed them (repository-relative path → bytes): used
    /// instead of reading the disk, so the edit applies to exactly what the model saw and the
    /// writer's race check compares against that one snapshot.
    public var snapshots: [String: Data]

    public init(root: String, mergers: [String: DefinitionMerger] = [:], snapshots: [String: Data] = [:]) {
        self.root = root
        self.mergers = mergers
        self.snapshots = snapshots
    }

    private func merger(_ path: String) -> DefinitionMerger { mergers[path] ?? DefinitionMerger(path: path) }

    private enum FileState {
        case absent
        case present(TextFile, original: Data)
        case created(TextFile)
        case deleted(original: Data)
    }

    public func apply(_ operations: [EditOperation]) throws -> [EditedFile] {
        var states: [String: FileState] = [:]
        var order: [String] = []

        for op in operations {
            let path = try RepositoryPath.validate(op.path, root: root)
            if states[path] == nil {
                states[path] = try load(path)
                order.append(path)
            }
            guard let state = states[path] else { continue }
            states[path] = try applyOne(op, path: path, state: state)
        }

        var changes: [EditedFile] = []
        for path in order {
            guard let state = states[path] else { continue }
            switch state {
            case .absent:
                continue
            case let .present(file, original):
                let after = try file.encoded(path: path)
                guard after != original else { continue }
                let beforeText = try TextFile(data: original, path: path).text
                changes.append(EditedFile(path: path, kind: .modified, before: original, after: after,
                                          beforeText: beforeText, afterText: file.text))
            case let .created(file):
                changes.append(EditedFile(path: path, kind: .created, before: nil, after: try file.encoded(path: path),
                                          beforeText: "", afterText: file.text))
            case let .deleted(original):
                let beforeText = (try? TextFile(data: original, path: path).text) ?? ""
                changes.append(EditedFile(path: path, kind: .deleted, before: original, after: nil,
                                          beforeText: beforeText, afterText: ""))
            }
        }
        return changes
    }

    private func load(_ path: String) throws -> FileState {
        if let data = snapshots[path] { return .present(try TextFile(data: data, path: path), original: data) }
        let full = (root as NSString).appendingPathComponent(path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else { return .absent }
        guard !isDir.boolValue else { throw AgentError.unsafePath(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: full) else {
            throw AgentError.unsupportedEncoding(path: path, reason: "it cannot be read")
        }
        return .present(try TextFile(data: data, path: path), original: data)
    }

    private func applyOne(_ op: EditOperation, path: String, state: FileState) throws -> FileState {
        switch op {
        case .delete:
            switch state {
            case let .present(_, original): return .deleted(original: original)
            case .created: return .absent
            case .absent, .deleted: throw AgentError.fileNotFound(path: path)
            }

        case let .wholeFile(_, lines, _):
            switch state {
            case .present(var file, let original):
                file.replaceAll(with: try merger(path).merge(answer: lines, into: file.lines, mode: .wholeFile).lines)
                return .present(file, original: original)
            case .created, .absent, .deleted:
                let file = TextFile(newText: lines.map { $0 + "\n" }.joined())
                if case let .deleted(original) = state { return .present(file, original: original) }
                return .created(file)
            }

        case let .definitions(_, lines, _):
            guard case .present(var file, let original) = state else {
                if case .created(var file) = state {
                    file.replaceAll(with: try merger(path).merge(answer: lines, into: file.lines, mode: .definitions).lines)
                    return .created(file)
                }
                throw AgentError.fileNotFound(path: path)
            }
            file.replaceAll(with: try merger(path).merge(answer: lines, into: file.lines, mode: .definitions).lines)
            return .present(file, original: original)

        case let .searchReplace(_, search, replace, _):
            if search.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                // An empty SEARCH creates a file (or fills an empty one).
                switch state {
                case .absent:
                    return .created(TextFile(newText: replace.map { $0 + "\n" }.joined()))
                case let .deleted(original):
                    return .present(TextFile(newText: replace.map { $0 + "\n" }.joined()), original: original)
                case .present(var file, let original) where file.lines.isEmpty:
                    file.replaceAll(with: replace)
                    return .present(file, original: original)
                case .created(var file) where file.lines.isEmpty:
                    file.replaceAll(with: replace)
                    return .created(file)
                default:
                    throw AgentError.fileAlreadyExists(path: path)
                }
            }
            var file: TextFile
            switch state {
            case let .present(f, _), let .created(f): file = f
            case .absent, .deleted: throw AgentError.fileNotFound(path: path)
            }
            switch BlockMatcher.find(search, in: file.lines) {
            case let .found(match):
                let newLines = BlockMatcher.adjustIndentation(replace: replace, search: search,
                                                              matched: file.lines[match.range], stage: match.stage)
                file.replaceLines(match.range, with: newLines)
            case let .ambiguous(_, starts):
                throw AgentError.searchAmbiguous(path: path, search: search.joined(separator: "\n"), lines: starts.map { $0 + 1 })
            case .notFound:
                throw AgentError.searchNotFound(path: path, search: search.joined(separator: "\n"),
                                                hint: EditApplier.nearbyLines(search: search, in: file.lines))
            }
            switch state {
            case let .present(_, original): return .present(file, original: original)
            default: return .created(file)
            }
        }
    }

    /// The real lines the model should have copied: around the first line that matches the
    /// SEARCH's first non-blank line loosely, else the start of the file. Only for feedback.
    static func nearbyLines(search: [String], in lines: [String], limit: Int = 40) -> String {
        let key = search.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map(MatchStage.unicodePunctuation.normalize)
        var start = 0
        if let key, let hit = lines.firstIndex(where: { MatchStage.unicodePunctuation.normalize($0) == key }) {
            start = max(0, hit - 2)
        }
        let end = min(lines.count, start + max(search.count + 4, 8), start + limit)
        guard start < end else { return "" }
        return lines[start..<end].map { $0 + "\n" }.joined()
    }
}
