import Foundation

/// Every error the inference module throws. Messages name the offending value (file, key,
/// tensor, offset) so a user can tell which input is wrong without a debugger.
public enum InferenceError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file ends before a structure that must be there.
    case truncated(path: String, offset: Int, needed: Int, what: String)
    case badMagic(path: String, found: [UInt8])
    case unsupportedVersion(path: String, version: UInt32)
    /// A metadata value is malformed (unknown value type, absurd count, ...).
    case badMetadata(path: String, key: String, reason: String)
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    case badTensorInfo(path: String, tensor: String, reason: String)
    /// A tensor's data lies (partly) outside the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: UInt64, bytes: UInt64, fileSize: Int)
    case missingKey(path: String, key: String)
    case wrongKeyType(path: String, key: String, expected: String, found: String)
    case missingTensor(path: String, tensor: String)
    /// A tensor exists but does not have the shape or type the model needs.
    case badTensorShape(path: String, tensor: String, expected: String, found: String)
    case unsupportedArchitecture(path: String, architecture: String)
    case badModelConfig(path: String, reason: String)
    /// A request needs more positions than the KV cache holds.
    case contextOverflow(needed: Int, capacity: Int)
    case invalidTokenId(Int, vocabularySize: Int)
    case cannotWrite(path: String, reason: String)
    case modelNotFound(name: String, path: String)
    case outOfMemory(what: String, bytes: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .truncated(path, offset, needed, what):
            return "\(path): file is truncated: \(what) needs \(needed) bytes at offset \(offset)"
        case let .badMagic(path, found):
            let shown = found.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "\(path): not a GGUF file (magic bytes \(shown), expected 47 47 55 46 \"GGUF\")"
        case let .unsupportedVersion(path, version):
            return "\(path): unsupported GGUF version \(version) (supported: 2, 3)"
        case let .badMetadata(path, key, reason):
            return "\(path): metadata key '\(key)': \(reason)"
        case let .unknownTensorType(path, tensor, type):
            return "\(path): tensor '\(tensor)' has unknown or unsupported type id \(type)"
        case let .badTensorInfo(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case let .tensorOutOfBounds(path, tensor, offset, bytes, fileSize):
            return "\(path): tensor '\(tensor)' data (\(bytes) bytes at file offset \(offset)) lies outside the file (\(fileSize) bytes)"
        case let .missingKey(path, key):
            return "\(path): required metadata key '\(key)' is missing"
        case let .wrongKeyType(path, key, expected, found):
            return "\(path): metadata key '\(key)' is \(found), expected \(expected)"
        case let .missingTensor(path, tensor):
            return "\(path): required tensor '\(tensor)' is missing"
        case let .badTensorShape(path, tensor, expected, found):
            return "\(path): tensor '\(tensor)' is \(found), expected \(expected)"
        case let .unsupportedArchitecture(path, architecture):
            return "\(path): unsupported model architecture '\(architecture)' (supported: qwen2, llama)"
        case let .badModelConfig(path, reason):
            return "\(path): bad model configuration: \(reason)"
        case let .contextOverflow(needed, capacity):
            return "request needs \(needed) tokens of context but the KV cache holds \(capacity); use a larger context or a shorter prompt"
        case let .invalidTokenId(id, vocabularySize):
            return "token id \(id) is outside the vocabulary (0..<\(vocabularySize))"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .modelNotFound(name, path):
            return "model '\(name)' not found at \(path); download it with: scripts/fetch-model \(name)"
        case let .outOfMemory(what, bytes):
            return "cannot allocate \(bytes) bytes for \(what)"
        }
    }

    public var errorDescription: String? { description }
}
