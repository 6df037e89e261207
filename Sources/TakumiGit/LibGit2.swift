import CLibGit2
import Foundation

/// libgit2 must be initialised once per process before any call. A `static let` is
/// initialised lazily and thread-safely by Swift, so this is the only global and it is
/// immutable.
enum LibGit2 {
    static let initialized: Bool = {
        git_libgit2_init()
        return true
    }()

    static func ensureInitialized() { _ = initialized }
}

extension String {
    /// Decodes bytes that should be UTF-8 without ever crashing: invalid sequences become
    /// U+FFFD (git allows any bytes in paths and contents).
    init(gitCString pointer: UnsafePointer<CChar>) {
        let length = strlen(pointer)
        let buffer = UnsafeRawBufferPointer(start: pointer, count: length)
        self = String(decoding: buffer, as: UTF8.self)
    }
}

/// Hex form of an object id.
func hexString(_ oid: UnsafePointer<git_oid>) -> String {
    var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
    git_oid_tostr(&buffer, buffer.count, oid)
    return String(cString: buffer)
}

/// Copies and frees a `git_buf` filled by libgit2.
func takeBuffer(_ buf: inout git_buf) -> Data {
    defer { git_buf_dispose(&buf) }
    guard let ptr = buf.ptr, buf.size > 0 else { return Data() }
    return Data(bytes: ptr, count: buf.size)
}

/// Calls `body` with a `git_strarray` view of `strings` (valid only inside `body`).
func withStrarray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<git_strarray>) throws -> R) rethrows -> R {
    var cStrings: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for pointer in cStrings { free(pointer) } }
    return try cStrings.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
