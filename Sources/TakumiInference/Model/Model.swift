import Foundation

/// A loaded model: the mapped GGUF file, its configuration and its weights (used in place).
/// Immutable and shareable; per-request state lives in `InferenceSession`.
public final class Model: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let weights: ModelWeights

    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    /// - fuseMatrices: stack q|k|v and gate|up weights into owned copies so each takes one
    ///   matmul (one thread-pool pass) instead of two or three; same results.
    /// - repackMatrices: reorder Q4_K/Q6_K layer weights for the AVX-512 VNNI kernels (owned
    ///   copies, about the file's size; same values, results equal up to float rounding).
    public init(file: GGUFFile, fuseMatrices: Bool = true, repackMatrices: Bool = true) throws {
        self.file = file
        config = try ModelConfig(file: file)
        weights = try ModelWeights(file: file, config: config, fuseMatrices: fuseMatrices, repack: repackMatrices)
    }

    /// A short name for logs: `general.name`, else the file name without extension.
    public var name: String {
        if let n = try? file.string("general.name"), !n.isEmpty { return n }
        return URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
    }
}
