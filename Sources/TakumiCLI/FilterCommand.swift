import ArgumentParser
import Foundation
import TakumiAgent

/// `takumi filter INSTRUCTION`: an editor filter. The selection comes on stdin and the
/// rewritten selection goes to stdout, nothing else. Editors replace the selection with
/// whatever comes out (Vim even on failure, with stderr mixed in; Kakoune ignores the exit
/// status), so on any failure the input is echoed unchanged with status 1, and stderr stays
/// silent unless it is a terminal or --verbose is given.
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Rewrite the text on stdin as instructed (for editors: :%!takumi filter \"...\").",
        discussion: "On failure the input comes back unchanged and the exit status is 1. The final newline is kept or dropped as in the input."
    )

    @Argument(help: "What to do with the selection, e.g. \"add error handling\".") var instruction: String
    @Option(name: .long, help: ArgumentHelp("The file the selection comes from (read for context).", valueName: "PATH"))
    var file: String?
    @Option(name: .long, help: ArgumentHelp("Where the selection is in that file (1-based, inclusive).", valueName: "A:B"))
    var lines: String?
    @Option(name: .long, help: ArgumentHelp("Programming language of the selection (default: from --file's extension).", valueName: "L"))
    var language: String?
    @Flag(name: .long, help: "Explain failures on stderr even when it is not a terminal.") var verbose = false
    @Flag(name: .long, help: "Print one JSON document {text, changed, model} (or {error, text}).") var json = false
    @OptionGroup var assist: AssistOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let console = Console()
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let output = FilterOutput(input: input, json: json)
        let showDiagnostics = verbose || console.stderrIsTTY
        let root = (try? ChangeSource.openFromEnvironment())?.rootPath
        // A broken config must not cost the selection: fall back to the defaults.
        let warn: (String) -> Void = { if showDiagnostics { console.diagnostic("takumi: warning: \($0)") } }
        let settings = (try? assist.settings(repositoryRoot: root, environment: environment, warn: { _ in })) ?? Settings.defaults
        let limit = assist.timeLimit(orElse: settings.filterTimeLimit)
        if let limit {
            // A hard stop when even the model load overruns: echo the input, as for any failure.
            let thread = Thread {
                Thread.sleep(forTimeInterval: limit + 5)
                output.fail(AgentError.timedOut(task: "filter", seconds: limit), diagnostics: showDiagnostics)
                Foundation.exit(1)
            }
            thread.start()
        }
        do {
            guard let selection = String(data: input, encoding: .utf8) else {
                throw AgentError.fileNotReadable(path: "<stdin>", reason: "the input is not UTF-8 text")
            }
            let range = try lines.map(EditorFilter.parseLines)
            var fileText: String?
            if let file {
                fileText = FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
                if fileText == nil && showDiagnostics { console.diagnostic("takumi: cannot read \(file); no context used") }
            }
            let settings = try assist.settings(repositoryRoot: root, environment: environment, warn: warn)
            let generator = try assist.makeGenerator(settings, environment: environment)
            let filter = EditorFilter(generator: generator,
                                      render: assist.promptLibrary(settings, repositoryRoot: root, environment: environment).render)
            let request = FilterRequest(instruction: instruction, selection: selection, filePath: file, fileText: fileText,
                                        lines: range, language: language)
            let rewritten = try filter.rewrite(request, deadline: limit.map { GenerationDeadline(seconds: $0) })
            output.succeed(rewritten, model: generator.modelDescription)
        } catch {
            output.fail(error, diagnostics: showDiagnostics)
            throw ExitCode.failure
        }
    }
}

/// Writes the filter's one answer exactly once, whichever comes first: the result, a
/// failure, or the watchdog.
final class FilterOutput: @unchecked Sendable {
    private let input: Data
    private let json: Bool
    private let lock = NSLock()
    private var written = false

    init(input: Data, json: Bool) {
        self.input = input
        self.json = json
    }

    private func once(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard !written else { return }
        written = true
        body()
    }

    func succeed(_ text: String, model: String) {
        once {
            if json {
                let original = String(decoding: input, as: UTF8.self)
                writeJSON(["text": text, "changed": text != original, "model": model])
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    func fail(_ error: Error, diagnostics: Bool) {
        once {
            if json {
                writeJSON(["error": String(describing: error), "text": String(decoding: input, as: UTF8.self)])
            } else {
                FileHandle.standardOutput.write(input)
            }
            if diagnostics { FileHandle.standardError.write(Data("takumi: filter failed: \(error)\n".utf8)) }
        }
    }

    private func writeJSON(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}
