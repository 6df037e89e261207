import Foundation
import TakumiAgent
#if canImport(Glibc)
import Glibc
#endif

/// stdin and stdout/stderr without a crash on odd descriptors: stdin closed (`0<&-`), a
/// directory (`< /`), unreadable; stdout or stderr closed or gone (a terminal hung up).
/// Foundation's `FileHandle.readDataToEndOfFile()`/`write(_:)` stop the process on such errors.
enum StandardStreams {
    /// Whether descriptor 0 was closed when takumi started. Checked first thing in `main`,
    /// before any file is opened (a closed 0 would be reused by the next open), and then
    /// occupied with /dev/null so that nothing else is ever read as stdin.
    static let inputClosedAtLaunch: Bool = {
        guard fcntl(STDIN_FILENO, F_GETFD) == -1, errno == EBADF else { return false }
        let fd = open("/dev/null", O_RDONLY)
        if fd > STDIN_FILENO { dup2(fd, STDIN_FILENO); close(fd) }
        return true
    }()

    /// Call first in `main`.
    static func prepare() { _ = inputClosedAtLaunch }

    /// All of stdin, or `fileNotReadable("<stdin>")` naming what is wrong.
    static func readInput() throws -> Data {
        if inputClosedAtLaunch { throw AgentError.fileNotReadable(path: "<stdin>", reason: "standard input is closed") }
        var info = stat()
        if fstat(STDIN_FILENO, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw AgentError.fileNotReadable(path: "<stdin>", reason: "standard input is a directory")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw AgentError.fileNotReadable(path: "<stdin>", reason: String(cString: strerror(errno)))
            }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Writes all of `data` to `descriptor`; a closed or failing stream loses the text, never
    /// the process (SIGPIPE on a closed pipe still ends it, as for any Unix filter).
    static func write(_ data: Data, to descriptor: Int32) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard var pointer = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let written = Glibc.write(descriptor, pointer, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                left -= written
                pointer += written
            }
        }
    }

    static func writeOutput(_ data: Data) { write(data, to: STDOUT_FILENO) }
    static func writeError(_ data: Data) { write(data, to: STDERR_FILENO) }
}
