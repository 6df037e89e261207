import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serializes `takumi edit` and `takumi undo` per repository: `<git dir>/takumi/lock`, held
/// with `flock`, so a lock whose holder died (killed, crashed, machine rebooted) is free again
/// by itself — a stale lock file is detected and taken over, never waited on. The file names
/// its holder (pid, command) for the message a second run gets, and is removed on release,
/// together with `.git/takumi` when that is left empty.
public final class EditLock: @unchecked Sendable {
    public let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock or throws `editInProgress` naming the holder.
    public static func acquire(gitDirectory: String, purpose: String) throws -> EditLock {
        let directory = (gitDirectory as NSString).appendingPathComponent("takumi")
        let path = (directory as NSString).appendingPathComponent("lock")
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw AgentError.writeFailed(path: directory, reason: String(cString: strerror(errno)))
        }
        for _ in 0..<20 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw AgentError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                close(fd)
                throw AgentError.editInProgress(lock: path, holder: holder.isEmpty ? "holder unknown" : holder)
            }
            // The holder before us may have removed the file after we opened it: then our lock
            // is on a file nobody else sees; try again with the current one.
            var opened = stat(), current = stat()
            if fstat(fd, &opened) == 0, stat(path, &current) == 0,
               opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
                let text = "pid \(getpid()), \(purpose)\n"
                ftruncate(fd, 0)
                _ = text.withCString { write(fd, $0, strlen($0)) }
                return EditLock(path: path, descriptor: fd)
            }
            close(fd)
        }
        throw AgentError.editInProgress(lock: path, holder: "the lock file keeps changing")
    }

    /// Removes the lock file (and `.git/takumi` when empty), then lets go. Safe to call twice.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
        rmdir((path as NSString).deletingLastPathComponent)
    }
}
