import Foundation

/// Settings of `takumi edit`, each optional so that layers can be merged:
/// flags > environment (`TAKUMI_*`) > repository `.takumi/config.toml` >
/// user `$XDG_CONFIG_HOME/takumi/config.toml` > built-in defaults.
///
/// Config file keys (environment variable in parentheses):
///
///     model = "qwen2.5-coder-0.5b-instruct"   (TAKUMI_MODEL)
///     prompts = "path/to/prompts"             (TAKUMI_PROMPTS)
///     [edit]
///     format = "auto" | "search-replace" | "whole-file"   (TAKUMI_EDIT_FORMAT)
///     attempts = 3                            (TAKUMI_ATTEMPTS)
///     whole_file_max_lines = 150              (auto: whole-file up to this many lines)
///     max_tokens = 1536                       (TAKUMI_MAX_TOKENS)
///     temperature = 0.0                       (first attempt; retries sample at 0.7 or higher)
///     [test]
///     command = "pytest -q"                   (TAKUMI_TEST)
///     timeout = 300                           (TAKUMI_TEST_TIMEOUT, seconds)
public struct EditSettings: Equatable, Sendable {
    public enum FormatChoice: String, Equatable, Sendable { case auto, searchReplace = "search-replace", wholeFile = "whole-file", regions }

    public var model: String?
    public var prompts: String?
    public var format: FormatChoice?
    public var attempts: Int?
    public var wholeFileMaxLines: Int?
    public var maxTokens: Int?
    public var temperature: Double?
    public var testCommand: String?
    public var testTimeout: Double?

    public init() {}

    public static let defaults: EditSettings = {
        var s = EditSettings()
        s.format = .auto
        s.attempts = 3
        s.wholeFileMaxLines = 150
        s.maxTokens = 1536
        s.temperature = 0
        s.testTimeout = 300
        return s
    }()

    /// `self` with every unset field taken from `lower`.
    public func over(_ lower: EditSettings) -> EditSettings {
        var r = self
        r.model = model ?? lower.model
        r.prompts = prompts ?? lower.prompts
        r.format = format ?? lower.format
        r.attempts = attempts ?? lower.attempts
        r.wholeFileMaxLines = wholeFileMaxLines ?? lower.wholeFileMaxLines
        r.maxTokens = maxTokens ?? lower.maxTokens
        r.temperature = temperature ?? lower.temperature
        r.testCommand = testCommand ?? lower.testCommand
        r.testTimeout = testTimeout ?? lower.testTimeout
        return r
    }

    /// Reads a config file's values (unknown keys are returned as warnings, not errors, so
    /// that other commands' keys can live in the same file).
    public static func fromConfig(_ values: [String: TOMLValue], file: String) throws -> (EditSettings, warnings: [String]) {
        var s = EditSettings()
        var warnings: [String] = []
        func string(_ key: String) throws -> String? {
            guard let v = values[key] else { return nil }
            guard case let .string(x) = v else { throw AgentError.configValue(file: file, key: key, reason: "expected a string, found \(v.typeName)") }
            return x
        }
        func int(_ key: String, min: Int) throws -> Int? {
            guard let v = values[key] else { return nil }
            guard case let .integer(x) = v else { throw AgentError.configValue(file: file, key: key, reason: "expected an integer, found \(v.typeName)") }
            guard x >= min else { throw AgentError.configValue(file: file, key: key, reason: "must be at least \(min), found \(x)") }
            return x
        }
        func number(_ key: String, min: Double) throws -> Double? {
            guard let v = values[key] else { return nil }
            let x: Double
            switch v {
            case let .integer(i): x = Double(i)
            case let .float(f): x = f
            default: throw AgentError.configValue(file: file, key: key, reason: "expected a number, found \(v.typeName)")
            }
            guard x >= min else { throw AgentError.configValue(file: file, key: key, reason: "must be at least \(min), found \(x)") }
            return x
        }
        s.model = try string("model")
        s.prompts = try string("prompts")
        if let f = try string("edit.format") {
            guard let choice = FormatChoice(rawValue: f) else {
                throw AgentError.configValue(file: file, key: "edit.format", reason: "'\(f)' is not one of auto, search-replace, whole-file, regions")
            }
            s.format = choice
        }
        s.attempts = try int("edit.attempts", min: 1)
        s.wholeFileMaxLines = try int("edit.whole_file_max_lines", min: 0)
        s.maxTokens = try int("edit.max_tokens", min: 16)
        s.temperature = try number("edit.temperature", min: 0)
        s.testCommand = try string("test.command")
        s.testTimeout = try number("test.timeout", min: 1)
        let known: Set<String> = ["model", "prompts", "edit.format", "edit.attempts", "edit.whole_file_max_lines",
                                  "edit.max_tokens", "edit.temperature", "test.command", "test.timeout"]
        for key in values.keys.sorted() where !known.contains(key) && (key.hasPrefix("edit.") || key.hasPrefix("test.")) {
            warnings.append("\(file): unknown key '\(key)' ignored")
        }
        return (s, warnings)
    }

    /// Reads `TAKUMI_*` variables; malformed values are errors naming the variable.
    public static func fromEnvironment(_ env: [String: String]) throws -> EditSettings {
        var s = EditSettings()
        let origin = "environment"
        func nonEmpty(_ k: String) -> String? { env[k].flatMap { $0.isEmpty ? nil : $0 } }
        s.model = nonEmpty("TAKUMI_MODEL")
        s.prompts = nonEmpty("TAKUMI_PROMPTS")
        if let f = nonEmpty("TAKUMI_EDIT_FORMAT") {
            guard let c = FormatChoice(rawValue: f) else {
                throw AgentError.configValue(file: origin, key: "TAKUMI_EDIT_FORMAT", reason: "'\(f)' is not one of auto, search-replace, whole-file, regions")
            }
            s.format = c
        }
        if let a = nonEmpty("TAKUMI_ATTEMPTS") {
            guard let n = Int(a), n >= 1 else { throw AgentError.configValue(file: origin, key: "TAKUMI_ATTEMPTS", reason: "'\(a)' is not a positive integer") }
            s.attempts = n
        }
        if let m = nonEmpty("TAKUMI_MAX_TOKENS") {
            guard let n = Int(m), n >= 16 else { throw AgentError.configValue(file: origin, key: "TAKUMI_MAX_TOKENS", reason: "'\(m)' is not an integer >= 16") }
            s.maxTokens = n
        }
        s.testCommand = nonEmpty("TAKUMI_TEST")
        if let t = nonEmpty("TAKUMI_TEST_TIMEOUT") {
            guard let x = Double(t), x >= 1 else { throw AgentError.configValue(file: origin, key: "TAKUMI_TEST_TIMEOUT", reason: "'\(t)' is not a number of seconds >= 1") }
            s.testTimeout = x
        }
        return s
    }

    /// Loads and merges the user and repository config files and the environment.
    /// `flags` are laid over the result by the caller's choice of what it sets.
    public static func load(repositoryRoot: String?, environment: [String: String], flags: EditSettings) throws -> (EditSettings, warnings: [String]) {
        var warnings: [String] = []
        var layers: [EditSettings] = []
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { $0 + "/.config" } ?? NSHomeDirectory() + "/.config")
        var files = [xdg + "/takumi/config.toml"]
        if let repositoryRoot { files.append(repositoryRoot + "/.takumi/config.toml") }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw AgentError.configSyntax(file: file, line: 1, reason: "the file is not UTF-8")
            }
            let (s, w) = try fromConfig(try TOMLSubset.parse(text, file: file), file: file)
            layers.append(s)
            warnings += w
        }
        var merged = defaults
        for layer in layers { merged = layer.over(merged) }
        merged = try fromEnvironment(environment).over(merged)
        return (flags.over(merged), warnings)
    }
}
