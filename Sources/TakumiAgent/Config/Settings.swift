import Foundation

/// Every Takumi setting, for every command, each optional so that layers can be merged:
/// flags > environment (`TAKUMI_*`) > repository `.takumi/config.toml` >
/// user `$XDG_CONFIG_HOME/takumi/config.toml` > `Settings.defaults`.
///
/// The keys, their environment variables and their validation are listed once, in
/// `Settings.keys` (SettingKeys.swift); this type only holds the values and loads the layers.
public struct Settings: Equatable, Sendable {
    public enum FormatChoice: String, Equatable, Sendable, CaseIterable {
        case auto, searchReplace = "search-replace", wholeFile = "whole-file", regions
    }

    // Model and backend
    public var model: String?
    /// An OpenAI-compatible server's base URL (`http://host:port`, with or without `/v1`).
    public var server: String?
    /// The environment variable holding the server's API key (default `TAKUMI_API_KEY`).
    public var apiKeyEnv: String?
    public var prompts: String?
    public var language: MessageLanguage?

    // takumi edit
    public var format: FormatChoice?
    public var attempts: Int?
    public var wholeFileMaxLines: Int?
    public var maxTokens: Int?
    public var temperature: Double?
    public var testCommand: String?
    public var testTimeout: Double?

    // Hooks, review, filter
    public var hookTimeLimit: Double?
    public var reviewBlocks: Bool?
    public var filterTimeLimit: Double?

    public init() {}

    /// The built-in defaults, the only place they are written.
    public static let defaults: Settings = {
        var s = Settings()
        s.format = .auto
        s.attempts = 3
        s.wholeFileMaxLines = 150
        // max_tokens: unset by default (the edit planner sizes the answer's room).
        s.temperature = 0
        s.testTimeout = 300
        s.hookTimeLimit = 10
        s.reviewBlocks = false
        s.filterTimeLimit = 120
        return s
    }()

    /// The variable `TAKUMI_API_KEY` or the one `api_key_env` names.
    public static let defaultAPIKeyVariable = "TAKUMI_API_KEY"

    /// The API key for `server`, read from the environment (nil when unset or empty).
    public func apiKey(environment: [String: String]) -> String? {
        environment[apiKeyEnv ?? Settings.defaultAPIKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `self` with every unset field taken from `lower`.
    public func over(_ lower: Settings) -> Settings {
        var merged = self
        for key in Settings.keys { key.fillUnset(&merged, lower) }
        return merged
    }

    /// Reads a config file's values. Unknown keys come back as warnings naming the file and
    /// the key (a typo must not pass silently, and must not stop a commit either).
    public static func fromConfig(_ values: [String: TOMLValue], file: String) throws -> (Settings, warnings: [String]) {
        var settings = Settings()
        var warnings: [String] = []
        let byName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
        for name in values.keys.sorted() {
            guard let value = values[name] else { continue }
            guard let key = byName[name] else {
                warnings.append("\(file): unknown key '\(name)' ignored")
                continue
            }
            try key.readConfig(value, file, &settings)
        }
        return (settings, warnings)
    }

    /// Reads the `TAKUMI_*` variables; malformed values are errors naming the variable and value.
    public static func fromEnvironment(_ environment: [String: String]) throws -> Settings {
        var settings = Settings()
        for key in keys {
            guard let variable = key.environmentVariable,
                  let text = environment[variable], !text.isEmpty else { continue }
            try key.readEnvironment(text, variable, &settings)
        }
        return settings
    }

    /// The config files, user's first (lower precedence) then the repository's.
    public static func configFiles(repositoryRoot: String?, environment: [String: String]) -> [String] {
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config")
        var files = [configHome + "/takumi/config.toml"]
        if let repositoryRoot {
            let root = repositoryRoot.hasSuffix("/") ? String(repositoryRoot.dropLast()) : repositoryRoot
            files.append(root + "/.takumi/config.toml")
        }
        return files
    }

    /// Loads the user and repository config files and the environment over the defaults, and
    /// lays `flags` (what the command line set) over the result.
    public static func load(repositoryRoot: String?, environment: [String: String],
                            flags: Settings = Settings()) throws -> (Settings, warnings: [String]) {
        var merged = defaults
        var warnings: [String] = []
        for file in configFiles(repositoryRoot: repositoryRoot, environment: environment) {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw AgentError.configSyntax(file: file, line: 1, reason: "the file is not UTF-8")
            }
            let (layer, layerWarnings) = try fromConfig(try TOMLSubset.parse(text, file: file), file: file)
            merged = layer.over(merged)
            warnings += layerWarnings
        }
        merged = try fromEnvironment(environment).over(merged)
        return (flags.over(merged), warnings)
    }
}
