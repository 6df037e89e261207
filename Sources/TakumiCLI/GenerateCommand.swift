import ArgumentParser
import Foundation
import TakumiAgent
import TakumiBackends

/// `takumi generate PROMPT`: streams the model's answer to stdout.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the local model (chat-formatted unless --raw).",
        discussion: "The prompt comes from the argument or, when omitted, from stdin. The answer streams to stdout.")

    @OptionGroup public var modelOptions: BackendOptions

    @Option(name: .long, help: "System prompt (default: the model's own).")
    public var system: String?

    @Flag(name: .long, help: "Send the prompt as is, without the chat template (special tokens are recognized).")
    public var raw = false

    @Option(name: .long, help: "Most tokens to generate.")
    public var maxTokens: Int = 512

    @Option(name: .long, help: "Sampling temperature; 0 = greedy.")
    public var temperature: Double = 0

    @Option(name: .long, help: "Sample among the K most likely tokens (0 = all).")
    public var topK: Int = 40

    @Option(name: .long, help: "Nucleus sampling: smallest set with this total probability.")
    public var topP: Double = 0.95

    @Option(name: .long, help: "Drop tokens less likely than this fraction of the most likely one.")
    public var minP: Double = 0.05

    @Option(name: .long, help: "Penalty for recently seen tokens (1 = none).")
    public var repeatPenalty: Double = 1.0

    @Option(name: .long, help: "Random seed (sampling is reproducible for a given seed).")
    public var seed: UInt64 = 0

    @Option(name: .long, help: "Stop before this text (repeatable).")
    public var stop: [String] = []

    @Option(name: .long, help: "Prompt-lookup speculation: most tokens drafted per step when greedy (0 = off).")
    public var draftTokens: Int = 8

    @Flag(name: .long, help: #"Print {"text","tokens","prompt_tokens","prefill_tokens_per_s","decode_tokens_per_s"} instead of streaming."#)
    public var json = false

    @Argument(help: "The prompt (read from stdin when omitted).")
    public var prompt: String?

    public init() {}

    public mutating func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be >= 0, got \(temperature)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be >= 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        guard minP >= 0, minP < 1 else { throw ValidationError("--min-p must be in [0, 1), got \(minP)") }
        guard repeatPenalty > 0, repeatPenalty.isFinite else { throw ValidationError("--repeat-penalty must be > 0, got \(repeatPenalty)") }
        guard draftTokens >= 0, draftTokens <= 32 else { throw ValidationError("--draft-tokens must be 0...32, got \(draftTokens)") }
        if raw, system != nil { throw ValidationError("--system has no effect with --raw") }
    }

    struct Report: Encodable {
        var text: String
        var tokens: Int
        var prompt_tokens: Int
        var prefill_tokens_per_s: Double
        var decode_tokens_per_s: Double
        var finish_reason: String
    }

    public func run() throws {
        let console = Console()
        let text = try prompt ?? readStandardInput()
        guard !text.isEmpty else { throw ValidationError("the prompt is empty") }
        let environment = ProcessInfo.processInfo.environment
        let root = (try? ChangeSource.openFromEnvironment())?.rootPath
        let (settings, warnings) = try Settings.load(repositoryRoot: root, environment: environment, flags: modelOptions.flags)
        for warning in warnings { console.diagnostic("takumi: warning: \(warning)") }
        var spec = modelOptions.spec(settings, environment: environment)
        spec.draftTokens = draftTokens
        let engine = try BackendFactory.makeGenerator(spec)
        var sampling = SamplingOptions()
        sampling.temperature = temperature
        sampling.topK = topK
        sampling.topP = topP
        sampling.minP = minP
        sampling.repetitionPenalty = repeatPenalty
        sampling.seed = seed
        let input: PromptInput
        if raw {
            input = .raw(text)
        } else {
            input = .chat((system.map { [ChatMessage.system($0)] } ?? []) + [.user(text)])
        }
        let request = GenerationRequest(prompt: input, maxTokens: maxTokens, sampling: sampling, stopStrings: stop)
        var endsWithNewline = true
        let result = try engine.generate(request) { event in
            if case let .text(piece) = event, !json {
                console.result(piece)
                endsWithNewline = piece.hasSuffix("\n")
            }
            return .continue
        }
        if json {
            try console.json(Report(text: result.text, tokens: result.generatedTokens, prompt_tokens: result.promptTokens,
                                    prefill_tokens_per_s: result.prefillTokensPerSecond,
                                    decode_tokens_per_s: result.decodeTokensPerSecond,
                                    finish_reason: result.finishReason.rawValue))
            return
        }
        // End the line for a person at a terminal; pipes get the text exactly.
        if !endsWithNewline, isatty(STDOUT_FILENO) == 1 { console.result("\n") }
        console.progress(String(format: "%d prompt tokens, %.1f tokens/s prefill; %d tokens, %.1f tokens/s decode (%@)",
                                result.promptTokens, result.prefillTokensPerSecond, result.generatedTokens,
                                result.decodeTokensPerSecond, result.finishReason.rawValue))
    }
}
