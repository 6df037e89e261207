import Foundation

/// Settings of the hooks, `commit-message`, `review`, `filter` and `complete`, merged like
/// every Takumi setting: flags (applied by the caller) > environment (`TAKUMI_*`) >
/// `<repo>/.takumi/config.toml` > `$XDG_CONFIG_HOME/takumi/config.toml`.
///
///     model = "qwen2.5-coder-0.5b-instruct"   (TAKUMI_MODEL)
///     prompts = "path/to/prompts"             (TAKUMI_PROMPTS)
///     lang = "ja"                             (TAKUMI_LANG; default: the repository's history)
///     [hooks]
///     time_limit = 10                         (TAKUMI_HOOK_TIME_LIMIT, seconds)
///     [review]
///     block = false                           (TAKUMI_REVIEW_BLOCK=1: pre-commit blocks on findings)
///     [filter]
///     time_limit = 120                        (TAKUMI_FILTER_TIME_LIMIT, seconds)
public struct AssistSettings: Equatable, Sendable {
    public var model: String?
    public var prompts: String?
    public var language: MessageLanguage?
    public var hookTimeLimit: Double?
    public var reviewBlocks: Bool?
    public var filterTimeLimit: Double?

    public init() {}

    public static let defaults: AssistSettings = {
        var settings = AssistSettings()
        settings.hookTimeLimit = 10
        settings.reviewBlocks = false
        settings.filterTimeLimit = 120
        return settings
    }()

    /// `self` with every unset field taken from `lower`.
    public func over(_ lower: AssistSettings) -> AssistSettings {
        var merged = self
        merged.model = model ?? lower.model
        merged.prompts = prompts ?? lower.prompts
        merged.language = language ?? lower.language
        merged.hookTimeLimit = hookTimeLimit ?? lower.hookTimeLimit
        merged.reviewBlocks = reviewBlocks ?? lower.reviewBlocks
        merged.filterTimeLimit = filterTimeLimit ?? lower.filterTimeLimit
        return merged
    }

    public static func fromConfig(_ values: [String: TOMLValue], file: String) throws -> AssistSettings {
        var settings = AssistSettings()
        if case let .string(model)? = values["model"] { settings.model = model }
        if case let .string(prompts)? = values["prompts"] { settings.prompts = prompts }
        if let value = values["lang"] {
            guard case let .string(text) = value, let language = MessageLanguage(rawValue: text) else {
                throw AgentError.configValue(file: file, key: "lang", reason: "expected \"ja\" or \"en\", found \(value)")
            }
            settings.language = language
        }
        settings.hookTimeLimit = try seconds(values["hooks.time_limit"], key: "hooks.time_limit", file: file)
        settings.filterTimeLimit = try seconds(values["filter.time_limit"], key: "filter.time_limit", file: file)
        if let value = values["review.block"] {
            guard case let .bool(block) = value else {
                throw AgentError.configValue(file: file, key: "review.block", reason: "expected true or false, found \(value.typeName)")
            }
            settings.reviewBlocks = block
        }
        return settings
    }

    private static func seconds(_ value: TOMLValue?, key: String, file: String) throws -> Double? {
        guard let value else { return nil }
        let number: Double
        switch value {
        case let .integer(integer): number = Double(integer)
        case let .float(float): number = float
        default: throw AgentError.configValue(file: file, key: key, reason: "expected seconds, found \(value.typeName)")
        }
        guard number > 0 else { throw AgentError.configValue(file: file, key: key, reason: "must be more than 0, found \(number)") }
        return number
    }

    /// Reads `TAKUMI_*` variables; malformed values are errors naming the variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> AssistSettings {
        var settings = AssistSettings()
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        func seconds(_ key: String) throws -> Double? {
            guard let text = nonEmpty(key) else { return nil }
            guard let value = Double(text), value > 0 else {
                throw AgentError.configValue(file: "environment", key: key, reason: "expected seconds (> 0), found '\(text)'")
            }
            return value
        }
        settings.model = nonEmpty("TAKUMI_MODEL")
        settings.prompts = nonEmpty("TAKUMI_PROMPTS")
        if let text = nonEmpty("TAKUMI_LANG") {
            guard let language = MessageLanguage(rawValue: text) else {
                throw AgentError.configValue(file: "environment", key: "TAKUMI_LANG", reason: "expected ja or en, found '\(text)'")
            }
            settings.language = language
        }
        settings.hookTimeLimit = try seconds("TAKUMI_HOOK_TIME_LIMIT")
        settings.filterTimeLimit = try seconds("TAKUMI_FILTER_TIME_LIMIT")
        if let text = nonEmpty("TAKUMI_REVIEW_BLOCK") { settings.reviewBlocks = text == "1" || text == "true" }
        return settings
    }

    /// The user's and the repository's config files, then the environment, over the defaults.
    public static func load(repositoryRoot: String?, environment: [String: String]) throws -> AssistSettings {
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        var files = [xdg + "/takumi/config.toml"]
        if let repositoryRoot { files.append(repositoryRoot + "/.takumi/config.toml") }
        var merged = defaults
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw AgentError.configSyntax(file: file, line: 1, reason: "the file is not UTF-8")
            }
            merged = try fromConfig(try TOMLSubset.parse(text, file: file), file: file).over(merged)
        }
        return try fromEnvironment(environment).over(merged)
    }
}
