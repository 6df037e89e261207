import Foundation

/// The seam between the agent and any language model.
///
/// The agent never imports the inference engine: the CLI wires in the in-process engine
/// (`TakumiInference`) or an HTTP backend behind this protocol, and tests use scripted
/// generators that replay recorded answers.
public protocol TextGenerator: AnyObject {
    /// A short description for logs and `--json` output, e.g. "qwen2.5-coder-0.5b-instruct".
    var modelDescription: String { get }

    /// Counts tokens of `text` as the model would (used for context budgets).
    func countTokens(_ text: String) -> Int

    /// Generates a completion for `request`, reporting progress and text pieces through
    /// `onEvent`; returning `.stop` from it ends generation early (the result is then
    /// marked `.cancelled`). Throws on model errors (context overflow, I/O ...).
    func generate(_ request: GenerationRequest,
                  onEvent: (GenerationEvent) -> GenerationControl) throws -> GenerationResult

    /// Teacher-forced scoring of a text the model did not write (`ScoringRequest`): each
    /// token's log-probability and the model's own likeliest tokens there. A backend may leave
    /// out the first tokens when they are what the last request scored after the same prompt
    /// (pieces carry their byte offsets): variants of one text cost only their changed tails.
    /// nil when the backend cannot (HTTP servers, the scripted model): callers then do without.
    func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]?

    /// Whether `score` answers and `GenerationRequest.answerPrefix` is honored (what
    /// `FillInMiddleRepair` needs).
    var canScore: Bool { get }
}

extension TextGenerator {
    public func score(_ request: ScoringRequest, onEvent: (GenerationEvent) -> GenerationControl) throws -> [ScoredPiece]? { nil }
    public var canScore: Bool { false }
}

/// Asks how likely each token of `continuation` is after `prompt`, as if the model had
/// written it (the in-process engine; one batched pass).
public struct ScoringRequest: Equatable, Sendable {
    public var prompt: PromptInput
    public var continuation: String
    /// How many of the model's likeliest tokens to report at each position.
    public var alternatives: Int
    public init(prompt: PromptInput, continuation: String, alternatives: Int = 3) {
        self.prompt = prompt
        self.continuation = continuation
        self.alternatives = alternatives
    }
}

/// One token of a scored continuation.
public struct ScoredPiece: Equatable, Sendable {
    /// Where the token starts in the continuation's UTF-8 bytes, and how many bytes it has.
    public var byteOffset: Int
    public var byteCount: Int
    public var logProbability: Double
    /// The model's likeliest tokens at this position, most likely first (the scored token
    /// itself may be among them).
    public var alternatives: [Alternative]

    public struct Alternative: Equatable, Sendable {
        /// The token's text; nil for a control token (end of text …) or a piece of a character.
        public var text: String?
        public var logProbability: Double
        public init(text: String?, logProbability: Double) {
            self.text = text
            self.logProbability = logProbability
        }
    }

    public init(byteOffset: Int, byteCount: Int, logProbability: Double, alternatives: [Alternative]) {
        self.byteOffset = byteOffset
        self.byteCount = byteCount
        self.logProbability = logProbability
        self.alternatives = alternatives
    }
}

public struct ChatMessage: Equatable, Sendable, Codable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: text) }
}

/// What the model is asked to continue.
public enum PromptInput: Equatable, Sendable {
    /// A conversation, formatted with the model's chat template; the answer is the
    /// assistant's next turn.
    case chat([ChatMessage])
    /// Fill-in-the-middle: the model writes what goes between `prefix` and `suffix`.
    /// `contextFiles` (path, content) are given before it as repository context.
    case fillInMiddle(prefix: String, suffix: String, path: String?, contextFiles: [(String, String)])
    /// Text sent exactly as given (special tokens such as `<|im_start|>` are recognized).
    case raw(String)

    public static func == (a: PromptInput, b: PromptInput) -> Bool {
        switch (a, b) {
        case let (.chat(x), .chat(y)): return x == y
        case let (.raw(x), .raw(y)): return x == y
        case let (.fillInMiddle(p1, s1, f1, c1), .fillInMiddle(p2, s2, f2, c2)):
            return p1 == p2 && s1 == s2 && f1 == f2
                && c1.map { $0.0 + "\u{0}" + $0.1 } == c2.map { $0.0 + "\u{0}" + $0.1 }
        default: return false
        }
    }
}

public struct SamplingOptions: Equatable, Sendable {
    /// 0 means greedy (argmax).
    public var temperature: Double = 0
    public var topK: Int = 40
    public var topP: Double = 0.95
    public var minP: Double = 0.05
    public var repetitionPenalty: Double = 1.0
    public var seed: UInt64 = 0
    public init() {}
    public static let greedy = SamplingOptions()
}

/// A rule the next token must keep (asked before each token is emitted): given the bytes
/// generated so far and a candidate token's bytes (empty for end-of-turn), may it come next?
/// Backends that cannot constrain decoding (HTTP servers) ignore it; the answer is then checked
/// as usual after generation. Compared by identity.
public final class DecodingConstraint: Equatable, @unchecked Sendable {
    public let accepts: ([UInt8], [UInt8]) -> Bool
    public init(_ accepts: @escaping ([UInt8], [UInt8]) -> Bool) { self.accepts = accepts }
    public static func == (a: DecodingConstraint, b: DecodingConstraint) -> Bool { a === b }
}

public struct GenerationRequest: Equatable, Sendable {
    public var prompt: PromptInput
    public var maxTokens: Int
    public var sampling: SamplingOptions
    /// Generation stops before any of these strings; the stop string is not part of the text.
    public var stopStrings: [String]
    /// Optional: tokens that break the constraint are not generated (in-process engine only).
    public var constraint: DecodingConstraint?
    /// Ask for each generated token's log-probability (to rank candidates), where the backend can.
    public var wantsLogProbabilities = false
    /// Text the answer is taken to start with: it follows the prompt as literal text (never
    /// parsed for special tokens), is not generated and is not part of the result's `text`.
    /// A backend that cannot continue a given start throws rather than ignore it.
    public var answerPrefix = ""
    public init(prompt: PromptInput, maxTokens: Int = 512, sampling: SamplingOptions = .greedy,
                stopStrings: [String] = []) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
    }
}

public enum GenerationEvent: Equatable, Sendable {
    /// Prompt processing progress, in tokens. A remote backend, which cannot see the server's
    /// progress, sends `.prefill(done: 0, total: 0)` every fraction of a second while the server
    /// is silent, so a caller can stop a stalled request (Ctrl-C, a deadline) at any time.
    case prefill(done: Int, total: Int)
    /// A piece of generated text (always whole UTF-8 characters).
    case text(String)
}

public enum GenerationControl: Sendable { case `continue`, stop }

/// One generated token: where it starts in the answer's bytes and how likely it was.
public struct TokenLogProbability: Equatable, Sendable {
    public var byteOffset: Int
    public var logProbability: Double
    public init(byteOffset: Int, logProbability: Double) {
        self.byteOffset = byteOffset
        self.logProbability = logProbability
    }
}

public struct GenerationResult: Equatable, Sendable {
    public enum FinishReason: String, Sendable, Codable { case endOfTurn = "stop", maxTokens = "length", stopString = "stop_string", cancelled }
    public var text: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var finishReason: FinishReason
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Mean log-probability of the generated tokens (under the model at temperature 1), when
    /// asked for and the backend provides it; ranks candidates from one prompt.
    public var meanLogProbability: Double?
    /// Prompt tokens whose computation was skipped (prefix reuse, snapshots), when known.
    public var reusedPromptTokens: Int?
    /// Share of speculative draft tokens accepted, when drafting ran.
    public var draftAcceptance: Double?
    /// Each generated token's start (a UTF-8 byte offset into `text`) and log-probability,
    /// when log-probabilities were asked for and the backend gives them per token (the
    /// in-process engine): where the model was unsure of what it wrote.
    public var tokenLogProbabilities: [TokenLogProbability] = []
    public init(text: String, promptTokens: Int, generatedTokens: Int, finishReason: FinishReason,
                prefillSeconds: Double, decodeSeconds: Double) {
        self.text = text
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.finishReason = finishReason
        self.prefillSeconds = prefillSeconds
        self.decodeSeconds = decodeSeconds
    }
    public var prefillTokensPerSecond: Double { prefillSeconds > 0 ? Double(promptTokens) / prefillSeconds : 0 }
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
}
