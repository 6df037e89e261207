import Foundation
import Testing
import TakumiAgent

/// Each folder in `Fixtures/edits/NNN_name/` holds `input/` (the files before), `answer.txt`
/// (a model answer), and `expected/` (the whole tree after). Optional: `format.txt`
/// (`whole-file`; default search-replace), `shown.txt` (the files the prompt showed, one per
/// line), `error.txt` (the error case the answer must be refused with; `expected/` then
/// equals `input/`).
@Suite struct EditScenarioTests {
    static let scenarioNames: [String] = {
        let dir = TestPaths.fixtures + "/edits"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func thereAreAtLeastThirtyScenarios() {
        #expect(Self.scenarioNames.count >= 30)
    }

    @Test(arguments: scenarioNames)
    func scenario(_ name: String) throws {
        let dir = TestPaths.fixtures + "/edits/" + name
        let work = try TempDir("takumi-scenario")
        try copyTree(dir + "/input", to: work.path)
        let answer = try String(contentsOfFile: dir + "/answer.txt", encoding: .utf8)
        let option = { (file: String) in
            (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let format = option("format.txt").flatMap(EditFormat.init(rawValue:)) ?? .searchReplace
        let shown = option("shown.txt").map { $0.split(separator: "\n").map(String.init) } ?? []
        let expectedError = option("error.txt")

        let root = work.path
        let parser = EditAnswerParser(format: format, knownPaths: Set(shown), defaultPath: shown.count == 1 ? shown[0] : nil,
                                      isExistingFile: { FileManager.default.fileExists(atPath: root + "/" + $0) })
        do {
            let ops = try parser.parse(answer)
            let changes = try EditApplier(root: work.path).apply(ops)
            try ChangeWriter(root: work.path).write(changes)
            #expect(expectedError == nil, "expected \(expectedError ?? "") but the answer applied")
        } catch {
            #expect(expectedError != nil, "unexpected error: \(error)")
            if let expectedError { #expect(caseName(error) == expectedError, "\(error)") }
        }
        let actual = snapshotTree(work.path)
        let expected = snapshotTree(dir + "/expected")
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, data) in expected {
            #expect(actual[path] == data, "\(path) differs:\n\(String(decoding: actual[path] ?? Data(), as: UTF8.self))")
        }
    }
}
