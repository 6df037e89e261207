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
    public func accepts(path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let name = components.last else { return false }
        for directory in components.dropLast() where skippedDirectories.contains(String(directory)) { return false }
        if skippedNames.contains(String(name)) { return false }
        let lower = name.lowercased()
        if lower.hasSuffix(".min.js") || lower.hasSuffix(".min.css") || lower.contains(".generated.")
            || lower.hasSuffix(".pb.go") || lower.hasSuffix("_pb2.py") || lower.hasSuffix(".pb.swift") { return false }
        if let dot = lower.lastIndex(of: "."), skippedExtensions.contains(String(lower[lower.index(after: dot)...])) {
            return false
        }
        return true
    }

    /// Whether the first bytes of a file look like binary data (a NUL byte, as git decides).
    public static func looksBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefix = UnsafeRawBufferPointer(rebasing: bytes.prefix(8000))
        return prefix.contains(0)
    }
}
