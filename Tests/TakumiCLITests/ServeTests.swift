import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `takumi serve` driven by real clients: the openai Python package and llama.vim's /infill
/// request (scripts/serve-clients.py), adversarial bodies, a full queue, a client that goes away.
/// The scripted model keeps these fast and exact; the last test uses the real model.
@Suite("CLI: takumi serve", .serialized)
struct ServeTests {
    static let answer = "def add(a, b):\n    return a + b\n"

    func scriptedServer(_ extra: [String] = [], delay: Double? = nil) throws -> (ServeProcess, TempAnswer) {
        let file = try TempAnswer(Self.answer)
        var env: [String: String] = [:]
        if let delay { env["TAKUMI_SCRIPTED_DELAY"] = String(delay) }
        return (try ServeProcess(arguments: ["--model", "scripted:" + file.path] + extra, environment: env), file)
    }

    @Test func openAIPackageAndLlamaVimRequestsGetProperAnswers() throws {
        let bin: String
        switch LlamaPeer.binDirectory {
        case let .success(path): bin = path
        case let .failure(error):
            if LlamaPeer.required { Issue.record("peers unavailable: \(error)") } else {
                FileHandle.standardError.write(Data("SKIPPED openAIPackage…: peers unavailable: \(error)\n".utf8))
            }
            return
        }
        let (server, _) = try scriptedServer(["--api-key", "k"])
        let scratch = try ScratchRepo()
        let run = try scratch.run(bin + "/python", [ProcessTestSupport.packageRoot + "/scripts/serve-clients.py", server.url, "k"])
        try #require(run.status == 0, "serve-clients.py: \(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(report["models"] as? [String] == ["scripted"])
        let chat = try #require(report["chat"] as? [String: Any])
        #expect(chat["text"] as? String == Self.answer)
        #expect(chat["finish_reason"] as? String == "stop")
        #expect((chat["usage"] as? [String: Any])?["completion_tokens"] as? Int == 8)
        let stream = try #require(report["stream"] as? [String: Any])
        #expect((stream["pieces"] as? [String])?.joined() == Self.answer)
        #expect((stream["pieces"] as? [String])?.count == 8, "streamed word by word")
        #expect((stream["usage"] as? [String: Any])?["total_tokens"] != nil)
        let completion = try #require(report["completion"] as? [String: Any])
        #expect(completion["finish_reason"] as? String == "length", "max_tokens 4 of 8 words: \(completion)")
        #expect(completion["text"] as? String == "def add(a, b):\n    return")
        #expect((report["unknown_model"] as? [String: Any])?["status"] as? Int == 404)
        let infill = try #require(report["infill"] as? [String: Any])
        #expect(infill["content"] as? String == Self.answer)
        #expect(infill["stop"] as? Bool == true)
        #expect((infill["timings"] as? [String: Any])?["predicted_n"] as? Int == 8)
        // Without the key: 401 in OpenAI's shape.
        let refused = httpExchange(server.url + "/v1/models", method: "GET")
        #expect(refused.status == 401)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("invalid_api_key"))
    }

    @Test func adversarialBodiesGetProperErrorsAndTheServerSurvives() throws {
        let (server, _) = try scriptedServer(["--max-body", "65536"])
        let chat = server.url + "/v1/chat/completions"
        var bodies: [(String, Data)] = [
            ("empty", Data()), ("not JSON", Data("hello".utf8)), ("array", Data("[1,2]".utf8)),
            ("null", Data("null".utf8)), ("truncated", Data(#"{"messages": [{"role": "user", "content": "hi"#.utf8)),
            ("bad UTF-8", Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])),
            ("lone surrogate", Data(#"{"messages":[{"role":"user","content":"\ud800"}]}"#.utf8)),
            ("messages a string", Data(#"{"messages":"hi"}"#.utf8)),
            ("no messages", Data(#"{"model":"scripted"}"#.utf8)),
            ("empty messages", Data(#"{"messages":[]}"#.utf8)),
            ("bad role", Data(#"{"messages":[{"role":"wizard","content":"hi"}]}"#.utf8)),
            ("content a number", Data(#"{"messages":[{"role":"user","content":5}]}"#.utf8)),
            ("max_tokens string", Data(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":"5"}"#.utf8)),
            ("max_tokens negative", Data(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}"#.utf8)),
            ("max_tokens huge", Data(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":1e300}"#.utf8)),
            ("max_tokens fraction", Data(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}"#.utf8)),
            ("temperature bool", Data(#"{"messages":[{"role":"user","content":"hi"}],"temperature":true}"#.utf8)),
            ("stream a string", Data(#"{"messages":[{"role":"user","content":"hi"}],"stream":"yes"}"#.utf8)),
            ("stop numbers", Data(#"{"messages":[{"role":"user","content":"hi"}],"stop":[1,2]}"#.utf8)),
            ("too many stops", Data((#"{"messages":[{"role":"user","content":"hi"}],"stop":["# + String(repeating: #""a","#, count: 40) + #""a"]}"#).utf8)),
            ("unknown model", Data(#"{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}"#.utf8)),
            ("deep nesting", Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)),
            ("huge body", Data(repeating: 0x20, count: 200_000)),
            ("NUL bytes", Data([0x7B, 0x00, 0x00, 0x7D])),
            ("stream_options array", Data(#"{"messages":[{"role":"user","content":"hi"}],"stream_options":[]}"#.utf8)),
        ]
        // Seeded mutations of a valid body: flipped, dropped and repeated bytes.
        let valid = Array(#"{"model":"scripted","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"stream":false}"#.utf8)
        var random = SplitMix64(seed: 7)
        for index in 0..<150 {
            var bytes = valid
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 8)], at: at)
                }
            }
            bodies.append(("mutation \(index)", Data(bytes)))
        }
        for (name, body) in bodies {
            let answer = httpExchange(chat, body: body)
            let status = try #require(answer.status, "\(name): no answer (server crashed?)")
            if status == 200 {
                #expect(name.hasPrefix("mutation"), "\(name) was accepted")
                continue
            }
            #expect([400, 404, 413].contains(status), "\(name): status \(status)")
            let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            #expect(error?["message"] is String && error?["type"] is String, "\(name): body \(String(decoding: answer.body, as: UTF8.self))")
        }
        #expect(server.isRunning)
        #expect(httpExchange(server.url + "/health", method: "GET").status == 200)
        let fine = httpExchange(chat, body: Data(#"{"messages":[{"role":"user","content":"hi"}]}"#.utf8))
        #expect(fine.status == 200)
    }

    @Test func aFullQueueAnswers429AndEveryRequestIsAnswered() throws {
        // Each answer takes about 8 × 0.15 s; a queue of 2 cannot hold 6 at once.
        let (server, _) = try scriptedServer(["--queue", "2"], delay: 0.15)
        let body = Data(#"{"messages":[{"role":"user","content":"hi"}]}"#.utf8)
        let statuses = Statuses()
        let clients = (0..<6).map { _ in
            Thread { statuses.add(httpExchange(server.url + "/v1/chat/completions", body: body).status ?? -1) }
        }
        clients.forEach { $0.start() }
        while statuses.values.count < clients.count { Thread.sleep(forTimeInterval: 0.05) }
        let all = statuses.values.sorted()
        #expect(all.allSatisfy { $0 == 200 || $0 == 429 }, "\(all)")
        #expect(all.contains(429) && all.contains(200), "\(all)")
    }

    @Test func aClientThatGoesAwayFreesTheEngine() throws {
        // 8 words at 0.5 s: a whole answer takes about 4 s.
        let (server, _) = try scriptedServer([], delay: 0.5)
        var request = URLRequest(url: URL(string: server.url + "/v1/chat/completions")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#.utf8)
        let task = URLSession.shared.dataTask(with: request)
        task.resume()
        Thread.sleep(forTimeInterval: 0.8)
        task.cancel()
        let started = Date()
        let next = httpExchange(server.url + "/v1/chat/completions", body: Data(#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":1}"#.utf8))
        let seconds = Date().timeIntervalSince(started)
        #expect(next.status == 200)
        // Had the first generation run on, this one would have waited for its remaining ~3 s.
        #expect(seconds < 2.5, "the next request waited \(seconds) s")
    }

    @Test func theRealModelServesOurOwnClient() throws {
        guard RealModel.shouldRun else { return }
        try #require(FileManager.default.fileExists(atPath: RealModel.path), "model missing: \(RealModel.path)")
        let server = try ServeProcess(arguments: ["--model", RealModel.path, "--context", "4096"],
                                      environment: ["TAKUMI_HOME": RealModel.home])
        let scratch = try ScratchRepo()
        let run = try scratch.takumi(["generate", "--server", server.url, "--max-tokens", "12", "--json", "Count from 1 to 50."])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((report["text"] as? String)?.contains("1") == true)
        #expect(report["tokens"] as? Int == 12)
        let tokens = httpExchange(server.url + "/tokenize", body: Data(#"{"content":"hello world"}"#.utf8))
        #expect(String(decoding: tokens.body, as: UTF8.self).contains("[14990,1879]"))
    }
}

/// A scripted answer file, removed with the value.
final class TempAnswer {
    let path: String
    init(_ text: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("takumi-answer-\(UUID().uuidString).txt").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
    func add(_ value: Int) { lock.lock(); stored.append(value); lock.unlock() }
}

/// A small deterministic generator for the seeded mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
