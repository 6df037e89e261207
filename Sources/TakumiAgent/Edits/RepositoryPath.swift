import Foundation

/// The path rules for every file takumi writes: paths named by the model, by the user and by
/// an undo record all pass through `validate` before anything is read for writing.
public enum RepositoryPath {
    /// Tool configuration that makes other programs run commands (takumi's own test command,
    /// pre-commit, git hook directories, direnv): never an edit target unless the user names it.
    public static let toolConfigurationPaths: [String] = [
        ".takumi", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", ".githooks", ".husky", ".envrc",
        ".gitmodules", ".gitattributes",
    ]

    /// Returns the normalized repository-relative path, or throws `unsafePath`.
    /// Refused: empty, absolute or `~` paths, NUL bytes, `..` leaving the root, a `.git`
    /// component anywhere (nested repositories and submodules included), a path inside a
    /// submodule or nested repository, a symbolic link as the file itself, and any existing
    /// component that resolves (through symlinks) outside the root or into a `.git` directory.
    public static func validate(_ raw: String, root: String) throws -> String {
        let relative = try normalize(raw)
        let fm = FileManager.default
        let rootResolved = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        let parts = relative.split(separator: "/").map(String.init)
        var current = rootResolved
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            let probe = (current as NSString).appendingPathComponent(part)
            var info = stat()
            guard lstat(probe, &info) == 0 else { break }  // the rest does not exist yet
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                let target = (try? fm.destinationOfSymbolicLink(atPath: probe)) ?? "?"
                if isLast {
                    throw AgentError.unsafePath(path: raw, reason: "it is a symbolic link (to \(target)); name the file it points to instead")
                }
                let resolved = URL(fileURLWithPath: probe).resolvingSymlinksInPath().path
                try checkInside(resolved, rootResolved: rootResolved, raw: raw, what: "its directory \(parts[0...index].joined(separator: "/")) is a symbolic link to \(target)")
                current = resolved
            } else {
                current = probe
            }
            if !isLast, type == S_IFDIR || type == S_IFLNK,
               (try? fm.attributesOfItem(atPath: (current as NSString).appendingPathComponent(".git"))) != nil {
                throw AgentError.unsafePath(path: raw, reason: "\(parts[0...index].joined(separator: "/")) is a submodule or nested repository; run takumi inside it")
            }
        }
        return relative
    }

    /// The purely lexical rules (no file system access): the normalized relative path.
    public static func normalize(_ raw: String) throws -> String {
        guard !raw.isEmpty else { throw AgentError.unsafePath(path: raw, reason: "empty path") }
        guard !raw.contains("\0") else { throw AgentError.unsafePath(path: raw, reason: "contains a NUL byte") }
        guard !raw.hasPrefix("/"), !raw.hasPrefix("~"), !raw.hasPrefix("\\") else {
            throw AgentError.unsafePath(path: raw, reason: "absolute paths are not allowed; use a path relative to the repository root")
        }
        var parts: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { throw AgentError.unsafePath(path: raw, reason: "it leaves the repository") }
                parts.removeLast()
            default:
                // Case-insensitively, and with the trailing dots/spaces some file systems drop.
                if isGitDirectoryName(part) {
                    throw AgentError.unsafePath(path: raw, reason: "files inside .git are never edited")
                }
                parts.append(part)
            }
        }
        guard !parts.isEmpty else { throw AgentError.unsafePath(path: raw, reason: "it names the repository root") }
        return parts.joined(separator: "/")
    }

    /// True when a normalized relative path is tool configuration (see `toolConfigurationPaths`)
    /// or lies in the repository's configured hooks directory.
    public static func isToolConfiguration(_ relative: String, hooksDirectory: String? = nil) -> Bool {
        let lowered = relative.lowercased()
        var prefixes = toolConfigurationPaths.map { $0.lowercased() }
        if let hooksDirectory, !hooksDirectory.isEmpty { prefixes.append(hooksDirectory.lowercased()) }
        return prefixes.contains { lowered == $0 || lowered.hasPrefix($0 + "/") }
    }

    static func isGitDirectoryName(_ part: String) -> Bool {
        var name = part.lowercased()
        while let last = name.last, last == "." || last == " " { name.removeLast() }
        return name == ".git" || name.hasPrefix(".git:")
    }

    private static func checkInside(_ resolved: String, rootResolved: String, raw: String, what: String) throws {
        guard resolved == rootResolved || resolved.hasPrefix(rootResolved + "/") else {
            throw AgentError.unsafePath(path: raw, reason: "\(what), outside the repository")
        }
        let inner = resolved.dropFirst(rootResolved.count).split(separator: "/").map(String.init)
        if inner.contains(where: isGitDirectoryName) {
            throw AgentError.unsafePath(path: raw, reason: "\(what), inside .git")
        }
    }
}
