import Foundation
import Mustache

/// Finds prompt templates (`NAME.md` files) and renders them with Mustache.
///
/// Lookup is per file, first hit wins, so a user can override one template and keep the rest.
/// Only places the user controls are searched, then the built-in copies:
/// 1. `--prompts DIR` (`explicitDirectory`)
/// 2. `$TAKUMI_PROMPTS`
/// 3. `<repo>/.takumi/prompts/`
/// 4. `$XDG_CONFIG_HOME/takumi/prompts/` (default `~/.config/takumi/prompts/`)
/// 5. `<prefix>/share/takumi/Prompts` of an installed binary (`<prefix>/bin/takumi`, links
///    resolved), so an admin's site-wide edits apply
/// 6. the defaults built into the binary (`BuiltinPrompts`, generated from `Prompts/`).
///
/// Nothing is looked up relative to where the binary merely sits: a binary in `/tmp/x/bin`
/// must not read templates from `/tmp/Prompts`, which anyone can write. For the same reason
/// the installed share directory counts only when it is not writable by others.
///
/// Templates are rendered as plain text: the `TEXT` content type is declared before every
/// template, because Mustache's default (HTML) would turn `<` into `&lt;` inside code.
public struct PromptLibrary: Sendable {
    /// Directories searched, in order, before the built-in copies.
    public let directories: [String]
    /// Whether the built-in copies answer when no directory has the template.
    public let useBuiltins: Bool

    public init(directories: [String], useBuiltins: Bool = true) {
        self.directories = directories
        self.useBuiltins = useBuiltins
    }

    public init(explicitDirectory: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                repositoryRoot: String? = nil,
                executablePath: String? = PromptLibrary.currentExecutablePath()) {
        var dirs: [String] = []
        if let explicitDirectory, !explicitDirectory.isEmpty { dirs.append(explicitDirectory) }
        if let env = environment["TAKUMI_PROMPTS"], !env.isEmpty { dirs.append(env) }
        if let repositoryRoot { dirs.append((repositoryRoot as NSString).appendingPathComponent(".takumi/prompts")) }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config")
        dirs.append(configHome + "/takumi/prompts")
        if let installed = PromptLibrary.installedDirectory(executablePath: executablePath) { dirs.append(installed) }
        self.init(directories: dirs)
    }

    /// `<prefix>/share/takumi/Prompts` for a binary at `<prefix>/bin/takumi` (links resolved),
    /// when that directory exists and only its owner can write it (and its parents).
    public static func installedDirectory(executablePath: String?) -> String? {
        guard let executablePath else { return nil }
        let binary = (executablePath as NSString).resolvingSymlinksInPath
        let bin = (binary as NSString).deletingLastPathComponent
        guard (bin as NSString).lastPathComponent == "bin" else { return nil }
        let prefix = (bin as NSString).deletingLastPathComponent
        let share = (prefix as NSString).appendingPathComponent("share/takumi/Prompts")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: share, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        var path = share
        while path.count > prefix.count {
            guard !writableByOthers(path) else { return nil }
            path = (path as NSString).deletingLastPathComponent
        }
        return share
    }

    private static func writableByOthers(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return true }
        return info.st_mode & (S_IWGRP | S_IWOTH) != 0
    }

    public static func currentExecutablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first
    }

    /// Where template `name` comes from: a file path, or `builtin:NAME`.
    public func templateSource(_ name: String) throws -> (origin: String, text: String) {
        for dir in directories {
            let path = (dir as NSString).appendingPathComponent(name + ".md")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw AgentError.templateInvalid(path: path, reason: "cannot read it as UTF-8")
            }
            return (path, text)
        }
        if useBuiltins, let text = BuiltinPrompts.templates[name] { return ("builtin:\(name)", text) }
        throw AgentError.templateNotFound(name: name, searched: directories + (useBuiltins ? ["built-in templates"] : []))
    }

    /// The names of the built-in templates (the files of `Prompts/`).
    public static var builtinTemplates: [String: String] { BuiltinPrompts.templates }

    /// Renders template `name` with `values` (dictionaries, arrays, strings, numbers, bools).
    public func render(_ name: String, _ values: [String: Any]) throws -> String {
        let (origin, text) = try templateSource(name)
        return try PromptLibrary.render(templateText: text, values, path: origin)
    }

    /// Renders template text (exposed for tests and for templates kept in memory).
    public static func render(templateText: String, _ values: [String: Any], path: String = "<text>") throws -> String {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + templateText)
        } catch {
            throw AgentError.templateInvalid(path: path, reason: "\(error)")
        }
        return template.render(values)
    }
}
