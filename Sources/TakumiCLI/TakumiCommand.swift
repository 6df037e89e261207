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
        version: TakumiVersion.string,
        subcommands: [
            GenerateCommand.self, TokenizeCommand.self, BenchCommand.self,
            ContextCommand.self,
            EditCommand.self, UndoCommand.self,
            HooksCommand.self, CommitMessageCommand.self, ReviewCommand.self, FilterCommand.self, CompleteCommand.self,
        ]
    )

    public init() {}
}

public enum TakumiVersion {
    public static let string = "0.1.0"
}
