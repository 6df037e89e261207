import ArgumentParser
import Foundation
import TakumiInference

/// `takumi tokenize TEXT`: the model's token ids for TEXT (special tokens recognized).
public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text (special tokens such as <|im_start|> are recognized).")

    @OptionGroup public var modelOptions: ModelOptions

    @Flag(name: .long, help: "Print a JSON array of ids.")
    public var json = false

    @Argument(help: "Text to tokenize (read from stdin when omitted).")
    public var text: String?

    public init() {}

    public func run() throws {
        let console = Console()
        let input = try text ?? readStandardInput(command: "tokenize")
        let tokenizer = try Tokenizer(ggufPath: try modelOptions.resolvedPath())
        let ids = tokenizer.encode(input, parseSpecial: true)
        if json {
            try console.json(ids)
        } else {
            console.resultLine(ids.map(String.init).joined(separator: " "))
        }
    }
}

/// All of stdin as UTF-8 text (invalid bytes become U+FFFD); a closed or unreadable stdin
/// is one clear line on stderr and exit status 1.
func readStandardInput(command: String) throws -> String {
    do {
        return String(decoding: try StandardStreams.readInput(), as: UTF8.self)
    } catch {
        Console().diagnostic("takumi \(command): \(error)")
        throw ExitCode.failure
    }
}
