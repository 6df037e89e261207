import Foundation

/// The JSON shapes of the OpenAI-compatible protocol (and llama.cpp's own `/infill`,
/// `/tokenize`) that Takumi reads. Every field is optional: servers differ (vLLM, llama.cpp,
/// Ollama), add fields of their own and leave others out, and none of that may break a read.
enum OpenAIWire {
    struct StreamChunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
            /// `/v1/completions` chunks carry `text` instead of a delta.
            var text: String?
            var finish_reason: String?
            /// Sent when the request asked for `logprobs`: chat chunks list one entry per
            /// token in `content`, completions chunks give `token_logprobs`.
            var logprobs: LogProbabilities?
        }
        struct LogProbabilities: Decodable {
            struct Entry: Decodable { var logprob: Double? }
            var content: [Entry]?
            var token_logprobs: [Double?]?

            /// The log-probabilities of this chunk's tokens (nil entries and non-finite values skipped).
            var values: [Double] {
                let all = (content ?? []).map(\.logprob) + (token_logprobs ?? [])
                return all.compactMap { $0 }.filter(\.isFinite)
            }
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }
        /// llama.cpp's timings (milliseconds) on the last chunk.
        struct Timings: Decodable {
            var prompt_n: Int?
            var prompt_ms: Double?
            var predicted_n: Int?
            var predicted_ms: Double?
        }
        var choices: [Choice]?
        var usage: Usage?
        var timings: Timings?
        // llama.cpp's native endpoints (`/infill`, `/completion`)
        var content: String?
        var stop: Bool?
        var stop_type: String?
        var tokens_evaluated: Int?
        var tokens_predicted: Int?
        /// Some servers report a failure inside the stream.
        var error: ErrorBody?
    }

    struct ErrorEnvelope: Decodable { var error: ErrorBody? }

    struct ErrorBody: Decodable {
        var message: String?
        var type: String?
        var code: Code?

        /// `code` is a string in OpenAI's responses, a number in llama.cpp's.
        enum Code: Decodable, Equatable {
            case text(String), number(Int)
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
            }
            var text: String {
                switch self {
                case let .text(text): return text
                case let .number(number): return String(number)
                }
            }
        }
    }

    struct ModelList: Decodable {
        struct Entry: Decodable { var id: String }
        var data: [Entry]?
    }

    /// llama.cpp answers `{"tokens": [..]}`, vLLM `{"tokens": [..], "count": n}`.
    struct TokenizeResponse: Decodable {
        var tokens: [Int]?
        var count: Int?
    }

    /// The error message in a body, or the body itself (shortened) when it is not JSON.
    static func errorMessage(_ body: Data) -> (message: String, code: String?, type: String?) {
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: body), let error = envelope.error {
            return (error.message ?? "", error.code?.text, error.type)
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (text, nil, nil)
    }
}
