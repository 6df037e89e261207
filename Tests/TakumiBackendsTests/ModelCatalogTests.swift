import Foundation
import Testing
import TakumiInference
import TakumiBackends

@Suite struct ModelCatalogTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func catalogIsScriptsModelsSha256() throws {
        // scripts/fetch-model reads the text file; the binary carries the same table.
        let text = try String(contentsOfFile: Self.packageRoot + "/scripts/models.sha256", encoding: .utf8)
        let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line -> CatalogModel in
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            return CatalogModel(name: f[0], packagePrefix: f[1], parts: Int(f[2]) ?? 0, version: f[3], bytes: Int(f[4]) ?? 0, sha256: f[5])
        }
        #expect(rows == ModelCatalog.models)
    }

    @Test func listShowsCatalogAndOtherFiles() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-models-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/models", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: home + "/models/my-finetune.gguf", contents: Data("GGUF".utf8))
        FileManager.default.createFile(atPath: home + "/models/qwen2.5-coder-0.5b-instruct.gguf", contents: Data("half".utf8))
        let list = InstalledModel.list(locator: ModelLocator(environment: ["TAKUMI_HOME": home]))
        #expect(list.map(\.name) == ["qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct", "my-finetune"])
        #expect(list[0].isDefault && !list[0].installed, "a file of the wrong size is not an installed model")
        #expect(list[2].installed && !list[2].inCatalog)
    }

    @Test func pullRefusesUnknownNamesAndNamesTheKnownOnes() {
        let downloader = ModelDownloader(locator: ModelLocator(environment: ["TAKUMI_HOME": "/nonexistent"]))
        #expect { try downloader.pull("gpt-5") } throws: { error in
            "\(error)".contains("gpt-5") && "\(error)".contains("qwen2.5-coder-0.5b-instruct")
        }
    }
}
