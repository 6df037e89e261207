import ArgumentParser
import Foundation
import TakumiAgent
import TakumiGit

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
    // `.unconditional`: `--offset -1` is a bad offset to name, not a missing value.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Cursor position as a byte offset into the buffer (0 = start).", valueName: "N"))
    var offset: Int
    @Option(name: .long, parsing: .unconditional, help: "Most tokens to generate.") var maxTokens: Int = 64

    func validate() throws {
        guard offset >= 0 else { throw ValidationError("--offset must be a byte offset >= 0, got \(offset)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
    }
    @Flag(name: .long, help: "Explain failures on stderr even when it is not a terminal.") var verbose = false
    @Flag(name: .long, help: "Print one JSON document {text, model, prompt_tokens, reused_prompt_tokens, generated_tokens, prefill_s, decode_s}.") var json = false
    @OptionGroup var assist: AssistOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        do {
            let input = try StandardStreams.readInput()
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
            let (prefix, suffix) = try FillInMiddleCompleter.split(buffer: buffer, atByteOffset: offset)
            let result = try completer.complete(
                buffer: buffer, byteOffset: offset, path: file,
                contextFiles: repositoryContext(prefix: prefix, suffix: suffix, budget: completer.contextTokenBudget),
                deadline: assist.timeLimit(orElse: 30).map { GenerationDeadline(seconds: $0) })
            if json {
                try console.json(CompletionDocument(result, model: generator.modelDescription))
            } else {
                console.result(result.text)
            }
        } catch {
            if verbose || console.stderrIsTTY { console.diagnostic("takumi: complete failed: \(error)") }
            throw ExitCode.failure
        }
    }

    /// Repository files for the prompt, chosen by `ContextSelector` from the code around the
    /// cursor. Outside a repository (or when selection fails) the completion goes on without.
    private func repositoryContext(prefix: String, suffix: String, budget: Int) -> [(String, String)] {
        guard let repository = try? Repository.openFromEnvironment(), let root = repository.rootPath else { return [] }
        let absolute = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        let standardized = (absolute as NSString).standardizingPath
        let rootNoSlash = root.hasSuffix("/") ? String(root.dropLast()) : root
        let relative = standardized.hasPrefix(rootNoSlash + "/") ? String(standardized.dropFirst(rootNoSlash.count + 1)) : file
        return (try? CompletionContext.files(repository: repository, path: relative, prefix: prefix, suffix: suffix,
                                             budget: budget, cacheDirectory: ContextCommand.cacheDirectory())) ?? []
    }
}

/// `takumi complete --json`: the text and what its prompt cost.
private struct CompletionDocument: Encodable {
    var text: String
    var model: String
    var promptTokens: Int
    /// Prompt tokens not computed again (the in-process KV cache or a snapshot), when known.
    var reusedPromptTokens: Int?
    var generatedTokens: Int
    var prefillSeconds: Double
    var decodeSeconds: Double

    init(_ result: GenerationResult, model: String) {
        text = result.text
        self.model = model
        promptTokens = result.promptTokens
        reusedPromptTokens = result.reusedPromptTokens
        generatedTokens = result.generatedTokens
        prefillSeconds = result.prefillSeconds
        decodeSeconds = result.decodeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case text, model, promptTokens = "prompt_tokens", reusedPromptTokens = "reused_prompt_tokens"
        case generatedTokens = "generated_tokens", prefillSeconds = "prefill_s", decodeSeconds = "decode_s"
    }
}
