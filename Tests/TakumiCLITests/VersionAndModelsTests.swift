import Foundation
import Testing

@Suite("CLI: --version and models")
struct VersionAndModelsTests {
    @Test func versionNamesTheCommitOfTheBuild() throws {
        let scratch = try ScratchRepo()
        let run = try scratch.takumi(["--version"])
        #expect(run.status == 0)
        let line = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("takumi 0.1.0 (commit "), "\(line)")
        let head = try scratch.run("/usr/bin/env", ["git", "-C", ProcessTestSupport.packageRoot, "rev-parse", "--short=12", "HEAD"])
        if head.status == 0 {
            let commit = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(line.contains("(commit \(commit)"), "\(line) vs HEAD \(commit)")
        }
    }

    @Test func modelsListPrintsTheCatalog() throws {
        let scratch = try ScratchRepo()
        let run = try scratch.takumi(["models", "list", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let models = try #require(report["models"] as? [[String: Any]])
        #expect(models.compactMap { $0["name"] as? String }.contains("qwen2.5-coder-0.5b-instruct"))
        #expect(models.allSatisfy { $0["installed"] as? Bool == false }, "the scratch TAKUMI_HOME is empty")
        let plain = try scratch.takumi(["models", "list"])
        #expect(plain.stdout.contains("qwen2.5-coder-0.5b-instruct (default)"))
        let bad = try scratch.takumi(["models", "pull", "nope"])
        #expect(bad.status == 1 && bad.stderr.contains("unknown model 'nope'"))
    }
}
