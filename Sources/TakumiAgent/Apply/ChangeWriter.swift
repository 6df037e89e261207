import Foundation

/// Writes `EditedFile`s into a directory tree, safely:
/// - every path passes `RepositoryPath.validate` again (each component resolved on disk now,
///   symbolic links and nested `.git` directories refused), so nothing is written outside the
///   tree or through a link, whoever named the path (model, user, undo record);
/// - every target is checked first: its current bytes must still be `before` (absent when
///   `before` is nil), else nothing is written (`fileChangedSinceRead`); a read-only file is
///   refused (`readOnlyFile`);
/// - each file is written to a temporary file in the same directory, given the original's
///   permission bits (or the one in `modes`), then renamed over the target (atomic per file);
/// - if a later file fails, the files already written are put back and the directories
///   created for new files are removed again.
public struct ChangeWriter: Sendable {
    public var root: String
    /// Permission bits to give a file (undo restores modes exactly); otherwise an existing
    /// file keeps its own and a new one gets the default (0666 minus the umask).
    public var modes: [String: UInt16] = [:]

    public init(root: String, modes: [String: UInt16] = [:]) {
        self.root = root
        self.modes = modes
    }

    public func write(_ changes: [EditedFile]) throws {
        try check(changes)
        var done: [EditedFile] = []
        var previousModes: [String: UInt16] = [:]
        var createdDirectories: [String] = []
        do {
            for change in changes {
                if let mode = Self.permissionBits(fullPath(change.path)) { previousModes[change.path] = mode }
                createdDirectories += Self.missingDirectories(for: change.path, root: root)
                try writeOne(path: change.path, data: change.after, mode: modes[change.path])
                done.append(change)
            }
        } catch {
            for change in done.reversed() {
                try? writeOne(path: change.path, data: change.before, mode: previousModes[change.path])
            }
            Self.removeEmptyDirectories(createdDirectories, root: root)
            throw error
        }
    }

    /// Everything that would make `write` refuse, checked before any byte is written.
    public func check(_ changes: [EditedFile]) throws {
        for change in changes {
            let normalized = try RepositoryPath.validate(change.path, root: root)
            guard normalized == change.path else {
                throw AgentError.unsafePath(path: change.path, reason: "not a normalized repository path (\(normalized))")
            }
            let full = fullPath(change.path)
            var info = stat()
            let exists = lstat(full, &info) == 0
            if exists, info.st_mode & S_IFMT != S_IFREG {
                throw AgentError.unsafePath(path: change.path, reason: "it is not a regular file")
            }
            let current = exists ? FileManager.default.contents(atPath: full) : nil
            if current != change.before { throw AgentError.fileChangedSinceRead(path: change.path) }
            if exists, info.st_mode & S_IWUSR == 0 { throw AgentError.readOnlyFile(path: change.path) }
        }
    }

    func fullPath(_ path: String) -> String { (root as NSString).appendingPathComponent(path) }

    /// The permission bits of a regular file (nil when absent or not a regular file).
    public static func permissionBits(_ fullPath: String) -> UInt16? {
        var info = stat()
        guard lstat(fullPath, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt16(info.st_mode & 0o7777)
    }

    /// The directories (relative, outermost first) that writing `path` would create.
    public static func missingDirectories(for path: String, root: String) -> [String] {
        var missing: [String] = []
        var parent = (path as NSString).deletingLastPathComponent
        while !parent.isEmpty {
            var info = stat()
            if lstat((root as NSString).appendingPathComponent(parent), &info) == 0 { break }
            missing.insert(parent, at: 0)
            parent = (parent as NSString).deletingLastPathComponent
        }
        return missing
    }

    /// Removes the given directories (relative) when they are empty, innermost first.
    public static func removeEmptyDirectories(_ directories: [String], root: String) {
        for directory in Set(directories).sorted(by: { $0.count > $1.count }) {
            rmdir((root as NSString).appendingPathComponent(directory))
        }
    }

    /// Puts `data` at `path` atomically (nil removes the file), keeping the permission bits
    /// (or setting `mode`).
    func writeOne(path: String, data: Data?, mode: UInt16?) throws {
        let fm = FileManager.default
        let target = fullPath(path)
        guard let data else {
            if unlink(target) != 0 && errno != ENOENT {
                throw AgentError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            return
        }
        let dir = (target as NSString).deletingLastPathComponent
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw AgentError.writeFailed(path: path, reason: "cannot create \(dir): \(error.localizedDescription)")
        }
        let keptMode = mode ?? Self.permissionBits(target)
        let temp = (dir as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).takumi-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard fm.createFile(atPath: temp, contents: data) else {
            throw AgentError.writeFailed(path: path, reason: "cannot create a temporary file in \(dir)")
        }
        if let keptMode { chmod(temp, mode_t(keptMode)) }
        guard rename(temp, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw AgentError.writeFailed(path: path, reason: reason)
        }
    }
}
