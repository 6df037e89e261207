import Foundation
import TakumiAgent
import TakumiBackends

/// Prompt sizes as the served model sees them: exact token counts and the context length of
/// the in-process engine; for another generator (the scripted test model) its own count and
/// no limit.
struct PromptMeasure: @unchecked Sendable {
    let generator: TextGenerator
    private var engine: EngineTextGenerator? { generator as? EngineTextGenerator }

    var contextLength: Int { engine?.generator.session.contextLength ?? 1 << 20 }

    func promptTokens(_ prompt: PromptInput) -> Int {
        if let engine, let tokens = try? engine.promptTokens(prompt) { return tokens.count }
        switch prompt {
        case let .chat(messages): return messages.reduce(0) { $0 + generator.countTokens($1.content) + 4 }
        case let .raw(text): return generator.countTokens(text)
        case let .fillInMiddle(prefix, suffix, _, files):
            return generator.countTokens(prefix) + generator.countTokens(suffix) + files.reduce(0) { $0 + generator.countTokens($1.1) }
        }
    }

    func tokenIds(_ text: String) -> [Int]? {
        engine.map { $0.generator.tokenizer.encode(text, parseSpecial: false).map(Int.init) }
    }
}
