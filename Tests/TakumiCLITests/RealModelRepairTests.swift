import Foundation
import Testing

/// `takumi edit` with the real default model on a fixture project (`Fixtures/repair/seqtools`:
/// a module of a dozen documented functions and its own test script): the fill-in-the-middle
/// repairs fix a one-token bug and write a stub before any chat answer, and the project's own
/// tests decide. Skipped when the model is absent, unless TAKUMI_REQUIRE_MODEL=1.
@Suite("CLI: fill-in-the-middle repairs with the real model", .serialized,
       .enabled(if: RealModel.shouldRun, "the default model is not downloaded"))
struct RealModelRepairTests {
    static let fixture = ProcessTestSupport.packageRoot + "/Fixtures/repair/seqtools"
    static let test = "python3 test_seqtools.py"

    func project(_ change: (String) -> String = { $0 }) throws -> ScratchRepo {
        let source = try String(contentsOfFile: Self.fixture + "/seqtools.py", encoding: .utf8)
        let tests = try String(contentsOfFile: Self.fixture + "/test_seqtools.py", encoding: .utf8)
        return try ScratchRepo(initialFiles: ["seqtools.py": change(source), "test_seqtools.py": tests])
    }

    func edit(_ scratch: ScratchRepo, _ instruction: String) throws -> (ProcessResult, [String: Any]) {
        let run = try scratch.takumi(["edit", instruction, "seqtools.py", "--test", Self.test, "--model", RealModel.path,
                                      "--attempts", "1", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                  "no JSON: \(run.stdout) \(run.stderr)")
        return (run, report)
    }

    @Test func aOneTokenBugIsFixedByTheModelsOwnToken() throws {
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        let scratch = try project()
        #expect(try scratch.run("/usr/bin/env", ["sh", "-c", Self.test]).status != 0, "the fixture's bug must fail its tests")
        let head = try scratch.git("rev-parse", "HEAD")
        let (run, report) = try edit(scratch, "take_nth(2, [10, 20, 30, 40, 50]) returns [20, 40] but should return [10, 30, 50]")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(report["applied"] as? Bool == true)
        let attempts = try #require(report["attempts"] as? [[String: Any]])
        let accepted = try #require(attempts.last)
        #expect(accepted["round"] as? Int == 0 && accepted["accepted"] as? Bool == true, "\(attempts)")
        #expect((accepted["origin"] as? String)?.contains("take_nth") == true)
        #expect(((accepted["prompt_tokens"] as? Int) ?? 0) > 100)
        #expect(scratch.read("seqtools.py")?.contains("islice(seq, 0, None, n)") == true)
        #expect(try scratch.run("/usr/bin/env", ["sh", "-c", Self.test]).status == 0)
        // Only the file changed: HEAD and the index are as they were.
        #expect(try scratch.git("rev-parse", "HEAD") == head)
        #expect(try scratch.git("status", "--porcelain") == " M seqtools.py\n")
    }

    @Test func aStubIsWrittenInPlace() throws {
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        let body = "    seen = set()\n    for item in seq:\n        if item not in seen:\n            seen.add(item)\n            yield item\n"
        let scratch = try project {
            $0.replacingOccurrences(of: "islice(seq, 1, None, n)", with: "islice(seq, 0, None, n)")
              .replacingOccurrences(of: body, with: "    raise NotImplementedError\n")
        }
        let (run, report) = try edit(scratch, "unique() raises NotImplementedError; implement it as its docstring says")
        #expect(run.status == 0, "\(run.stderr)")
        let attempts = try #require(report["attempts"] as? [[String: Any]])
        #expect(attempts.allSatisfy { $0["round"] as? Int == 0 }, "solved before any chat answer: \(attempts)")
        #expect(scratch.read("seqtools.py")?.contains("raise NotImplementedError") == false)
        #expect(try scratch.run("/usr/bin/env", ["sh", "-c", Self.test]).status == 0)
    }
}
