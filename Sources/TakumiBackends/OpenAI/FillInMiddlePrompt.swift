import Foundation
import TakumiInference

/// A fill-in-the-middle prompt as raw text with the model's FIM tokens, for servers without
/// llama.cpp's `/infill` (vLLM's `/v1/completions` has no `suffix`). The family is told by the
/// model id; Qwen2.5-Coder's tokens (with repository context) are the default.
enum FillInMiddlePrompt {
    static func text(model: String, prefix: String, suffix: String, path: String?, contextFiles: [(String, String)]) -> String {
        let id = model.lowercased()
        if id.contains("starcoder") || id.contains("santacoder") {
            return "<fim_prefix>\(prefix)<fim_suffix>\(suffix)<fim_middle>"
        }
        if id.contains("codellama") || id.contains("code-llama") {
            return "<PRE> \(prefix) <SUF>\(suffix) <MID>"
        }
        if id.contains("deepseek") {
            return "<｜fim▁begin｜>\(prefix)<｜fim▁hole｜>\(suffix)<｜fim▁end｜>"
        }
        return PromptSegment.joined(ChatTemplate.fillInMiddleSegments(
            prefix: prefix, suffix: suffix, path: path, contextFiles: contextFiles.map { (path: $0.0, content: $0.1) }))
    }
}
