import Foundation
import TakumiAgent

/// Replays recorded answers in order (the last one repeats), recording every request.
/// `beforeAnswer` runs inside `generate` — tests use it to change files "while the model runs".
final class ScriptedGenerator: TextGenerator {
    var answers: [String]
    var requests: [GenerationRequest] = []
    var beforeAnswer: ((Int) -> Void)?
    /// Mean log-probabilities reported with the answers (in the same order), when set.
    var logProbabilities: [Double]?
    init(_ answers: [String], logProbabilities: [Double]? = nil) {
        self.answers = answers
        self.logProbabilities = logProbabilities
    }

    var modelDescription: String { "scripted" }
    func countTokens(_ text: String) -> Int { text.utf8.count / 4 + 1 }

    func generate(_ request: GenerationRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult {
        let index = requests.count
        requests.append(request)
        beforeAnswer?(index)
        let text = answers[min(index, answers.count - 1)]
        var finish = GenerationResult.FinishReason.endOfTurn
        if onEvent(.prefill(done: 10, total: 10)) == .stop || onEvent(.text(text)) == .stop { finish = .cancelled }
        var result = GenerationResult(text: text, promptTokens: 10, generatedTokens: countTokens(text),
                                      finishReason: finish, prefillSeconds: 0.01, decodeSeconds: 0.01)
        if request.wantsLogProbabilities, let logProbabilities {
            result.meanLogProbability = logProbabilities[min(index, logProbabilities.count - 1)]
        }
        return result
    }
}
