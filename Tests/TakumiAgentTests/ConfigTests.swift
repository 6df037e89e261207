import Foundation
import Testing
import TakumiAgent

@Suite struct TOMLSubsetTests {
    @Test func parsesTablesAndValueTypes() throws {
        let text = """
        # comment
        model = "qwen" # trailing comment
        title = 'lit\\eral'
        [edit]
        attempts = 1_0
        temperature = 0.5
        on = true
        "quoted key" = "a\\tb\\u00e9 # not a comment"
        [test]
        command = "make test"
        args = ["-q",
                "--maxfail=1", ]
        dotted.key = -3
        """
        let v = try TOMLSubset.parse(text, file: "c.toml")
        #expect(v["model"] == .string("qwen"))
        #expect(v["title"] == .string("lit\\eral"))
        #expect(v["edit.attempts"] == .integer(10))
        #expect(v["edit.temperature"] == .float(0.5))
        #expect(v["edit.on"] == .bool(true))
        #expect(v["edit.quoted key"] == .string("a\tbé # not a comment"))
        #expect(v["test.args"] == .stringArray(["-q", "--maxfail=1"]))
        #expect(v["test.dotted.key"] == .integer(-3))
    }

    @Test(arguments: [
        ("a = \"open", 1, "unterminated"),
        ("ok = 1\nb = bare", 2, "strings need quotes"),
        ("[edit\nx = 1", 1, "closing"),
        ("x = 1\nx = 2", 2, "twice"),
        ("x = {a = 1}", 1, "inline tables"),
        ("x = [1, 2]", 1, "only hold strings"),
        ("just words", 1, "key = value"),
        ("[[t]]", 1, "arrays of tables"),
        ("s = \"bad \\q\"", 1, "unknown escape"),
    ])
    func errorsNameTheLine(text: String, line: Int, fragment: String) {
        #expect { try TOMLSubset.parse(text, file: "f.toml") } throws: { error in
            guard case let .configSyntax(file, l, reason) = error as? AgentError else { return false }
            return file == "f.toml" && l == line && reason.contains(fragment)
        }
    }
}

@Suite struct SettingsTests {
    @Test func precedenceFlagsOverEnvOverRepoOverUser() throws {
        let home = try TempDir(), repo = try TempDir()
        try home.write("takumi/config.toml", "model = \"user-model\"\nlang = \"en\"\n[edit]\nattempts = 5\nformat = \"whole-file\"\n[test]\ntimeout = 10\n[hooks]\ntime_limit = 20\n[review]\nblock = true\n")
        try repo.write(".takumi/config.toml", "lang = \"ja\"\n[edit]\nattempts = 4\n[test]\ncommand = \"make check\"\n[filter]\ntime_limit = 60\n")
        let env = ["XDG_CONFIG_HOME": home.path, "TAKUMI_TEST": "pytest -x", "TAKUMI_HOOK_TIME_LIMIT": "2.5"]
        var flags = Settings()
        flags.format = .searchReplace
        let (s, warnings) = try Settings.load(repositoryRoot: repo.path, environment: env, flags: flags)
        #expect(warnings.isEmpty)
        #expect(s.model == "user-model")          // user only
        #expect(s.attempts == 4)                  // repo over user
        #expect(s.language == .ja)                // repo over user
        #expect(s.testCommand == "pytest -x")     // env over repo
        #expect(s.hookTimeLimit == 2.5)           // env over user
        #expect(s.format == .searchReplace)       // flag over user
        #expect(s.testTimeout == 10)              // user over default
        #expect(s.reviewBlocks == true)
        #expect(s.filterTimeLimit == 60)
        #expect(s.maxTokens == Settings.defaults.maxTokens)
        let (none, _) = try Settings.load(repositoryRoot: nil, environment: ["XDG_CONFIG_HOME": home.path + "/nothing"])
        #expect(none == Settings.defaults)
    }

    @Test func badValuesNameTheFileKeyAndValue() throws {
        let repo = try TempDir()
        try repo.write(".takumi/config.toml", "[edit]\nformat = \"diff\"\n")
        #expect { try Settings.load(repositoryRoot: repo.path, environment: ["XDG_CONFIG_HOME": repo.path + "/none"]) } throws: { error in
            guard case let .configValue(file, key, reason) = error as? AgentError else { return false }
            return key == "edit.format" && file.hasSuffix(".takumi/config.toml") && reason.contains("'diff'")
        }
        for (variable, value) in [("TAKUMI_ATTEMPTS", "zero"), ("TAKUMI_HOOK_TIME_LIMIT", "soon"), ("TAKUMI_LANG", "fr"),
                                  ("TAKUMI_REVIEW_BLOCK", "maybe"), ("TAKUMI_SERVER", "gpu-box:8080"), ("TAKUMI_MAX_TOKENS", "8"),
                                  ("TAKUMI_FILTER_TIME_LIMIT", "0"), ("TAKUMI_EDIT_FORMAT", "diff"), ("TAKUMI_TEST_TIMEOUT", "nan")] {
            #expect { try Settings.fromEnvironment([variable: value]) } throws: { error in
                let text = String(describing: error)
                return text.contains(variable) && text.contains(value)
            }
        }
        #expect(throws: AgentError.self) { try Settings.fromConfig(["hooks.time_limit": .string("10")], file: "x.toml") }
        #expect(throws: AgentError.self) { try Settings.fromConfig(["api_key_env": .string("not a name")], file: "x.toml") }
    }

    @Test func unknownKeysAreWarningsNamingFileAndKey() throws {
        let (s, warnings) = try Settings.fromConfig(["edit.atempts": .integer(2), "modle": .string("x"), "model": .string("m")], file: "x.toml")
        #expect(s.model == "m")
        #expect(warnings == ["x.toml: unknown key 'edit.atempts' ignored", "x.toml: unknown key 'modle' ignored"])
    }

    @Test func everyKeyReadsFromItsFileAndVariable() throws {
        // Each key in the one table round-trips a valid value from both origins.
        let samples: [String: (TOMLValue, String)] = [
            "model": (.string("m"), "m"), "server": (.string("http://127.0.0.1:8080"), "http://127.0.0.1:8080"),
            "api_key_env": (.string("MY_KEY"), "MY_KEY"), "prompts": (.string("/p"), "/p"), "lang": (.string("ja"), "ja"),
            "edit.format": (.string("whole-file"), "whole-file"), "edit.attempts": (.integer(2), "2"),
            "edit.whole_file_max_lines": (.integer(9), "9"), "edit.max_tokens": (.integer(64), "64"),
            "edit.temperature": (.float(0.5), "0.5"), "test.command": (.string("make t"), "make t"),
            "test.timeout": (.integer(5), "5"), "hooks.time_limit": (.float(1.5), "1.5"),
            "review.block": (.bool(true), "1"), "filter.time_limit": (.integer(30), "30"),
        ]
        #expect(Set(Settings.keys.map(\.name)) == Set(samples.keys))
        for key in Settings.keys {
            guard let (value, text) = samples[key.name] else { continue }
            let (fromFile, warnings) = try Settings.fromConfig([key.name: value], file: "f.toml")
            #expect(warnings.isEmpty)
            #expect(fromFile != Settings(), "config key \(key.name)")
            if let variable = key.environmentVariable {
                #expect(try Settings.fromEnvironment([variable: text]) == fromFile, "variable \(variable)")
            }
        }
    }

    @Test func apiKeyComesFromTheNamedVariable() throws {
        var s = Settings()
        #expect(s.apiKey(environment: ["TAKUMI_API_KEY": "k1"]) == "k1")
        s.apiKeyEnv = "TEAM_KEY"
        #expect(s.apiKey(environment: ["TAKUMI_API_KEY": "k1", "TEAM_KEY": "k2"]) == "k2")
        #expect(s.apiKey(environment: ["TEAM_KEY": ""]) == nil)
    }
}
