import ArgumentParser
import Foundation
import TakumiAgent
import TakumiGit

/// `takumi undo`: restores the files of the last applied `takumi edit` exactly.
/// Exit codes: 0 restored, 1 nothing to undo (or an invalid record, or another edit running),
/// 3 a file changed since the edit (nothing written).
public struct UndoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Restore the files changed by the last `takumi edit`.",
        discussion: "Refuses (exit 3) when any of those files changed since the edit.")

    @Flag(name: .long, help: "Print the result as JSON: {restored, files, instruction}.")
    public var json = false

    public init() {}

    struct Result: Encodable {
        var restored: Bool
        var files: [String]
        var instruction: String
    }

    public func run() throws {
        let console = Console()
        do {
            let repository = try Repository.openFromEnvironment()
            let root = try repository.workingDirectory(for: "undo")
            let lock = try EditLock.acquire(gitDirectory: repository.gitDirectory, purpose: "takumi undo")
            defer { lock.release() }
            let (instruction, restored) = try UndoStore(gitDirectory: repository.gitDirectory, workingRoot: root).undo()
            let files = restored.map(\.path)
            if json {
                try console.json(Result(restored: true, files: files, instruction: instruction))
            } else {
                console.resultLine("restored \(files.count) file\(files.count == 1 ? "" : "s") changed by “\(instruction)”: \(files.joined(separator: ", "))")
            }
        } catch let error as AgentError {
            console.diagnostic("takumi undo: \(error)")
            if case .fileChangedSinceRead = error { throw ExitCode(3) }
            throw ExitCode.failure
        } catch let error as GitError {
            console.diagnostic("takumi undo: \(error)")
            throw ExitCode.failure
        }
    }
}
