import Foundation

/// Renders the prompt template `name` (a `Prompts/NAME.md` file) with `values`. The CLI
/// passes the prompt library's `render`; tests pass the template text directly.
public typealias PromptRenderer = (_ name: String, _ values: [String: Any]) throws -> String
