import Foundation

/// Renders the prompt template `name` (a `Prompts/NAME.md` file) with `values`: the CLI and
/// tests pass `PromptLibrary.render`, so user overrides in `.takumi/prompts/` apply.
public typealias PromptRenderer = (_ name: String, _ values: [String: Any]) throws -> String
