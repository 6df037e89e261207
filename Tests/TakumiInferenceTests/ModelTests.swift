import CKernels
import Foundation
import Testing
import TakumiInference

/// Largest |a - b| divided by the largest |b| (a scale-free error).
func relativeMaxError(_ a: [Float], _ b: [Float]) -> Float {
    var maxDiff: Float = 0, maxRef: Float = 1e-6
    for (x, y) in zip(a, b) {
        maxDiff = max(maxDiff, abs(x - y))
        maxRef = max(maxRef, abs(y))
    }
    return maxDiff / maxRef
}

@Suite("Qwen2 forward pass on tiny random models")
struct ModelTests {
    static let prompt: [Int32] = [5, 17, 3, 88, 42, 42, 7, 0, 95, 61, 12, 33, 8, 71, 50, 2, 19, 64, 77, 30]

    /// Named error limits: float weights must match the float reference closely; quantized
    /// weights are multiplied with 8-bit activations, as llama.cpp does, so they get more room.
    static func limit(for type: GGMLType) -> Float { type == .f32 ? 2e-4 : 0.06 }

    @Test(arguments: [GGMLType.f32, .q8_0, .q5_0])
    func matchesTheNaiveReference(type: GGMLType) throws {
        let tiny = TinyModel(matrixType: type)
        let model = try tiny.load()
        let reference = try ReferenceModel(file: model.file)
        let session = try InferenceSession(model: model, contextLength: 64, threads: 2)
        let got = try session.evaluateAllLogits(Self.prompt)
        let want = reference.logits(Self.prompt)
        let v = model.config.vocabularySize
        for pos in [0, 1, 7, Self.prompt.count - 1] {
            let err = relativeMaxError(Array(got[(pos * v)..<((pos + 1) * v)]), want[pos])
            #expect(err < Self.limit(for: type), "position \(pos), \(type): relative error \(err)")
        }
    }

    @Test func kQuantModelMatchesTheReference() throws {
        // K-quants need rows of 256: a wider tiny model with Q4_K matrices and Q6_K ffn_down.
        let tiny = TinyModel(layers: 1, width: 256, ffn: 512, heads: 4, kvHeads: 2, vocab: 64,
                             matrixType: .q4_K, downType: .q6_K)
        let model = try tiny.load()
        let reference = try ReferenceModel(file: model.file)
        let session = try InferenceSession(model: model, contextLength: 16, threads: 2)
        let prompt: [Int32] = [1, 9, 40, 2, 63, 11]
        let got = try session.evaluateAllLogits(prompt)
        let want = reference.logits(prompt)
        let err = relativeMaxError(Array(got.suffix(64)), want[prompt.count - 1])
        #expect(err < 0.06, "relative error \(err)")
    }

    @Test func fusedMatricesGiveTheSameLogits() throws {
        // q/k Q5_0 with v Q8_0: q|k fuse, v stays apart; gate|up fuse.
        let bytes = try TinyModel(matrixType: .q5_0, vType: .q8_0).bytes()
        let fused = try Model(file: GGUFFile(bytes: bytes))
        let plain = try Model(file: GGUFFile(bytes: bytes), fuseMatrices: false)
        #expect(fused.weights.layers[0].wqkv == nil && fused.weights.layers[0].wqk != nil)
        #expect(fused.weights.layers[0].wGateUp != nil && plain.weights.layers[0].wGateUp == nil)
        let a = try InferenceSession(model: fused, contextLength: 64, threads: 2).evaluateAllLogits(Self.prompt)
        let b = try InferenceSession(model: plain, contextLength: 64, threads: 2).evaluateAllLogits(Self.prompt)
        #expect(relativeMaxError(a, b) < 1e-5)
        let all = try Model(file: GGUFFile(bytes: TinyModel(matrixType: .q8_0).bytes()))
        #expect(all.weights.layers[1].wqkv?.rows == all.config.qWidth + 2 * all.config.kvWidth)
    }

    @Test func llamaArchitectureAndTiedEmbeddings() throws {
        let tiny = TinyModel(architecture: "llama", tiedEmbeddings: true)
        let model = try tiny.load()
        #expect(model.config.architecture == .llama)
        #expect(model.weights.layers[0].bq == nil)
        let reference = try ReferenceModel(file: model.file)
        let session = try InferenceSession(model: model, contextLength: 32, threads: 1)
        let got = try session.evaluateAllLogits(Self.prompt)
        let want = reference.logits(Self.prompt)
        let v = model.config.vocabularySize
        #expect(relativeMaxError(Array(got.suffix(v)), want.last!) < 2e-4)
    }

    @Test func cachedDecodeEqualsFullRecompute() throws {
        let model = try TinyModel(matrixType: .q8_0).load()
        let full = try InferenceSession(model: model, contextLength: 64, threads: 2)
        let all = try full.evaluateAllLogits(Self.prompt)
        let v = model.config.vocabularySize
        let incremental = try InferenceSession(model: model, contextLength: 64, threads: 2)
        try incremental.evaluate(Array(Self.prompt.prefix(5)))
        for i in 5..<Self.prompt.count {
            try incremental.evaluate(token: Self.prompt[i])
            let want = Array(all[(i * v)..<((i + 1) * v)])
            #expect(relativeMaxError(Array(incremental.lastLogits), want) < 1e-5, "position \(i)")
        }
        #expect(incremental.position == Self.prompt.count)
    }

    @Test func chunkedPrefillEqualsOneBatchAndTokenByToken() throws {
        let model = try TinyModel(matrixType: .q5_0).load()
        let oneBatch = try InferenceSession(model: model, contextLength: 64, threads: 2, maxBatch: 64)
        try oneBatch.evaluate(Self.prompt)
        let chunked = try InferenceSession(model: model, contextLength: 64, threads: 2, maxBatch: 3)
        var progress: [Int] = []
        try chunked.evaluate(Self.prompt) { done, _ in progress.append(done); return true }
        // After each of the 2 layers of each 3-token chunk (the last chunk has 2 tokens).
        #expect(progress == [1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 20])
        let single = try InferenceSession(model: model, contextLength: 64, threads: 1, maxBatch: 1)
        for t in Self.prompt { try single.evaluate([t]) }
        #expect(relativeMaxError(Array(chunked.lastLogits), Array(oneBatch.lastLogits)) < 1e-5)
        #expect(relativeMaxError(Array(single.lastLogits), Array(oneBatch.lastLogits)) < 1e-5)
    }

    @Test func truncateThenReevaluateReusesThePrefix() throws {
        let model = try TinyModel(matrixType: .q8_0).load()
        let session = try InferenceSession(model: model, contextLength: 64, threads: 2)
        try session.evaluate(Self.prompt)
        let want = Array(session.lastLogits)
        try session.evaluate([1, 2, 3])
        session.truncate(to: 10)
        #expect(session.tokens == Array(Self.prompt.prefix(10)))
        try session.evaluate(Array(Self.prompt.suffix(from: 10)))
        #expect(relativeMaxError(Array(session.lastLogits), want) < 1e-5)
    }

    @Test func contextOverflowAndBadTokensAreErrorsThatChangeNothing() throws {
        let model = try TinyModel().load()
        let session = try InferenceSession(model: model, contextLength: 8, threads: 1)
        try session.evaluate([1, 2, 3])
        #expect(throws: InferenceError.contextOverflow(needed: 9, capacity: 8)) { try session.evaluate([1, 2, 3, 4, 5, 6]) }
        #expect(throws: InferenceError.invalidTokenId(96, vocabularySize: 96)) { try session.evaluate([96]) }
        #expect(throws: InferenceError.invalidTokenId(-1, vocabularySize: 96)) { try session.evaluate([-1]) }
        #expect(throws: InferenceError.invalidTokenId(-1, vocabularySize: 96)) { try session.evaluate(token: -1) }
        #expect(session.tokens == [1, 2, 3])
    }

    @Test func missingTensorsAndBadShapesAreNamed() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("qwen2"))
        #expect(throws: InferenceError.self) { try Model(file: GGUFFile(bytes: w.bytes(), name: "empty.gguf")) }
        w.set("general.architecture", .string("gpt-j"))
        #expect(throws: InferenceError.unsupportedArchitecture(path: "x.gguf", architecture: "gpt-j")) {
            try Model(file: GGUFFile(bytes: w.bytes(), name: "x.gguf"))
        }
        // A tiny model without one layer tensor.
        let full = try GGUFFile(bytes: TinyModel().bytes())
        var partial = GGUFWriter()
        for key in full.metadataKeys { partial.set(key, full.metadata[key]!) }
        for t in full.tensorInfos where t.name != "blk.1.ffn_up.weight" {
            let tensor = try full.tensor(t.name)
            try partial.addTensor(name: t.name, type: t.type, dims: t.dims,
                                  bytes: Array(UnsafeRawBufferPointer(start: tensor.data, count: tensor.byteCount)))
        }
        #expect(throws: InferenceError.missingTensor(path: "p.gguf", tensor: "blk.1.ffn_up.weight")) {
            try Model(file: GGUFFile(bytes: partial.bytes(), name: "p.gguf"))
        }
    }
}
