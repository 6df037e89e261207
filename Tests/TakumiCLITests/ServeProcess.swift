import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `takumi serve` process on a free loopback port, stopped when the value goes away.
final class ServeProcess: @unchecked Sendable {
    let url: String
    private let process = Process()

    init(arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: ProcessTestSupport.takumiBinary)
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("TAKUMI_") && key != "TAKUMI_HOME" { env[key] = nil }
        process.environment = env.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "listening ") else {
            process.terminate()
            throw ScratchError.failed("takumi serve did not start: \(text)")
        }
        url = String(text[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var isRunning: Bool { process.isRunning }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// One HTTP exchange with a server, for tests: status and body (nil status: no answer).
func httpExchange(_ url: String, method: String = "POST", body: Data? = nil, headers: [String: String] = [:],
                  timeout: Double = 120) -> (status: Int?, body: Data) {
    var request = URLRequest(url: URL(string: url)!, timeoutInterval: timeout)
    request.httpMethod = method
    request.httpBody = body
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if body != nil && headers["Content-Type"] == nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var answer: (Int?, Data) = (nil, Data())
    let task = URLSession.shared.dataTask(with: request) { data, response, _ in
        answer = ((response as? HTTPURLResponse)?.statusCode, data ?? Data())
        done.signal()
    }
    task.resume()
    done.wait()
    return answer
}
