import CKernels
import Foundation
import Testing

/// Minimal GGUF reader for these tests only (the engine has the real one): finds a tensor's
/// type, shape and bytes in the memory-mapped model file.
struct GGUFTensorIndex {
    struct Tensor { let type: Int32; let dims: [Int]; let offset: Int }
    enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        var description: String { switch self { case .malformed(let why): "malformed GGUF: \(why)" } }
    }

    let data: Data
    let tensors: [String: Tensor]
    let dataStart: Int

    init(url: URL) throws {
        let file = try Data(contentsOf: url, options: .alwaysMapped)
        var cursor = 0
        func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard cursor + size <= file.count else { throw Failure.malformed("truncated at byte \(cursor)") }
            var value: T = 0
            _ = withUnsafeMutableBytes(of: &value) { file.copyBytes(to: $0, from: cursor..<cursor + size) }
            cursor += size
            return T(littleEndian: value)
        }
        func readString() throws -> String {
            let length = Int(try read(UInt64.self))
            guard length >= 0, cursor + length <= file.count else { throw Failure.malformed("string at byte \(cursor)") }
            defer { cursor += length }
            return String(decoding: file[cursor..<cursor + length], as: UTF8.self)
        }
        func skipValue(type: UInt32) throws {
            switch type {
            case 0, 1, 7: cursor += 1
            case 2, 3: cursor += 2
            case 4, 5, 6: cursor += 4
            case 10, 11, 12: cursor += 8
            case 8: _ = try readString()
            case 9:
                let elementType = try read(UInt32.self)
                let count = try read(UInt64.self)
                for _ in 0..<count { try skipValue(type: elementType) }
            default: throw Failure.malformed("value type \(type)")
            }
        }
        guard try read(UInt32.self) == 0x4655_4747 else { throw Failure.malformed("magic") }  // "GGUF"
        _ = try read(UInt32.self)
        let tensorCount = try read(UInt64.self), kvCount = try read(UInt64.self)
        var alignment = 32
        for _ in 0..<kvCount {
            let key = try readString()
            let type = try read(UInt32.self)
            if key == "general.alignment", type == 4 { alignment = Int(try read(UInt32.self)) } else { try skipValue(type: type) }
        }
        var found: [String: Tensor] = [:]
        for _ in 0..<tensorCount {
            let name = try readString()
            let nDims = Int(try read(UInt32.self))
            let dims = try (0..<nDims).map { _ in Int(try read(UInt64.self)) }
            let type = Int32(try read(UInt32.self))
            let offset = Int(try read(UInt64.self))
            found[name] = Tensor(type: type, dims: dims, offset: offset)
        }
        data = file
        tensors = found
        dataStart = (cursor + alignment - 1) / alignment * alignment
    }

    /// The first `rows` rows of a 2-D weight tensor.
    func rows(of name: String, count rows: Int) throws -> (type: QuantType, nIn: Int, bytes: [UInt8]) {
        guard let t = tensors[name], t.dims.count == 2 else { throw Failure.malformed("no 2-D tensor \(name)") }
        guard let type = (QuantType.weightTypes.first { $0.id == t.type }) else { throw Failure.malformed("\(name) has type \(t.type)") }
        let rowBytes = Int(tk_row_bytes(t.type, Int64(t.dims[0])))
        let start = dataStart + t.offset, length = rowBytes * min(rows, t.dims[1])
        guard rowBytes > 0, start + length <= data.count else { throw Failure.malformed("\(name) runs past the file") }
        return (type, t.dims[0], [UInt8](data[start..<start + length]))
    }
}

/// Where the real model is, and whether its absence is a failure (TAKUMI_REQUIRE_MODEL=1).
enum RealModel {
    static var modelURL: URL? {
        let home = ProcessInfo.processInfo.environment["TAKUMI_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/takumi")
        let url = home.appendingPathComponent("models/qwen2.5-coder-0.5b-instruct.gguf")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
    static var modelRequired: Bool { ProcessInfo.processInfo.environment["TAKUMI_REQUIRE_MODEL"] == "1" }
}

/// In KernelLevelTests because it forces kernel levels (see that suite).
extension KernelLevelTests {
    /// The kernels on real weights from the default model (its scale and quant
    /// distributions, not just our own quantizers'): every level against the float reference.
    @Test func realWeightsMatchFloatReferenceAtEveryLevel() throws {
        guard let url = RealModel.modelURL else {
            #expect(!RealModel.modelRequired, "TAKUMI_REQUIRE_MODEL=1 but the model file is missing")
            return
        }
        let model = try GGUFTensorIndex(url: url)
        // one tensor of every weight type the file has (REFERENCE.md §1)
        let names = ["blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.0.ffn_down.weight",
                     "blk.2.ffn_down.weight", "output.weight"]
        var typesSeen: Set<String> = []
        let pool = try #require(tk_pool_create(2))
        defer { tk_pool_destroy(pool) }
        for name in names {
            let rows = 24
            let (type, nIn, bytes) = try model.rows(of: name, count: rows)
            typesSeen.insert(type.name)
            let w = dequantize(bytes, type: type, count: rows * nIn)
            #expect(w.allSatisfy { $0.isFinite }, "\(name) dequantizes to finite values")
            var rng = SeededGenerator(seed: 99)
            let tokens = 5
            let x = randomFloats(tokens * nIn, scale: 3, using: &rng)
            for level in KernelLevel.available {
                let y = KernelLevel.with(level) { matmul(pool: pool, type, weights: bytes, rows: rows, nIn: nIn, x: x, tokens: tokens) }
                for t in 0..<tokens {
                    let xt = x[t * nIn..<(t + 1) * nIn]
                    let xmax = xt.map(abs).max() ?? 0
                    for r in 0..<rows {
                        let wr = w[r * nIn..<(r + 1) * nIn]
                        let reference = zip(wr, xt).reduce(0) { $0 + $1.0 * $1.1 }
                        let bound = KernelLevelTests.matmulVsFloatLimit * wr.reduce(0) { $0 + abs($1) } * xmax
                        let got = y[t * rows + r]
                        #expect(abs(got - reference) <= bound, "\(name) (\(type)) \(KernelLevel.name(level)) token \(t) row \(r): \(got) vs \(reference)")
                        if !(abs(got - reference) <= bound) { return }
                    }
                }
            }
        }
        #expect(typesSeen == ["Q5_0", "Q8_0", "Q6_K", "Q4_K"], "the model's weight types: \(typesSeen)")
    }
}
