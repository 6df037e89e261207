import Foundation

/// Which repository paths are worth showing a model: source and text, not binaries,
/// lock files, generated code or vendored trees.
public struct ContextPathFilter: Sendable {
    /// Directory names whose whole subtree is vendored, generated or build output.
    public var skippedDirectories: Set<String> = [
        "node_modules", "vendor", "vendors", "third_party", "thirdparty", "third-party", "external",
        ".build", "build", "dist", "out", "target", "Pods", "Carthage", "DerivedData", ".git",
        "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".gradle", "bower_components",
        "generated", "gen", ".next", "coverage",
    ]
    /// Extensions of files that are never useful as text context.
    public var skippedExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "svg", "pdf", "zip", "gz", "tgz",
        "bz2", "xz", "7z", "tar", "jar", "war", "class", "o", "a", "so", "dylib", "dll", "exe", "bin",
        "wasm", "pyc", "pyo", "gguf", "onnx", "pt", "pth", "safetensors", "npy", "npz", "parquet",
        "ttf", "otf", "woff", "woff2", "eot", "mp3", "mp4", "wav", "ogg", "mov", "avi", "sqlite",
        "db", "lock", "map", "min.js", "min.css", "pbxproj", "xcworkspacedata",
    ]
    /// File names of generated or lock files.
    public var skippedNames: Set<String> = [
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "Package.resolved",
        "Gemfile.lock", "poetry.lock", "go.sum", "composer.lock", ".DS_Store",
    ]
    /// Files larger than this are skipped (they would not fit a small model's context).
    public var maxFileBytes: Int = 256 * 1024

    public init() {}

    /// Whether `path` (relative, `/`-separated) may be read as context.
    ///
    /// Runs once per tracked file (50,000+ times on big repositories), so it walks the UTF-8
    /// view instead of splitting: components are short and compare as small strings without
    /// allocating.
    public func accepts(path: String) -> Bool {
        let utf8 = path.utf8
        var componentStart = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                if skippedDirectories.contains(String(path[componentStart..<index])) { return false }
                componentStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        let name = path[componentStart...]
        if name.isEmpty || skippedNames.contains(String(name)) { return false }
        // Extension(s): "app.min.js" → ["app", "min", "js"].
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, let last = parts.last else { return true }
        let ext = last.lowercased()
        if skippedExtensions.contains(ext) { return false }
        let secondLast = parts[parts.count - 2].lowercased()
        if (secondLast == "min" && (ext == "js" || ext == "css")) || (secondLast == "pb" && (ext == "go" || ext == "swift")) {
            return false
        }
        if parts.dropLast().dropFirst().contains(where: { $0.lowercased() == "generated" }) { return false }
        if ext == "py" && parts[parts.count - 2].hasSuffix("_pb2") { return false }
        return true
    }

    /// Whether the first bytes of a file look like binary data (a NUL byte, as git decides).
    public static func looksBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefix = UnsafeRawBufferPointer(rebasing: bytes.prefix(8000))
        return prefix.contains(0)
    }
}
