import Foundation
import Mustache

/// Finds prompt templates (`NAME.md` files) and renders them with Mustache.
///
/// Lookup is per file, first hit wins, so a user can override one template and keep the rest:
/// 1. `--prompts DIR` (`explicitDirectory`)
/// 2. `$TAKUMI_PROMPTS`
/// 3. `<repo>/.takumi/prompts/`
/// 4. the installed copy, found relative to the executable:
///    `<exe dir>/../../Prompts` (a `.build/<config>/takumi` build), `<exe dir>/../share/takumi/Prompts`
///    (an install under a prefix).
///
/// Templates are rendered as plain text: the `TEXT` content type is declared before every
/// template, because Mustache's default (HTML) would turn `<` into `&lt;` inside code.
public struct PromptLibrary: Sendable {
    /// Directories searched, in order.
    public let directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    public init(explicitDirectory: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                repositoryRoot: String? = nil,
                executablePath: String? = PromptLibrary.currentExecutablePath()) {
        var dirs: [String] = []
        if let explicitDirectory, !explicitDirectory.isEmpty { dirs.append(explicitDirectory) }
        if let env = environment["TAKUMI_PROMPTS"], !env.isEmpty { dirs.append(env) }
        if let repositoryRoot { dirs.append((repositoryRoot as NSString).appendingPathComponent(".takumi/prompts")) }
        dirs.append(contentsOf: PromptLibrary.installedDirectories(executablePath: executablePath))
        self.directories = dirs
    }

    /// Candidate installed copies for an executable path. Both the path as invoked and the
    /// symlink-resolved one are tried: `.build/release` is a symlink to `.build/<triple>/release`.
    public static func installedDirectories(executablePath: String?) -> [String] {
        guard let executablePath else { return [] }
        var exeDirs: [String] = []
        let invoked = (executablePath as NSString).deletingLastPathComponent
        exeDirs.append(invoked)
        let resolved = ((executablePath as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        if resolved != invoked { exeDirs.append(resolved) }
        var result: [String] = []
        for dir in exeDirs {
            for relative in ["../../Prompts", "../../../Prompts", "../share/takumi/Prompts"] {
                let candidate = ((dir as NSString).appendingPathComponent(relative) as NSString).standardizingPath
                if !result.contains(candidate) { result.append(candidate) }
            }
        }
        return result
    }

    public static func currentExecutablePath() -> String? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first
    }

    /// The path of the template file that will be used for `name`.
    public func templatePath(_ name: String) throws -> String {
        for dir in directories {
            let path = (dir as NSString).appendingPathComponent(name + ".md")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                return path
            }
        }
        throw AgentError.templateNotFound(name: name, searched: directories)
    }

    /// Renders template `name` with `values` (dictionaries, arrays, strings, numbers, bools).
    public func render(_ name: String, _ values: [String: Any]) throws -> String {
        let path = try templatePath(name)
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw AgentError.templateInvalid(path: path, reason: "cannot read it as UTF-8")
        }
        return try PromptLibrary.render(templateText: text, values, path: path)
    }

    /// Renders template text (exposed for tests and for templates kept in memory).
    public static func render(templateText: String, _ values: [String: Any], path: String = "<text>") throws -> String {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + templateText)
        } catch let error as MustacheTemplate.ParserError {
            // File and line, not the parser's internal dump.
            let line = error.context.line.trimmingCharacters(in: .whitespaces)
            throw AgentError.templateInvalid(path: path, reason: "line \(error.context.lineNumber): \(error.error) in '\(line.replacingOccurrences(of: "{{% CONTENT_TYPE: TEXT}}", with: ""))'")
        } catch {
            throw AgentError.templateInvalid(path: path, reason: "\(error)")
        }
        return template.render(values)
    }
}
