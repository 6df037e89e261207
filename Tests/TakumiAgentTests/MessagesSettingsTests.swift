import Foundation
import Testing
import TakumiAgent

@Suite("Messages: settings layers")
struct MessagesSettingsTests {
    @Test func environmentOverRepositoryOverUserOverDefaults() throws {
        let dir = try TempDir("takumi-hooks")
        try dir.write("xdg/takumi/config.toml", "lang = \"en\"\n[hooks]\ntime_limit = 20\n[review]\nblock = true\n")
        try dir.write("repo/.takumi/config.toml", "lang = \"ja\"\n[filter]\ntime_limit = 60\n")
        let env = ["XDG_CONFIG_HOME": dir.sub("xdg")]
        let settings = try AssistSettings.load(repositoryRoot: dir.sub("repo"), environment: env)
        #expect(settings.language == .ja)
        #expect(settings.hookTimeLimit == 20)
        #expect(settings.reviewBlocks == true)
        #expect(settings.filterTimeLimit == 60)
        let overridden = try AssistSettings.load(repositoryRoot: dir.sub("repo"),
                                                 environment: env.merging(["TAKUMI_LANG": "en", "TAKUMI_HOOK_TIME_LIMIT": "2.5"]) { $1 })
        #expect(overridden.language == .en)
        #expect(overridden.hookTimeLimit == 2.5)
        let none = try AssistSettings.load(repositoryRoot: nil, environment: ["XDG_CONFIG_HOME": dir.sub("nothing")])
        #expect(none == AssistSettings.defaults)
    }

    @Test func badValuesNameTheKey() throws {
        let dir = try TempDir("takumi-hooks")
        try dir.write("repo/.takumi/config.toml", "lang = \"fr\"\n")
        #expect(throws: AgentError.self) {
            try AssistSettings.load(repositoryRoot: dir.sub("repo"), environment: ["XDG_CONFIG_HOME": dir.sub("x")])
        }
        do {
            _ = try AssistSettings.fromEnvironment(["TAKUMI_HOOK_TIME_LIMIT": "soon"])
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).contains("TAKUMI_HOOK_TIME_LIMIT"))
        }
    }
}
