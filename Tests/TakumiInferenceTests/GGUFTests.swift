import Foundation
import Testing
import TakumiInference

@Suite("GGUF reader and writer")
struct GGUFTests {
    /// A small file exercising every metadata type, nested arrays and two tensors.
    static func sampleBytes(alignment: Int = 32) throws -> [UInt8] {
        var w = GGUFWriter(alignment: alignment)
        w.set("general.architecture", .string("qwen2"))
        w.set("u8", .uint8(200)); w.set("i8", .int8(-5))
        w.set("u16", .uint16(60000)); w.set("i16", .int16(-30000))
        w.set("u32", .uint32(4_000_000_000)); w.set("i32", .int32(-7))
        w.set("u64", .uint64(1 << 40)); w.set("i64", .int64(-(1 << 40)))
        w.set("f32", .float32(1.5)); w.set("f64", .float64(-2.25)); w.set("flag", .bool(true))
        w.set("names", .array(.string(["a", "Ġb", "日本", ""])))
        w.set("ids", .array(.int32([1, -2, 3])))
        w.set("scores", .array(.float32([0.5, -1])))
        w.set("nested", .array(.array([.uint8([1, 2]), .string(["x"]), .array([.bool([true, false])])])))
        try w.addTensor(name: "a.weight", dims: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        try w.addTensor(name: "b.bias", dims: [3], floats: [-1, 0, 1])
        return w.bytes()
    }

    @Test func roundTripsEveryValueType() throws {
        let f = try GGUFFile(bytes: try Self.sampleBytes(), name: "sample.gguf")
        #expect(f.version == 3)
        #expect(try f.string("general.architecture") == "qwen2")
        #expect(f.metadata["u8"] == .uint8(200))
        #expect(f.metadata["i8"] == .int8(-5))
        #expect(f.metadata["u16"] == .uint16(60000))
        #expect(f.metadata["i16"] == .int16(-30000))
        #expect(try f.uint32("u32") == 4_000_000_000)
        #expect(try f.int("i32") == -7)
        #expect(try f.int("u64") == 1 << 40)
        #expect(try f.int("i64") == -(1 << 40))
        #expect(try f.float32("f32") == 1.5)
        #expect(try f.float32("f64") == -2.25)
        #expect(try f.bool("flag"))
        #expect(try f.stringArray("names") == ["a", "Ġb", "日本", ""])
        #expect(try f.int32Array("ids") == [1, -2, 3])
        #expect(try f.floatArray("scores") == [0.5, -1])
        #expect(try f.array("nested") == .array([.uint8([1, 2]), .string(["x"]), .array([.bool([true, false])])]))
        #expect(f.metadataKeys.first == "general.architecture")
    }

    @Test func findsTensorsWithAlignedData() throws {
        for alignment in [32, 64] {
            let f = try GGUFFile(bytes: try Self.sampleBytes(alignment: alignment))
            #expect(f.alignment == alignment)
            let a = try f.tensor("a.weight")
            #expect(a.type == .f32)
            #expect(a.dims == [4, 2])
            #expect(a.info.rowCount == 2)
            #expect(a.byteCount == 32)
            #expect(a.info.fileOffset % alignment == 0)
            let floats = (0..<8).map { a.data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            #expect(floats == [1, 2, 3, 4, 5, 6, 7, 8])
            let b = try f.tensor("b.bias", dims: [3])
            #expect(b.data.loadUnaligned(fromByteOffset: 8, as: Float.self) == 1)
        }
    }

    @Test func accessorErrorsNameTheKeyAndTensor() throws {
        let f = try GGUFFile(bytes: try Self.sampleBytes(), name: "sample.gguf")
        #expect(throws: InferenceError.missingKey(path: "sample.gguf", key: "nope")) { try f.string("nope") }
        #expect(throws: InferenceError.wrongKeyType(path: "sample.gguf", key: "u8", expected: "string", found: "uint8")) {
            try f.string("u8")
        }
        #expect(throws: InferenceError.missingTensor(path: "sample.gguf", tensor: "c.weight")) { try f.tensor("c.weight") }
        #expect(throws: InferenceError.self) { try f.tensor("a.weight", dims: [2, 4]) }
        let message = InferenceError.missingTensor(path: "m.gguf", tensor: "blk.0.attn_q.weight").description
        #expect(message.contains("m.gguf") && message.contains("blk.0.attn_q.weight"))
    }

    @Test func rejectsBadMagicAndVersion() throws {
        var bytes = try Self.sampleBytes()
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: InferenceError.badMagic(path: "x", found: Array("XGUF".utf8))) { try GGUFFile(bytes: bytes, name: "x") }
        bytes = try Self.sampleBytes()
        bytes[4] = 9
        #expect(throws: InferenceError.unsupportedVersion(path: "x", version: 9)) { try GGUFFile(bytes: bytes, name: "x") }
        #expect(throws: InferenceError.self) { try GGUFFile(bytes: [], name: "empty") }
    }

    @Test func rejectsUnknownTensorType() throws {
        var w = GGUFWriter()
        try w.addTensor(name: "t", dims: [2], floats: [1, 2])
        var bytes = w.bytes()
        // The type field sits right after the name and dims: find it by its known layout.
        let typeOffset = 4 + 4 + 8 + 8 + (8 + 1) + 4 + 8
        #expect(bytes[typeOffset] == 0)
        bytes[typeOffset] = 99
        #expect(throws: InferenceError.unknownTensorType(path: "t.gguf", tensor: "t", type: 99)) {
            try GGUFFile(bytes: bytes, name: "t.gguf")
        }
    }

    @Test func rejectsTensorDataOutsideTheFile() throws {
        let bytes = try Self.sampleBytes()
        // Drop the last tensor's data: its offset now points past the end.
        let cut = Array(bytes.prefix(bytes.count - 32))
        #expect(throws: InferenceError.self) { try GGUFFile(bytes: cut, name: "cut.gguf") }
        do {
            _ = try GGUFFile(bytes: cut, name: "cut.gguf")
        } catch let e as InferenceError {
            guard case let .tensorOutOfBounds(_, tensor, _, _, _) = e else { Issue.record("unexpected \(e)"); return }
            #expect(tensor == "b.bias")
        }
    }

    @Test func everyTruncationIsAnErrorNotACrash() throws {
        let bytes = try Self.sampleBytes()
        // Trailing padding after the last tensor's data may go; everything before must stay.
        let last = try #require(try GGUFFile(bytes: bytes).tensorInfos.last)
        let dataEnd = last.fileOffset + last.byteCount
        #expect(dataEnd < bytes.count)
        #expect((try? GGUFFile(bytes: Array(bytes.prefix(dataEnd)))) != nil)
        for length in 0..<dataEnd {
            #expect(throws: InferenceError.self) { try GGUFFile(bytes: Array(bytes.prefix(length)), name: "trunc") }
        }
    }

    @Test func bitFlipsNeverCrash() throws {
        let bytes = try Self.sampleBytes()
        var rng = TestRNG(seed: 42)
        var parsed = 0, rejected = 0
        for _ in 0..<3000 {
            var copy = bytes
            for _ in 0..<(1 + rng.int(3)) {
                let i = rng.int(copy.count)
                copy[i] ^= UInt8(1 << rng.int(8))
            }
            do {
                let f = try GGUFFile(bytes: copy, name: "flip")
                // Whatever parsed must be internally consistent.
                for t in f.tensorInfos { #expect(t.fileOffset + t.byteCount <= f.fileSize) }
                parsed += 1
            } catch is InferenceError {
                rejected += 1
            }
        }
        #expect(parsed + rejected == 3000)
        #expect(rejected > 0)
    }

    @Test func writesAndMapsAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-gguf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.gguf").path
        var w = GGUFWriter()
        w.set("k", .string("v"))
        try w.addTensor(name: "t", dims: [3], floats: [1, 2, 3])
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        #expect(try f.string("k") == "v")
        #expect(try f.tensor("t").data.loadUnaligned(fromByteOffset: 4, as: Float.self) == 2)
        #expect(throws: InferenceError.self) { try GGUFFile(path: dir.appendingPathComponent("missing.gguf").path) }
        #expect(throws: InferenceError.self) { try GGUFFile(path: dir.path) }
    }

    @Test(.enabled(if: RealModel.available)) func readsTheRealModel() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        let f = try GGUFFile(path: path)
        #expect(try f.string("general.architecture") == "qwen2")
        #expect(try f.uint32("qwen2.block_count") == 24)
        #expect(try f.uint32("qwen2.embedding_length") == 896)
        #expect(try f.stringArray("tokenizer.ggml.tokens").count == 151_936)
        #expect(try f.stringArray("tokenizer.ggml.merges").count == 151_387)
        #expect(f.tensorInfos.count == 291)
        let out = try f.tensor("output.weight")
        #expect(out.type == .q8_0)
        #expect(out.dims == [896, 151_936])
        let counts = Dictionary(grouping: f.tensorInfos, by: \.type).mapValues(\.count)
        #expect(counts[.q5_0] == 133 && counts[.q8_0] == 13 && counts[.q6_K] == 12 && counts[.q4_K] == 12 && counts[.f32] == 121)
    }

    @Test(.enabled(if: RealModel.available)) func damagedCopiesOfTheRealHeaderNeverCrash() throws {
        guard let path = RealModel.pathOrSkip() else { return }
        let f = try GGUFFile(path: path)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        // The header (metadata + tensor infos) ends before dataOffset; keep a little data too.
        let head = [UInt8](try handle.read(upToCount: f.dataOffset + 4096) ?? Data())
        for length in [0, 3, 8, 23, 100, 1 << 10, 1 << 16, 1 << 20, f.dataOffset - 1] {
            #expect(throws: InferenceError.self) { try GGUFFile(bytes: Array(head.prefix(length)), name: "head") }
        }
        var rng = TestRNG(seed: 7)
        for _ in 0..<12 {
            var copy = head
            // Flip bits in the first 64 KiB, where the structure (counts, lengths, types) is dense.
            for _ in 0..<4 {
                let i = rng.int(min(copy.count, 1 << 16))
                copy[i] ^= UInt8(1 << rng.int(8))
            }
            do { _ = try GGUFFile(bytes: copy, name: "flip") } catch is InferenceError {}
        }
    }
}
