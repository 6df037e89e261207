import Foundation

/// Installs, removes and inspects Takumi's git hooks in one hooks directory.
///
/// A hook that was there before (another tool's, the user's own) is never replaced: it is
/// renamed to `NAME.pre-takumi`, our script runs it first and keeps its decision, and
/// `uninstall` renames it back. A hook file carrying `HookScript.marker` is ours, so a second
/// install only refreshes it (never chains ours behind ours). Hooks are moved with rename(2),
/// so a backup is the very file (bytes, mode, a link as a link) and comes back as it was.
public struct HookInstaller: Sendable {
    public enum InstallOutcome: Equatable, Sendable {
        case installed
        /// Installed; the hook that was there runs first (kept at `chainedPath`).
        case installedChaining(chainedPath: String)
        /// Ours was already there; `refreshed` when its text was out of date and rewritten.
        case alreadyInstalled(refreshed: Bool)
    }

    public enum UninstallOutcome: Equatable, Sendable {
        case removed
        /// Removed, and the hook that was there before is back in place.
        case removedRestoring(restoredPath: String)
        /// No Takumi hook was installed (a foreign hook, if any, was left untouched).
        case notInstalled
    }

    public enum Status: Equatable, Sendable, Codable {
        case notInstalled
        /// Another program's hook is there, not ours.
        case foreign
        /// Ours; `chained` when a previous hook runs first.
        case installed(chained: Bool)
    }

    /// Absolute path of the hooks directory git uses (core.hooksPath honored).
    public let hooksDirectory: String
    /// Absolute path of the takumi executable the scripts call.
    public let takumiPath: String

    public init(hooksDirectory: String, takumiPath: String) {
        self.hooksDirectory = hooksDirectory
        self.takumiPath = takumiPath
    }

    public func hookPath(_ kind: GitHookKind) -> String {
        (hooksDirectory as NSString).appendingPathComponent(kind.rawValue)
    }

    public func chainedPath(_ kind: GitHookKind) -> String {
        (hooksDirectory as NSString).appendingPathComponent(kind.chainedFileName)
    }

    public func status(_ kind: GitHookKind) -> Status {
        guard exists(hookPath(kind)) else { return .notInstalled }
        return isOurs(hookPath(kind)) ? .installed(chained: exists(chainedPath(kind))) : .foreign
    }

    /// Ours only by content, in a regular file of its own: a symbolic link is the user's
    /// (even one pointing at our script — `ln -s prepare-commit-msg pre-commit`), kept and
    /// restored as a link.
    private func isOurs(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
              let text = readText(path) else { return false }
        return HookScript.isTakumiHook(text)
    }

    @discardableResult
    public func install(_ kind: GitHookKind) throws -> InstallOutcome {
        let path = hookPath(kind)
        let script = HookScript.render(kind: kind, takumiPath: takumiPath)
        try createDirectoryIfNeeded()
        switch status(kind) {
        case .installed:
            if readText(path) == script && isExecutable(path) { return .alreadyInstalled(refreshed: false) }
            try writeScript(script, to: path)
            return .alreadyInstalled(refreshed: true)
        case .foreign:
            let backup = chainedPath(kind)
            if exists(backup) { throw AgentError.hookConflict(hook: path, existingBackup: backup) }
            try move(path, to: backup)
            do {
                try writeScript(script, to: path)
            } catch {
                try? move(backup, to: path)  // put the user's hook back before reporting
                throw error
            }
            return .installedChaining(chainedPath: backup)
        case .notInstalled:
            try writeScript(script, to: path)
            return .installed
        }
    }

    @discardableResult
    public func uninstall(_ kind: GitHookKind) throws -> UninstallOutcome {
        guard case .installed = status(kind) else { return .notInstalled }
        let path = hookPath(kind)
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw AgentError.hookFileError(path: path, reason: error.localizedDescription)
        }
        let backup = chainedPath(kind)
        guard exists(backup) else { return .removed }
        try move(backup, to: path)
        return .removedRestoring(restoredPath: path)
    }

    // MARK: - File system

    /// True also for a dangling symlink: a hook slot that is taken, even if broken.
    private func exists(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)) != nil
    }

    private func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }

    private func createDirectoryIfNeeded() throws {
        do {
            try FileManager.default.createDirectory(atPath: hooksDirectory, withIntermediateDirectories: true)
        } catch {
            throw AgentError.hookFileError(path: hooksDirectory, reason: error.localizedDescription)
        }
    }

    /// Writes through a temporary file and a rename, so git never runs a half-written hook.
    private func writeScript(_ script: String, to path: String) throws {
        let temporary = path + ".takumi-tmp"
        do {
            try Data(script.utf8).write(to: URL(fileURLWithPath: temporary))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
            if rename(temporary, path) != 0 {
                throw AgentError.hookFileError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch let error as AgentError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AgentError.hookFileError(path: path, reason: error.localizedDescription)
        }
    }

    private func move(_ source: String, to destination: String) throws {
        if rename(source, destination) != 0 {
            throw AgentError.hookFileError(
                path: source, reason: "cannot rename to \(destination): \(String(cString: strerror(errno)))")
        }
    }
}
