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

/// Hex form of an object id (40 lowercase digits). Written by hand rather than through
/// `git_oid_tostr`: it runs once per index entry, 50,000+ times on big repositories.
func hexString(_ oid: UnsafePointer<git_oid>) -> String {
    let digits: StaticString = "0123456789abcdef"
    return withUnsafeBytes(of: oid.pointee.id) { raw in
        String(unsafeUninitializedCapacity: raw.count * 2) { output in
            let table = digits.utf8Start
            for (i, byte) in raw.enumerated() {
                output[2 * i] = table[Int(byte >> 4)]
                output[2 * i + 1] = table[Int(byte & 0x0F)]
            }
            return raw.count * 2
        }
    }
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
