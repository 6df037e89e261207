import Foundation
import TakumiInference

/// Fixture files and the real-model tokenizer, shared by the tokenizer test suites.
enum TokenizerFixtures {
    /// The repository root, found from this file's location (Tests/TakumiInferenceTests/...).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func goldenURL(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Fixtures/golden").appendingPathComponent(name)
    }

    /// Parses a JSON-lines fixture into one dictionary per non-empty line.
    static func jsonLines(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: goldenURL(name), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let dictionary = object as? [String: Any] else {
                throw FixtureError.notAnObject(file: name, line: String(line.prefix(80)))
            }
            return dictionary
        }
    }

    static func ids(_ value: Any?) -> [Int32]? {
        (value as? [Any])?.compactMap { ($0 as? NSNumber)?.int32Value }
    }

    enum FixtureError: Error { case notAnObject(file: String, line: String) }

    /// The real model's tokenizer, loaded once (nil when the model file is absent).
    nonisolated(unsafe) private static var loaded: Tokenizer?
    private static let lock = NSLock()

    static func realTokenizer() throws -> Tokenizer? {
        guard let path = RealModel.pathOrSkip() else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let tokenizer = try Tokenizer(ggufPath: path)
        loaded = tokenizer
        return tokenizer
    }
}
