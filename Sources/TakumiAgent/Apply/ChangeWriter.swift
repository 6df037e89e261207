import Foundation

/// Writes `EditedFile`s into a directory tree, safely:
/// - every target is checked first: its current bytes must still be `before` (absent when
///   `before` is nil), else nothing is written (`fileChangedSinceRead`);
/// - each file is written to a temporary file in the same directory, given the original's
///   permission bits, then renamed over the target (atomic per file);
/// - if a later file fails, the files already written are put back.
public struct ChangeWriter: Sendable {
    public var root: String

    public init(root: String) { self.root = root }

    public func write(_ changes: [EditedFile]) throws {
        let fm = FileManager.default
        for change in changes {
            let current = fm.contents(atPath: fullPath(change.path))
            if current != change.before { throw AgentError.fileChangedSinceRead(path: change.path) }
        }
        var done: [EditedFile] = []
        do {
            for change in changes {
                try writeOne(path: change.path, data: change.after)
                done.append(change)
            }
        } catch {
            for change in done.reversed() { try? writeOne(path: change.path, data: change.before) }
            throw error
        }
    }

    func fullPath(_ path: String) -> String { (root as NSString).appendingPathComponent(path) }

    /// Puts `data` at `path` atomically (nil removes the file), keeping the permission bits.
    func writeOne(path: String, data: Data?) throws {
        let fm = FileManager.default
        let target = fullPath(path)
        guard let data else {
            if fm.fileExists(atPath: target) {
                do { try fm.removeItem(atPath: target) } catch {
                    throw AgentError.writeFailed(path: path, reason: error.localizedDescription)
                }
            }
            return
        }
        let dir = (target as NSString).deletingLastPathComponent
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw AgentError.writeFailed(path: path, reason: "cannot create \(dir): \(error.localizedDescription)")
        }
        let mode = (try? fm.attributesOfItem(atPath: target))?[.posixPermissions] as? NSNumber
        let temp = (dir as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).takumi-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard fm.createFile(atPath: temp, contents: data) else {
            throw AgentError.writeFailed(path: path, reason: "cannot create a temporary file in \(dir)")
        }
        if let mode { chmod(temp, mode_t(mode.uint16Value)) }
        guard rename(temp, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw AgentError.writeFailed(path: path, reason: reason)
        }
    }
}
