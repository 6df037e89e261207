import Foundation
import Testing
import TakumiBackends

@Suite struct ServerSentEventTests {
    @Test func commentsFieldsAndLineEndings() {
        var parser = ServerSentEventParser()
        let body = ": ping\r\n\r\nevent: message\ndata: {\"a\":1}\n\ndata: first\ndata: second\r\rid: 7\ndata: [DONE]\n\n"
        #expect(parser.feed(Data(body.utf8)) == ["{\"a\":1}", "first\nsecond", "[DONE]"])
        #expect(parser.finish().isEmpty)
    }

    @Test func eventsSplitAcrossReadsComeWhole() {
        let body = Data("data: {\"choices\":[{\"delta\":{\"content\":\"héllo\"}}]}\r\n\r\ndata: [DONE]\r\n\r\n".utf8)
        // Every split point, including inside the UTF-8 bytes of é and between \r and \n.
        for cut in 1..<body.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(body.prefix(cut)) + parser.feed(body.dropFirst(cut)) + parser.finish()
            #expect(events == ["{\"choices\":[{\"delta\":{\"content\":\"héllo\"}}]}", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test func unterminatedLastEventCountsAtTheEnd() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Data("data: {\"content\":\"x\",\"stop\":true}".utf8)).isEmpty)
        #expect(parser.finish() == ["{\"content\":\"x\",\"stop\":true}"])
    }

    @Test func endpointNormalizesTheBaseURL() throws {
        let endpoint = try ServerEndpoint("http://127.0.0.1:8080/v1/", apiKey: "")
        #expect(endpoint.url("/v1/models").absoluteString == "http://127.0.0.1:8080/v1/models")
        #expect(endpoint.apiKey == nil)
        #expect(throws: BackendError.self) { try ServerEndpoint("127.0.0.1:8080", apiKey: nil) }
        #expect(throws: BackendError.self) { try ServerEndpoint("ftp://host", apiKey: nil) }
    }
}
