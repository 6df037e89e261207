import Foundation
import Testing
import TakumiAgent
import TakumiGit

struct ContextCase: Codable, CustomStringConvertible {
    var repo: String
    var instruction: String
    var paths: [String]?
    var expected: [String]
    var description: String { "\(repo): \(instruction)" }
}

@Suite struct ContextSelectionTests {
    static func cases() throws -> [ContextCase] {
        let data = try Data(contentsOf: ContextFixture.fixturesDirectory.appendingPathComponent("cases.json"))
        return try JSONDecoder().decode([ContextCase].self, from: data)
    }

    /// recall@budget over the whole test set: the share of expected files that the selection
    /// includes as files (not just in the map) within the budget.
    @Test(arguments: [600, 1500, 4000])
    func recallAtBudget(_ budget: Int) throws {
        let cases = try Self.cases()
        #expect(cases.count >= 20)
        var fixtures: [String: ContextFixture] = [:]
        var found = 0, total = 0, firstHits = 0
        var misses: [String] = []
        for item in cases {
            let fixture = try fixtures[item.repo] ?? ContextFixture(copying: item.repo)
            fixtures[item.repo] = fixture
            let repository = try Repository.open(path: fixture.root)
            let selection = try ContextSelector(repository: repository)
                .select(ContextRequest(instruction: item.instruction, paths: item.paths ?? [], budget: budget))
            #expect(selection.totalTokens <= budget, "\(item): \(selection.totalTokens) tokens > \(budget)")
            let chosen = selection.files.map(\.path)
            for expected in item.expected {
                total += 1
                if chosen.contains(expected) { found += 1 } else { misses.append("\(item) -> missing \(expected); got \(chosen)") }
            }
            if let first = chosen.first, item.expected.contains(first) { firstHits += 1 }
            // Vendored and binary files are never chosen.
            #expect(!chosen.contains { $0.hasPrefix("vendor/") || $0.hasSuffix(".png") })
        }
        let recall = Double(found) / Double(total)
        print(String(format: "context recall@%d: %.3f (%d/%d expected files), top-1 precision %d/%d cases",
                     budget, recall, found, total, firstHits, cases.count))
        for miss in misses { print("  miss: \(miss)") }
        #expect(recall >= 0.9, "recall@\(budget) = \(recall)")
    }

    @Test func reportsRepositoryStateAndReasons() throws {
        let fixture = try ContextFixture(copying: "pyshop")
        try fixture.write("shop/pricing.py", try fixture.read("shop/pricing.py") + "\n# TODO: currencies\n")
        try fixture.write("scratch.txt", "notes\n")
        try fixture.write("shop/cart.py", try fixture.read("shop/cart.py") + "\n# staged\n")
        try fixture.git("add", "shop/cart.py")
        let repository = try Repository.open(path: fixture.root)
        let selection = try ContextSelector(repository: repository)
            .select(ContextRequest(instruction: "apply_discount should round to cents; see shop/cart.py", budget: 4000))
        #expect(selection.repository.root == fixture.root)
        #expect(selection.repository.branch == "main")
        #expect(selection.repository.head == (try fixture.git("rev-parse", "HEAD")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Set(selection.repository.dirtyPaths) == ["shop/pricing.py", "scratch.txt", "shop/cart.py"])
        #expect(selection.repository.stagedPaths == ["shop/cart.py"])
        let byPath = Dictionary(uniqueKeysWithValues: selection.files.map { ($0.path, $0) })
        #expect(byPath["shop/cart.py"]?.reason == .mentionedPath)
        #expect(byPath["shop/pricing.py"]?.reason == .mentionedSymbol)
        #expect(byPath["shop/pricing.py"]?.detail.contains("apply_discount") == true)
        // The user's uncommitted change to a chosen file comes with it, as does its history.
        #expect(byPath["shop/pricing.py"]?.uncommittedDiff?.contains("+# TODO: currencies") == true)
        #expect(byPath["shop/pricing.py"]?.recentCommits.first?.hasSuffix("Import pyshop") == true)
        #expect(byPath["shop/pricing.py"]?.content?.contains("def apply_discount") == true)
        // Totals add up.
        #expect(selection.totalTokens == selection.files.reduce(0) { $0 + $1.tokens } + selection.mapTokens)
        #expect(selection.totalTokens <= 4000)
        // The map lists other files with their symbols.
        #expect(selection.map.contains("shop/inventory.py: OutOfStock, Inventory"))
        #expect(selection.promptText().contains("### shop/pricing.py"))
    }

    @Test func budgetIsRespectedAndBigFilesComeAsRegions() throws {
        let fixture = try ContextFixture()
        var big = "import os\n\n"
        for i in 0..<400 { big += "def helper_\(i)(value):\n    return value + \(i)\n\n" }
        big += "def compute_checksum(data):\n    return sum(data) % 255\n"
        try fixture.write("lib/big.py", big)
        try fixture.write("lib/small.py", "def tiny():\n    return 1\n")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "big")
        let repository = try Repository.open(path: fixture.root)
        for budget in [64, 200, 600, 1500, 5000] {
            let selection = try ContextSelector(repository: repository)
                .select(ContextRequest(instruction: "compute_checksum must use crc32", budget: budget))
            #expect(selection.totalTokens <= budget, "budget \(budget): \(selection.totalTokens)")
            if budget >= 200 {
                let file = try #require(selection.files.first { $0.path == "lib/big.py" })
                #expect(file.isPartial)
                #expect(file.regions.contains { $0.text.contains("def compute_checksum") })
            }
        }
        #expect(throws: ContextError.budgetTooSmall(10)) {
            try ContextSelector(repository: repository).select(ContextRequest(instruction: "x", budget: 10))
        }
    }

    @Test func skipsBinaryVendoredIgnoredAndSurvivesOddBytes() throws {
        let fixture = try ContextFixture()
        try fixture.write(".gitignore", "secret.py\n")
        try fixture.write("app.py", "def frobnicate():\n    pass\n")
        try fixture.write("node_modules/pkg/index.js", "function frobnicate() {}\n")
        try fixture.write("image.bin", Data([0, 1, 2]) + Data("frobnicate".utf8))
        try fixture.write("latin1.py", Data("# caf".utf8) + Data([0xE9]) + Data(" frobnicate\n".utf8))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "odd")
        try fixture.write("secret.py", "def frobnicate(): pass\n")
        let repository = try Repository.open(path: fixture.root)
        let selection = try ContextSelector(repository: repository)
            .select(ContextRequest(instruction: "frobnicate more", budget: 3000))
        let chosen = Set(selection.files.map(\.path))
        #expect(chosen.contains("app.py"))
        #expect(chosen.contains("latin1.py"))
        #expect(!chosen.contains("secret.py"))
        #expect(!chosen.contains("image.bin"))
        #expect(!chosen.contains("node_modules/pkg/index.js"))
        #expect(!selection.map.contains("node_modules"))
        #expect(selection.files.first { $0.path == "latin1.py" }?.content?.contains("\u{FFFD}") == true)
    }

    @Test func namedPathsAndUnbornRepository() throws {
        let fixture = try ContextFixture()
        try fixture.write("main.go", "package main\n\nfunc main() {}\n")
        let repository = try Repository.open(path: fixture.root)
        // No commits yet, an untracked file, a named file that does not exist yet.
        let selection = try ContextSelector(repository: repository)
            .select(ContextRequest(instruction: "create a server", paths: ["main.go", fixture.root + "/server.go"], budget: 1000))
        #expect(selection.repository.head == nil)
        #expect(selection.files.map(\.path) == ["main.go", "server.go"])
        #expect(selection.files[1].detail.contains("does not exist yet"))
        #expect(throws: ContextError.self) {
            try ContextSelector(repository: repository).select(ContextRequest(instruction: "x", paths: ["../outside.txt"]))
        }
    }

    /// A cancelled request (Ctrl-C while a big repository is scanned) ends with `cancelled`
    /// and writes no term cache from its partial scan.
    @Test func cancelledSelectionStopsAndCachesNothing() throws {
        let fixture = try ContextFixture(copying: "mixed")
        let cacheDirectory = URL(fileURLWithPath: fixture.root + "-cache-cancelled")
        defer { try? FileManager.default.removeItem(at: cacheDirectory) }
        var request = ContextRequest(instruction: "parse the config", budget: 1500, cacheDirectory: cacheDirectory)
        let flag = CancellationFlag()
        flag.cancel()
        request.cancellation = flag
        #expect(throws: AgentError.cancelled) { try ContextSelector(repository: Repository.open(path: fixture.root)).select(request) }
        #expect(!FileManager.default.fileExists(atPath: cacheDirectory.path))
    }

    @Test func termCacheGivesTheSameAnswerAndNeverServesStaleContent() throws {
        let fixture = try ContextFixture(copying: "mixed")
        let cacheDirectory = URL(fileURLWithPath: fixture.root + "-cache")
        defer { try? FileManager.default.removeItem(at: cacheDirectory) }
        let repository = try Repository.open(path: fixture.root)
        let selector = ContextSelector(repository: repository)
        func select(_ instruction: String, cached: Bool) throws -> ContextSelection {
            try selector.select(ContextRequest(instruction: instruction, budget: 2000,
                                               cacheDirectory: cached ? cacheDirectory : nil))
        }
        let instruction = "ring_buffer_pop returns garbage when the buffer is empty"
        let uncached = try select(instruction, cached: false)
        let cold = try select(instruction, cached: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: cacheDirectory.path)
        #expect(files.count == 1 && files[0].hasSuffix(".tkctx"))
        let warm = try select(instruction, cached: true)
        #expect(cold == uncached)
        #expect(warm == uncached)

        // A file edited after the cache was written is read afresh (it is dirty now).
        try fixture.write("Sources/App/Settings.swift", "// zanzibar zanzibar zanzibar\n" + (try fixture.read("Sources/App/Settings.swift")))
        let edited = try select("zanzibar", cached: true)
        #expect(edited.files.first?.path == "Sources/App/Settings.swift")
        #expect(edited == (try select("zanzibar", cached: false)))
        // Committing it makes a new blob: cached under the new id, still correct.
        try fixture.git("commit", "-q", "-am", "zanzibar")
        #expect(try select("zanzibar", cached: true).files.first?.path == "Sources/App/Settings.swift")
        #expect(try select("zanzibar", cached: true).files.first?.path == "Sources/App/Settings.swift")

        // A damaged cache file is ignored and rewritten.
        let cacheFile = cacheDirectory.appendingPathComponent(files[0])
        try Data("TKCTX003 garbage".utf8).write(to: cacheFile)
        #expect(try select(instruction, cached: true) == (try select(instruction, cached: false)))
        #expect(try Data(contentsOf: cacheFile).count > 100)
    }
}
