import ArgumentParser
import Foundation
import TakumiAgent

/// `takumi complete --file PATH --offset N`: fill-in-the-middle completion at the cursor.
/// The buffer comes on stdin (it may differ from the file on disk); only the text to insert
/// goes to stdout. On failure nothing is printed and the status is 1.
struct CompleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "Complete the code at a cursor position (buffer on stdin, inserted text on stdout)."
    )

    @Option(name: .long, help: ArgumentHelp("Path of the buffer's file (for its name and repository context).", valueName: "PATH"))
    var file: String
    @Option(name: .long, help: ArgumentHelp("Cursor position as a byte offset into the buffer (0 = start).", valueName: "N"))
    var offset: Int
    @Option(name: .long, help: "Most tokens to generate.") var maxTokens: Int = 64
    @Flag(name: .long, help: "Explain failures on stderr even when it is not a terminal.") var verbose = false
    @Flag(name: .long, help: "Print one JSON document {text, model}.") var json = false
    @OptionGroup var assist: AssistOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            guard let buffer = String(data: input, encoding: .utf8) else {
                throw AgentError.fileNotReadable(path: "<stdin>", reason: "the buffer is not UTF-8 text")
            }
            let root = (try? ChangeSource.openFromEnvironment())?.rootPath
            let settings = try assist.settings(repositoryRoot: root, environment: environment) { warning in
                if verbose || console.stderrIsTTY { console.diagnostic("takumi: warning: \(warning)") }
            }
            let generator = try assist.makeGenerator(settings, environment: environment)
            var completer = FillInMiddleCompleter(generator: generator)
            completer.maxTokens = maxTokens
            let text = try completer.complete(
                buffer: buffer, byteOffset: offset, path: file, contextFiles: repositoryContext(),
                deadline: assist.timeLimit(orElse: 30).map { GenerationDeadline(seconds: $0) })
            if json {
                try console.json(["text": text, "model": generator.modelDescription])
            } else {
                console.result(text)
            }
        } catch {
            if verbose || console.stderrIsTTY { console.diagnostic("takumi: complete failed: \(error)") }
            throw ExitCode.failure
        }
    }

    /// A few tracked files like the one being edited, paths relative to the repository root.
    private func repositoryContext() -> [(String, String)] {
        guard let git = try? ChangeSource.openFromEnvironment(), let root = git.rootPath,
              let tracked = try? git.trackedPaths() else { return [] }
        let absolute = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        let standardized = (absolute as NSString).standardizingPath
        let relative = standardized.hasPrefix(root + "/") ? String(standardized.dropFirst(root.count + 1)) : file
        return FillInMiddleCompleter.contextCandidates(for: relative, trackedFiles: tracked).compactMap { path in
            guard let data = FileManager.default.contents(atPath: root + "/" + path), data.count < 64_000 else { return nil }
            return (path, String(decoding: data, as: UTF8.self))
        }
    }
}
