import ArgumentParser
import Foundation

/// The root `takumi` command. Subcommands live in their own files (`*Command.swift`).
public struct TakumiCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "takumi",
        abstract: "A local code-generation agent for git repositories (匠).",
        discussion: """
        Runs a local transformer in-process (GGUF models, CPU only, no network) to generate \
        and edit code, write commit messages and review changes.
        """,
        version: TakumiVersion.description,
        subcommands: [
            GenerateCommand.self, TokenizeCommand.self, BenchCommand.self, ModelsCommand.self, ServeCommand.self,
            ContextCommand.self,
            EditCommand.self, UndoCommand.self,
            HooksCommand.self, CommitMessageCommand.self, ReviewCommand.self, FilterCommand.self, CompleteCommand.self,
        ]
    )

    public init() {}
}

public enum TakumiVersion {
    public static let string = "0.1.0"
    /// The git commit of the build (BuildInfo.swift is written by the BuildInfo plugin).
    public static let commit = BuildInfo.commit
    /// What `takumi --version` prints: "takumi 0.1.0 (commit 1a2b3c4d5e6f)".
    public static var description: String { "takumi \(string) (commit \(commit))" }
}
