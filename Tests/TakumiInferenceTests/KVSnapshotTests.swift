import Foundation
import Testing
import TakumiInference

/// Persistent KV snapshots between "processes" (separate Generators sharing a directory).
@Suite("KV snapshots")
struct KVSnapshotTests {
    static func generator(seed: UInt64 = 3, store: KVSnapshotStore?) throws -> Generator {
        let file = try GGUFFile(bytes: TinyModel(seed: seed, withTokenizer: true).bytes(), name: "tiny-\(seed).gguf")
        let g = try Generator(model: Model(file: file), tokenizer: Tokenizer(gguf: file), contextLength: 1024, threads: 2)
        g.snapshots = store
        return g
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "takumi-kv-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let files = String(repeating: "def add(a, b):\n    return a + b\n\n", count: 8)

    func run(_ g: Generator, _ prompt: String, maxTokens: Int = 12) throws -> Generator.Output {
        var sampler = Sampler(settings: .greedy)
        return try g.generate(promptTokens: g.tokenizer.encode(prompt), options: .init(maxTokens: maxTokens), sampler: &sampler)
    }

    @Test func theNextProcessRestoresTheSharedPrefixAndAnswersTheSame() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = KVSnapshotStore(directory: dir, minimumTokens: 16)
        let first = try run(try Self.generator(store: store), Self.files + "# task: one")
        #expect(first.snapshotPromptTokens == 0)
        #expect(store.byteCount > 0, "the first prompt was saved")

        // Another process, another instruction after the same files.
        let prompt = Self.files + "# task: two"
        let second = try run(try Self.generator(store: store), prompt)
        let shared = zip(Self.files + "# task: one", prompt).prefix { $0 == $1 }.count // one byte per token
        #expect(second.snapshotPromptTokens == shared)
        #expect(second.reusedPromptTokens == shared)
        let fresh = try run(try Self.generator(store: nil), prompt)
        #expect(second.tokens == fresh.tokens)
        #expect(second.text == fresh.text)
    }

    @Test func aCorruptSnapshotIsIgnoredAndRemoved() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = KVSnapshotStore(directory: dir, minimumTokens: 16)
        _ = try run(try Self.generator(store: store), Self.files)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".kv") })
        let path = dir + "/" + name
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 5] ^= 0x40 // one bit of a value
        try bytes.write(to: URL(fileURLWithPath: path))

        let out = try run(try Self.generator(store: store), Self.files + "x")
        #expect(out.snapshotPromptTokens == 0)
        #expect(out.tokens == (try run(try Self.generator(store: nil), Self.files + "x")).tokens)
        #expect(!FileManager.default.fileExists(atPath: path), "the corrupt file is deleted")
    }

    @Test func anotherModelsSnapshotIsNotUsed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = KVSnapshotStore(directory: dir, minimumTokens: 16)
        _ = try run(try Self.generator(seed: 3, store: store), Self.files)
        let other = try run(try Self.generator(seed: 4, store: store), Self.files + "x")
        #expect(other.snapshotPromptTokens == 0)
    }

    @Test func theDirectoryStaysWithinItsBoundLeastRecentlyUsedFirst() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // One snapshot of ~270 tokens is ~70 KB on this model (keys and values as halves): room for two.
        let store = KVSnapshotStore(directory: dir, maxBytes: 150_000, minimumTokens: 16)
        let prompts = ["a", "b", "c"].map { String(repeating: "\($0)bc = def(\($0))\n", count: 18) }
        for p in prompts { _ = try run(try Self.generator(store: store), p, maxTokens: 2) }
        #expect(store.byteCount <= 150_000)
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".kv") }
        #expect(kept.count == 2)
        // The newest survives; the oldest (first) was evicted.
        #expect(try run(try Self.generator(store: store), prompts[2] + "z", maxTokens: 2).snapshotPromptTokens > 0)
        #expect(try run(try Self.generator(store: KVSnapshotStore(directory: dir, maxBytes: 0, minimumTokens: 16)),
                        prompts[0] + "z", maxTokens: 2).snapshotPromptTokens == 0)
    }
}
