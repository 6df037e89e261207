import Foundation

/// What may be an edit target beyond the path rules of `RepositoryPath`: tool configuration
/// that runs commands (`.takumi/`, `.pre-commit-config.yaml`, hook directories…) only when the
/// user named it, and never a read-only file (refused the same way wherever it is named).
public enum EditTargetRules {
    public static func check(_ path: String, root: String, namedByUser: Bool) throws {
        if !namedByUser && RepositoryPath.isToolConfiguration(path) {
            throw AgentError.unsafePath(path: path, reason: "it is tool configuration that runs commands; it is edited only when you name it")
        }
        var info = stat()
        let full = (root as NSString).appendingPathComponent(path)
        if lstat(full, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & S_IWUSR == 0 {
            throw AgentError.readOnlyFile(path: path)
        }
    }
}
