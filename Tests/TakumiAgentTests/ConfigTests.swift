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

@Suite struct EditSettingsTests {
    @Test func precedenceFlagsOverEnvOverRepoOverUser() throws {
        let home = try TempDir(), repo = try TempDir()
        try home.write("takumi/config.toml", "model = \"user-model\"\n[edit]\nattempts = 5\nformat = \"whole-file\"\n[test]\ntimeout = 10\n")
        try repo.write(".takumi/config.toml", "[edit]\nattempts = 4\n[test]\ncommand = \"make check\"\n")
        let env = ["XDG_CONFIG_HOME": home.path, "TAKUMI_TEST": "pytest -x"]
        var flags = EditSettings()
        flags.format = .searchReplace
        let (s, warnings) = try EditSettings.load(repositoryRoot: repo.path, environment: env, flags: flags)
        #expect(warnings.isEmpty)
        #expect(s.model == "user-model")          // user only
        #expect(s.attempts == 4)                  // repo over user
        #expect(s.testCommand == "pytest -x")     // env over repo
        #expect(s.format == .searchReplace)       // flag over user
        #expect(s.testTimeout == 10)              // user over default
        #expect(s.maxTokens == EditSettings.defaults.maxTokens)
    }

    @Test func badValuesNameTheKey() throws {
        let repo = try TempDir()
        try repo.write(".takumi/config.toml", "[edit]\nformat = \"diff\"\n")
        #expect { try EditSettings.load(repositoryRoot: repo.path, environment: ["XDG_CONFIG_HOME": repo.path + "/none"], flags: EditSettings()) } throws: { error in
            guard case let .configValue(file, key, _) = error as? AgentError else { return false }
            return key == "edit.format" && file.hasSuffix(".takumi/config.toml")
        }
        #expect(throws: AgentError.self) { try EditSettings.fromEnvironment(["TAKUMI_ATTEMPTS": "zero"]) }
        let (_, warnings) = try EditSettings.fromConfig(["edit.atempts": .integer(2)], file: "x.toml")
        #expect(warnings.first?.contains("edit.atempts") == true)
    }
}
