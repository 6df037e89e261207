import Foundation

/// One setting: its config key, its environment variable, how a value is validated, and the
/// field it fills. The table `Settings.keys` is the one list of what Takumi can be told.
///
///     model = "qwen2.5-coder-0.5b-instruct"   (TAKUMI_MODEL; NAME, PATH or scripted:FILE)
///     server = "http://gpu-box:8080"          (TAKUMI_SERVER; an OpenAI-compatible server)
///     api_key_env = "MY_KEY_VARIABLE"         (the variable holding the key; default TAKUMI_API_KEY)
///     prompts = "path/to/templates"           (TAKUMI_PROMPTS)
///     lang = "ja"                             (TAKUMI_LANG)
///     [edit]
///     format = "auto"                         (TAKUMI_EDIT_FORMAT; or whole-file, regions, search-replace)
///     attempts = 3                            (TAKUMI_ATTEMPTS)
///     whole_file_max_lines = 150
///     max_tokens = 1536                       (TAKUMI_MAX_TOKENS; unset: 1536, regions answers ~2x the regions)
///     temperature = 0.0                       (first attempt; retries sample warmer)
///     [test]
///     command = "pytest -q"                   (TAKUMI_TEST)
///     timeout = 300                           (TAKUMI_TEST_TIMEOUT, seconds; candidates: at most 10x the baseline run + 60 s)
///     [hooks]
///     time_limit = 10                         (TAKUMI_HOOK_TIME_LIMIT, seconds)
///     [review]
///     block = false                           (TAKUMI_REVIEW_BLOCK)
///     [filter]
///     time_limit = 120                        (TAKUMI_FILTER_TIME_LIMIT, seconds)
public struct SettingKey: Sendable {
    /// The config file key (`edit.attempts` for `[edit] attempts`).
    public let name: String
    public let environmentVariable: String?
    /// Parses and validates a config value into `settings`; `file` names the origin in errors.
    let readConfig: @Sendable (_ value: TOMLValue, _ file: String, _ settings: inout Settings) throws -> Void
    /// Parses and validates an environment value; `variable` names it in errors.
    let readEnvironment: @Sendable (_ text: String, _ variable: String, _ settings: inout Settings) throws -> Void
    /// Sets the field in `target` from `lower` when `target` leaves it unset.
    let fillUnset: @Sendable (_ target: inout Settings, _ lower: Settings) -> Void
}

extension Settings {
    public static let keys: [SettingKey] = [
        .string("model", env: "TAKUMI_MODEL", \.model),
        .string("server", env: "TAKUMI_SERVER", \.server, check: SettingKey.serverURLProblem),
        .string("api_key_env", env: nil, \.apiKeyEnv, check: SettingKey.variableNameProblem),
        .string("prompts", env: "TAKUMI_PROMPTS", \.prompts),
        .choice("lang", env: "TAKUMI_LANG", \.language),
        .choice("edit.format", env: "TAKUMI_EDIT_FORMAT", \.format),
        .integer("edit.attempts", env: "TAKUMI_ATTEMPTS", \.attempts, minimum: 1),
        .integer("edit.whole_file_max_lines", env: nil, \.wholeFileMaxLines, minimum: 0),
        .integer("edit.max_tokens", env: "TAKUMI_MAX_TOKENS", \.maxTokens, minimum: 16),
        .number("edit.temperature", env: nil, \.temperature, minimum: 0, inclusive: true),
        .string("test.command", env: "TAKUMI_TEST", \.testCommand),
        .number("test.timeout", env: "TAKUMI_TEST_TIMEOUT", \.testTimeout, minimum: 1, inclusive: true),
        .number("hooks.time_limit", env: "TAKUMI_HOOK_TIME_LIMIT", \.hookTimeLimit, minimum: 0, inclusive: false),
        .boolean("review.block", env: "TAKUMI_REVIEW_BLOCK", \.reviewBlocks),
        .number("filter.time_limit", env: "TAKUMI_FILTER_TIME_LIMIT", \.filterTimeLimit, minimum: 0, inclusive: false),
    ]
}

extension SettingKey {
    typealias Field<T> = WritableKeyPath<Settings, T?>

    private static func filler<T>(_ field: Field<T>) -> @Sendable (inout Settings, Settings) -> Void {
        nonisolated(unsafe) let field = field
        return { target, lower in
            if target[keyPath: field] == nil { target[keyPath: field] = lower[keyPath: field] }
        }
    }

    /// A string; `check` returns a problem with the value (nil when it is fine).
    static func string(_ name: String, env: String?, _ field: Field<String>,
                       check: @escaping @Sendable (String) -> String? = { _ in nil }) -> SettingKey {
        nonisolated(unsafe) let field = field
        return SettingKey(
            name: name, environmentVariable: env,
            readConfig: { value, file, settings in
                guard case let .string(text) = value else {
                    throw AgentError.configValue(file: file, key: name, reason: "expected a string, found \(value.typeName)")
                }
                if let problem = check(text) { throw AgentError.configValue(file: file, key: name, reason: problem) }
                settings[keyPath: field] = text
            },
            readEnvironment: { text, variable, settings in
                if let problem = check(text) { throw AgentError.configValue(file: "environment", key: variable, reason: problem) }
                settings[keyPath: field] = text
            },
            fillUnset: filler(field))
    }

    /// One of an enumeration's raw values.
    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, env: String?, _ field: Field<T>) -> SettingKey
        where T.RawValue == String {
        nonisolated(unsafe) let field = field
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        return SettingKey(
            name: name, environmentVariable: env,
            readConfig: { value, file, settings in
                guard case let .string(text) = value, let choice = T(rawValue: text) else {
                    throw AgentError.configValue(file: file, key: name, reason: "expected one of \(allowed), found \(describe(value))")
                }
                settings[keyPath: field] = choice
            },
            readEnvironment: { text, variable, settings in
                guard let choice = T(rawValue: text) else {
                    throw AgentError.configValue(file: "environment", key: variable, reason: "expected one of \(allowed), found '\(text)'")
                }
                settings[keyPath: field] = choice
            },
            fillUnset: filler(field))
    }

    static func integer(_ name: String, env: String?, _ field: Field<Int>, minimum: Int) -> SettingKey {
        nonisolated(unsafe) let field = field
        return SettingKey(
            name: name, environmentVariable: env,
            readConfig: { value, file, settings in
                guard case let .integer(number) = value else {
                    throw AgentError.configValue(file: file, key: name, reason: "expected an integer, found \(value.typeName)")
                }
                guard number >= minimum else {
                    throw AgentError.configValue(file: file, key: name, reason: "must be at least \(minimum), found \(number)")
                }
                settings[keyPath: field] = number
            },
            readEnvironment: { text, variable, settings in
                guard let number = Int(text), number >= minimum else {
                    throw AgentError.configValue(file: "environment", key: variable, reason: "expected an integer >= \(minimum), found '\(text)'")
                }
                settings[keyPath: field] = number
            },
            fillUnset: filler(field))
    }

    /// A number (seconds, a temperature): at least `minimum`, or more than it when not `inclusive`.
    static func number(_ name: String, env: String?, _ field: Field<Double>, minimum: Double, inclusive: Bool) -> SettingKey {
        nonisolated(unsafe) let field = field
        let bound = inclusive ? "at least \(minimum)" : "more than \(minimum)"
        let fits: @Sendable (Double) -> Bool = { $0.isFinite && (inclusive ? $0 >= minimum : $0 > minimum) }
        return SettingKey(
            name: name, environmentVariable: env,
            readConfig: { value, file, settings in
                let number: Double
                switch value {
                case let .integer(integer): number = Double(integer)
                case let .float(float): number = float
                default: throw AgentError.configValue(file: file, key: name, reason: "expected a number, found \(value.typeName)")
                }
                guard fits(number) else { throw AgentError.configValue(file: file, key: name, reason: "must be \(bound), found \(number)") }
                settings[keyPath: field] = number
            },
            readEnvironment: { text, variable, settings in
                guard let number = Double(text), fits(number) else {
                    throw AgentError.configValue(file: "environment", key: variable, reason: "expected a number \(bound), found '\(text)'")
                }
                settings[keyPath: field] = number
            },
            fillUnset: filler(field))
    }

    /// `true`/`false` in files; `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off` in the environment.
    static func boolean(_ name: String, env: String?, _ field: Field<Bool>) -> SettingKey {
        nonisolated(unsafe) let field = field
        return SettingKey(
            name: name, environmentVariable: env,
            readConfig: { value, file, settings in
                guard case let .bool(flag) = value else {
                    throw AgentError.configValue(file: file, key: name, reason: "expected true or false, found \(value.typeName)")
                }
                settings[keyPath: field] = flag
            },
            readEnvironment: { text, variable, settings in
                switch text.lowercased() {
                case "1", "true", "yes", "on": settings[keyPath: field] = true
                case "0", "false", "no", "off": settings[keyPath: field] = false
                default: throw AgentError.configValue(file: "environment", key: variable, reason: "expected 1 or 0 (true/false), found '\(text)'")
                }
            },
            fillUnset: filler(field))
    }

    private static func describe(_ value: TOMLValue) -> String {
        if case let .string(text) = value { return "'\(text)'" }
        return value.typeName
    }

    /// A server setting must be an http(s) URL with a host.
    @Sendable static func serverURLProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            return "expected an http:// or https:// URL with a host, found '\(text)'"
        }
        return nil
    }

    /// `api_key_env` names an environment variable.
    @Sendable static func variableNameProblem(_ text: String) -> String? {
        let valid = !text.isEmpty && text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
            && !(text.first?.isNumber ?? true)
        return valid ? nil : "expected an environment variable name (letters, digits, _), found '\(text)'"
    }
}
