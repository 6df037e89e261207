import Foundation

/// Checks that a path named by the model stays inside the repository.
public enum RepositoryPath {
    /// Returns the normalized repository-relative path, or throws `unsafePath`.
    /// Refused: empty, absolute or `~` paths, NUL bytes, `..` leaving the root, anything inside
    /// `.git`, and paths whose existing parent directories resolve (through symlinks) outside.
    public static func validate(_ raw: String, root: String) throws -> String {
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
            default: parts.append(part)
            }
        }
        guard !parts.isEmpty else { throw AgentError.unsafePath(path: raw, reason: "it names the repository root") }
        if parts[0] == ".git" { throw AgentError.unsafePath(path: raw, reason: "files inside .git are never edited") }
        let relative = parts.joined(separator: "/")

        // Symlinked directories could point outside: resolve the deepest existing ancestor.
        let rootResolved = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        var probe = (root as NSString).appendingPathComponent(relative)
        let fm = FileManager.default
        if let dest = try? fm.destinationOfSymbolicLink(atPath: probe) {
            let target = dest.hasPrefix("/") ? dest : ((probe as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dest)
            let resolved = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath().path
            if !(resolved == rootResolved || resolved.hasPrefix(rootResolved + "/")) {
                throw AgentError.unsafePath(path: raw, reason: "it is a symbolic link to \(dest), outside the repository")
            }
        }
        probe = (probe as NSString).deletingLastPathComponent
        while !fm.fileExists(atPath: probe) { probe = (probe as NSString).deletingLastPathComponent }
        let resolved = URL(fileURLWithPath: probe).resolvingSymlinksInPath().path
        guard resolved == rootResolved || resolved.hasPrefix(rootResolved + "/") else {
            throw AgentError.unsafePath(path: raw, reason: "its directory resolves to \(resolved), outside the repository")
        }
        return relative
    }
}
