import Foundation
import Mustache

/// Renders the prompt template `name` (a `Prompts/NAME.md` file) with `values`. The CLI
/// passes the prompt library's `render`; tests pass the repository's templates directly.
public typealias PromptRenderer = (_ name: String, _ values: [String: Any]) throws -> String

/// Renders one template file as plain text (Mustache's default would HTML-escape `<` in code).
public enum PromptTemplateFile {
    public static func render(path: String, _ values: [String: Any]) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IntegrationError.fileNotReadable(path: path, reason: "no such template")
        }
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + String(decoding: data, as: UTF8.self))
        } catch {
            throw IntegrationError.fileNotReadable(path: path, reason: "invalid template: \(error)")
        }
        return template.render(values)
    }

    /// A renderer reading `NAME.md` from the first of `directories` that has it.
    public static func renderer(searching directories: [String]) -> PromptRenderer {
        return { name, values in
            for directory in directories {
                let path = (directory as NSString).appendingPathComponent(name + ".md")
                if FileManager.default.fileExists(atPath: path) { return try render(path: path, values) }
            }
            throw IntegrationError.fileNotReadable(
                path: name + ".md", reason: "template not found in \(directories.joined(separator: ", "))")
        }
    }
}
