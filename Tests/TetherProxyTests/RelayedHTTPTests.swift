import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TetherAPI
import TetherCore
import Testing
@testable import TetherProxy

/// A relayed API request is HTTP/1.1 on a tunnel stream, read as untrusted
/// at both ends: what a leaf answers a root, and what a root asks of a leaf.
/// The handlers run with NIO's real codecs on embedded channels, fed bytes
/// as a rogue peer would send them.
struct RelayedHTTPTests {
    static let certificate = Array(repeating: UInt8(0x30), count: 600)

    private static func request(method: String = "GET", uri: String = "/v1/nodes", contentType: String? = nil, clientAddress: String? = "192.0.2.7") throws(RelayProblem) -> APIRelay.Request {
        try APIRelay.Request(method: method, uri: uri, contentType: contentType, certificateDER: certificate, clientAddress: clientAddress)
    }

    // MARK: the root reading a leaf's answer

    /// The root's end of an API stream, its request already sent.
    private final class RootEnd {
        let channel = EmbeddedChannel()
        private(set) var result: Result<APIAnswer, any Error>?
        private(set) var sent = ""

        init(_ request: APIRelay.Request, body: String = "") throws {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let answered = channel.eventLoop.makePromise(of: APIAnswer.self)
            answered.futureResult.whenComplete { self.result = $0 }
            try RelayedAnswerHandler.install(
                on: channel, RelayedAnswerHandler(request: request, body: ByteBuffer(string: body), cluster: "evil", timeout: .seconds(45), answered: answered))
            while let part = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = part { sent += String(buffer: buffer) }
            }
        }

        /// What the leaf sends, then the end of its side of the stream.
        func leafAnswers(_ bytes: String..., ending: Bool = true) {
            for chunk in bytes where channel.isActive {
                _ = try? channel.writeInbound(ByteBuffer(string: chunk))
            }
            if ending, channel.isActive { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        }

        /// The clause the root refused the answer with, if it did.
        var refusal: String? {
            guard case .failure(let error as TetherError) = result, error.code == .invalidResponse,
                  let clause = error.message.firstMatch(of: #/^cluster evil answered with an invalid response \((.*)\), which was not passed on; ask the administrators of evil to check its proxy\.$/#)
            else { return nil }
            return String(clause.1)
        }
    }

    @Test func theRequestGoesOutAsHTTPWithTheCallersIdentity() throws {
        let root = try RootEnd(try Self.request(method: "POST", uri: "/v1/nodes?name=a", contentType: "application/json"), body: "{}")
        let lines = root.sent.components(separatedBy: "\r\n")
        #expect(lines.first == "POST /v1/nodes?name=a HTTP/1.1")
        #expect(lines.contains("Tether-Forwarded-Certificate: \(Data(Self.certificate).base64EncodedString())"))
        #expect(lines.contains("Tether-Forwarded-For: 192.0.2.7"))
        #expect(lines.contains("Content-Type: application/json"))
        #expect(lines.contains("Content-Length: 2"))
        #expect(root.sent.hasSuffix("\r\n\r\n{}"))
    }

    @Test func anAnswerTetherSendsIsPassedOnWhole() throws {
        let root = try RootEnd(try Self.request())
        root.leafAnswers("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n[", "{}]\r\n\r\n", ending: false)
        let answer = try #require(try root.result?.get())
        #expect(answer.status == 200 && answer.contentType == "application/json" && String(buffer: answer.body) == "[{}]\r\n\r")
        #expect(!root.channel.isActive, "the stream is closed once the answer is whole")

        let chunked = try RootEnd(try Self.request())
        chunked.leafAnswers("HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        #expect(try chunked.result?.get().status == 503)

        let noContent = try RootEnd(try Self.request(method: "DELETE"))
        noContent.leafAnswers("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        #expect(try noContent.result?.get().body.readableBytes == 0)

        // A HEAD answer announces a length and has no body: the decoder knows the request's method.
        let head = try RootEnd(try Self.request(method: "HEAD"))
        head.leafAnswers("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n", ending: false)
        #expect(try head.result?.get().body.readableBytes == 0)
    }

    @Test(arguments: [
        ("HTTP/1.1 1000 Nope\r\nContent-Length: 0\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid HTTP status code"),
        ("HTTP/1.1 600 Six\r\nContent-Length: 0\r\n\r\n", "status 600 is not between 200 and 599"),
        // An interim answer is skipped; the final one never comes.
        ("HTTP/1.1 199 Early\r\nContent-Length: 0\r\n\r\n", "the stream ended before the answer was complete"),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "status 101 is not between 200 and 599"),
        ("HTTP/1.1 OK\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid HTTP status code"),
        ("{\"status\":200,\"body\":\"\"}", "it is not a well-formed HTTP/1.1 answer: invalid constant string"),
        ("HTTP/2.0 200 OK\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid HTTP version"),
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\u{1}\r\nContent-Length: 0\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid character in header"),
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\rSet-Cookie: a=b\r\nContent-Length: 0\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: LF character expected"),
        ("HTTP/1.1 200 OK\r\nContent-Type: tëxt/plain\r\nContent-Length: 0\r\n\r\n", "its content type is not a valid HTTP field value of at most 256 characters"),
        ("HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Type: b\r\nContent-Length: 0\r\n\r\n", "it has more than one Content-Type field"),
        ("HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n{}", "a status 204 answer carries a body"),
        ("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "a status 304 answer carries a body"),
        ("HTTP/1.1 205 Reset Content\r\n\r\n{}", "a status 205 answer carries a body"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 16777217\r\n\r\n", "its body is larger than 16777216 bytes"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "it is not a well-formed HTTP/1.1 answer: stream ended at an unexpected time"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: " + String(repeating: "a", count: 64 << 10) + "\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: too many header bytes seen; overflow detected"),
        ("", "the stream ended before the answer was complete"),
    ])
    func answersTheRootCannotPassOnFaithfullyAreRefused(answer: String, problem: String) throws {
        let root = try RootEnd(try Self.request())
        root.leafAnswers(answer)
        #expect(root.refusal == problem, "\(String(describing: root.result))")
        #expect(!root.channel.isActive)
    }

    @Test func aBodyStreamedPastTheLimitIsRefusedWithoutWaitingForItsEnd() throws {
        let root = try RootEnd(try Self.request())
        let megabyte = String(repeating: "a", count: 1 << 20)
        root.leafAnswers("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ending: false)
        for _ in 0..<16 { root.leafAnswers("100000\r\n" + megabyte + "\r\n", ending: false) }
        #expect(root.result == nil, "16 MiB is still within the limit")
        root.leafAnswers("1\r\na\r\n", ending: false)
        #expect(root.refusal == "its body is larger than 16777216 bytes")
        #expect(!root.channel.isActive)
    }

    @Test func aLeafThatStallsIsGivenUpAfterTheDeadline() throws {
        let root = try RootEnd(try Self.request())
        root.leafAnswers("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{", ending: false)
        root.channel.embeddedEventLoop.advanceTime(by: .seconds(44))
        #expect(root.result == nil)
        root.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        guard case .failure(let error as TetherError) = root.result else {
            Issue.record("no verdict at the deadline: \(String(describing: root.result))")
            return
        }
        #expect(error.code == .unavailable)
        #expect(error.message == "cluster evil did not answer within 45 seconds; try again, or ask its administrators to check its proxy.")
        #expect(!root.channel.isActive)
    }

    @Test func whatFollowsTheAnswerIsNeverRead() throws {
        let root = try RootEnd(try Self.request())
        root.leafAnswers("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 1000 X\r\n\r\n")
        #expect(try root.result?.get().status == 200)
    }

    // MARK: the leaf reading its root's request

    /// The leaf's end of an API stream; what passes is answered with an echo of it.
    private struct LeafEnd {
        let channel = EmbeddedChannel()

        init() throws {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try RelayedRequestHandler.install(on: channel, RelayedRequestHandler(
                serve: { request, body, eventLoop in
                    let echo = "\(request.method) \(request.uri) \(request.contentType ?? "-") \(request.clientAddress ?? "-") \(request.certificateDER.count) \(String(buffer: body))"
                    return eventLoop.makeSucceededFuture(APIAnswer(status: 200, contentType: "text/plain", body: ByteBuffer(string: echo)))
                },
                refusal: { APIAnswer(status: 400, contentType: "text/plain", body: ByteBuffer(string: $0.clause)) }))
        }

        /// What the leaf answers once it has read `bytes`: its status line and body.
        func answer(to bytes: String) throws -> (statusLine: String, body: String) {
            try channel.writeInbound(ByteBuffer(string: bytes))
            var answer = ""
            while let part = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = part { answer += String(buffer: buffer) }
            }
            let parts = answer.components(separatedBy: "\r\n\r\n")
            return (parts[0].components(separatedBy: "\r\n")[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
        }
    }

    static func relayed(_ requestLine: String, _ fields: [String] = [], body: String = "") -> String {
        let identity = ["Tether-Forwarded-Certificate: \(Data(certificate).base64EncodedString())", "Tether-Forwarded-For: 192.0.2.7"]
        return ([requestLine] + identity + fields + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n")
    }

    @Test func aRequestTetherSendsIsServed() throws {
        let leaf = try LeafEnd()
        let answer = try leaf.answer(to: Self.relayed("POST /v1/nodes?name=a HTTP/1.1", ["Content-Type: application/json"], body: "{}"))
        #expect(answer.statusLine == "HTTP/1.1 200 OK")
        #expect(answer.body == "POST /v1/nodes?name=a application/json 192.0.2.7 600 {}")
    }

    @Test(arguments: [
        (RelayedHTTPTests.relayed("TRACE /v1/nodes HTTP/1.1"), "method \"TRACE\" is not one of DELETE, GET, HEAD, PATCH, POST, PUT"),
        (RelayedHTTPTests.relayed("BREW /v1/nodes HTTP/1.1"), "it is not a well-formed HTTP/1.1 request: invalid HTTP method"),
        (RelayedHTTPTests.relayed("GET /admin HTTP/1.1"), "the path \"/admin\" is not a /v1/ API path of at most 8192 printable characters"),
        (RelayedHTTPTests.relayed("GET http://evil.example/v1/nodes HTTP/1.1"), "the path \"http://evil.example/v1/nodes\" is not a /v1/ API path of at most 8192 printable characters"),
        (RelayedHTTPTests.relayed("GET /v1/n\u{7F}des HTTP/1.1"), "it is not a well-formed HTTP/1.1 request: invalid URL"),
        (RelayedHTTPTests.relayed("GET /v1/nodes HTTP/1.1", ["Content-Type: text/plain\u{1}"]), "it is not a well-formed HTTP/1.1 request: invalid character in header"),
        (RelayedHTTPTests.relayed("GET /v1/nodes HTTP/1.1", ["Content-Type: tëxt/plain"]), "the content type is not a valid HTTP field value of at most 256 characters"),
        (RelayedHTTPTests.relayed("GET /v1/nodes HTTP/1.1", ["Tether-Forwarded-For: 10.0.0.2"]), "it has more than one Tether-Forwarded-For field"),
        ("GET /v1/nodes HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "it has no Tether-Forwarded-Certificate field"),
        ("GET /v1/nodes HTTP/1.1\r\nTether-Forwarded-Certificate: ***\r\nContent-Length: 0\r\n\r\n", "the caller's certificate is not base64 of at most 16384 bytes"),
        ("GET /v1/nodes HTTP/1.1\r\nTether-Forwarded-Certificate: \(Data(count: 20 << 10).base64EncodedString())\r\nContent-Length: 0\r\n\r\n",
         "the caller's certificate is not base64 of at most 16384 bytes"),
        ("GET /v1/nodes HTTP/1.1\r\nTether-Forwarded-Certificate: \(Data(count: 60 << 10).base64EncodedString())\r\nContent-Length: 0\r\n\r\n",
         "it is not a well-formed HTTP/1.1 request: too many header bytes seen; overflow detected"),
        (RelayedHTTPTests.relayed("POST /v1/nodes HTTP/1.1").replacingOccurrences(of: "Content-Length: 0", with: "Content-Length: 16777217"), "its body is larger than 16777216 bytes"),
    ])
    func requestsTheLeafMustNotServeAreRefused(request: String, problem: String) throws {
        let leaf = try LeafEnd()
        let answer = try leaf.answer(to: request)
        #expect(answer.statusLine == "HTTP/1.1 400 Bad Request")
        #expect(answer.body == problem)
    }

    @Test func aBodyPastTheLimitIsRefused() throws {
        let leaf = try LeafEnd()
        let head = Self.relayed("POST /v1/nodes HTTP/1.1", ["Transfer-Encoding: chunked"]).replacingOccurrences(of: "Content-Length: 0\r\n", with: "")
        try leaf.channel.writeInbound(ByteBuffer(string: head))
        let megabyte = String(repeating: "a", count: 1 << 20)
        for _ in 0..<16 { try leaf.channel.writeInbound(ByteBuffer(string: "100000\r\n" + megabyte + "\r\n")) }
        #expect(try leaf.channel.readOutbound(as: IOData.self) == nil, "16 MiB is still within the limit")
        let answer = try leaf.answer(to: "1\r\na\r\n")
        #expect(answer.statusLine == "HTTP/1.1 400 Bad Request")
        #expect(answer.body == "its body is larger than 16777216 bytes")
    }

    /// The fuzz target's entry point: the same handlers on bytes alone, one verdict for every input.
    @Test func bytesAloneGetOneVerdictAtEachEnd() throws {
        #expect(try RelayedHTTPReading.answer(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8))?.get() == 200)
        #expect(RelayedHTTPReading.answer(Array("HTTP/1.1 1000 X\r\n\r\n".utf8))?.failure?.code == .invalidResponse)
        let request = Self.relayed("DELETE /v1/nodes/a HTTP/1.1")
        #expect(try RelayedHTTPReading.request(Array(request.utf8))?.get().uri == "/v1/nodes/a")
        for bytes in ["", "\r\n", "GET", request.replacingOccurrences(of: "DELETE", with: "TRACE"), String(request.dropLast(3))] {
            #expect(RelayedHTTPReading.answer(Array(bytes.utf8)) != nil, "\(bytes)")
            #expect(RelayedHTTPReading.request(Array(bytes.utf8)) != nil, "\(bytes)")
        }
    }

    // MARK: the contract's own checks

    @Test func requestsRoundTripThroughTheirFields() throws {
        let request = try Self.request(method: "POST", uri: "/v1/nodes?x=1", contentType: "application/json", clientAddress: "fe80::1%eth0")
        #expect(try APIRelay.Request(method: request.method, uri: request.uri, fields: request.fields) == request)
    }

    @Test(arguments: ["application/json\r\nSet-Cookie: a=b", "text/plain\n", "a\u{0}b", "", " text/plain", "text/plain\t", String(repeating: "a", count: 257)])
    func fieldsThatAreNoHTTPFieldValueAreRefused(contentType: String) {
        #expect(throws: RelayProblem.self) { try Self.request(contentType: contentType) }
        #expect(throws: RelayProblem.self) { try APIRelay.checkAnswerHead(status: 200, fields: [(name: "content-type", value: contentType)]) }
    }

    @Test func aQuotedFieldShowsNoControlCharacters() {
        do {
            _ = try Self.request(method: "\u{1B}[2J" + String(repeating: "X", count: 100))
            Issue.record("an escape sequence passed as a method")
        } catch {
            #expect(!error.clause.contains("\u{1B}"))
            #expect(error.clause.contains("…"))
        }
    }
}

private extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
