import ArgumentParser
import Foundation
import TakumiInference

/// `takumi bench`: prefill and decode speed, llama-bench style.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill and decode speed (tokens/s) on real source text.")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(name: .long, help: "Prompt tokens to prefill.")
    public var promptTokens: Int = 512

    @Option(name: .long, help: "Tokens to generate (greedy).")
    public var genTokens: Int = 128

    @Option(name: .long, help: "Runs; the median of each figure is reported.")
    public var repetitions: Int = 1

    @Flag(name: .long, help: "Also report where the time goes, per kind of op.")
    public var profile = false

    @Flag(name: .long, help: "Print the result as JSON.")
    public var json = false

    public init() {}

    public mutating func validate() throws {
        guard promptTokens >= 1, promptTokens <= 32_000 else { throw ValidationError("--prompt-tokens must be 1...32000, got \(promptTokens)") }
        guard genTokens >= 1, genTokens <= 32_000 else { throw ValidationError("--gen-tokens must be 1...32000, got \(genTokens)") }
        guard repetitions >= 1, repetitions <= 100 else { throw ValidationError("--repetitions must be 1...100, got \(repetitions)") }
    }

    struct Report: Encodable {
        var model: String
        var threads: Int
        var prompt_tokens: Int
        var gen_tokens: Int
        var prefill_tokens_per_s: Double
        var decode_tokens_per_s: Double
        var prefill_profile_s: [String: Double]?
        var decode_profile_s: [String: Double]?
    }

    public func run() throws {
        let console = Console()
        let path = try modelOptions.resolvedPath()
        let file = try GGUFFile(path: path)
        let bench = Benchmark(model: try Model(file: file), tokenizer: try Tokenizer(gguf: file))
        var results: [Benchmark.Result] = []
        for i in 0..<repetitions {
            console.progress("bench run \(i + 1)/\(repetitions)…")
            results.append(try bench.run(promptTokens: promptTokens, generateTokens: genTokens,
                                         threads: modelOptions.threadCount, profile: profile))
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        let pp = median(results.map(\.prefillTokensPerSecond))
        let tg = median(results.map(\.decodeTokensPerSecond))
        func table(_ p: OpProfile) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: OpProfile.Op.allCases.map { ($0.label, p[$0]) })
        }
        let last = results[results.count - 1]
        if json {
            try console.json(Report(model: bench.model.name, threads: modelOptions.threadCount, prompt_tokens: promptTokens,
                                    gen_tokens: genTokens, prefill_tokens_per_s: pp, decode_tokens_per_s: tg,
                                    prefill_profile_s: profile ? table(last.prefillProfile) : nil,
                                    decode_profile_s: profile ? table(last.decodeProfile) : nil))
            return
        }
        console.resultLine("model \(bench.model.name), \(modelOptions.threadCount) threads, \(repetitions) run(s), median")
        console.resultLine(String(format: "pp%-5d %8.2f tokens/s", promptTokens, pp))
        console.resultLine(String(format: "tg%-5d %8.2f tokens/s", genTokens, tg))
        if profile {
            for (title, p, seconds) in [("prefill", last.prefillProfile, last.prefillSeconds), ("decode", last.decodeProfile, last.decodeSeconds)] {
                console.resultLine("\(title): where the time goes (last run, \(String(format: "%.3f", seconds)) s)")
                for op in OpProfile.Op.allCases where p[op] > 0 {
                    let label = op.label.padding(toLength: 24, withPad: " ", startingAt: 0)
                    console.resultLine("  " + label + String(format: " %9.2f ms  %5.1f%%", p[op] * 1000, 100 * p[op] / max(seconds, 1e-9)))
                }
            }
        }
    }
}
