import Foundation
import TetherAPI
import TetherCore
import Testing

/// The relayed API envelope is read as untrusted at both ends: what a leaf
/// answers a root, and what a root asks of a leaf.
struct RelayEnvelopeTests {
    private static func answer(_ status: Int, contentType: String? = "application/json", body: Data = Data("{}".utf8)) -> RelayedResponse {
        RelayedResponse(status: status, contentType: contentType, body: body.base64EncodedString())
    }

    private static func problem(_ response: RelayedResponse) -> String? {
        do {
            _ = try response.checked()
            return nil
        } catch {
            return error.clause
        }
    }

    @Test func answersTetherSendsPassWithTheirBodyDecoded() throws {
        let ok = try Self.answer(200).checked()
        #expect(ok.status == 200 && ok.contentType == "application/json" && ok.body == Data("{}".utf8))
        #expect(try Self.answer(503, contentType: nil).checked().status == 503)
        #expect(try Self.answer(204, body: Data()).checked().body.isEmpty)
    }

    @Test(arguments: [1000, 999, 600, 199, 101, 100, 0, -1, Int.max, Int.min])
    func statusesOutsideFinalHTTPOnesAreRefused(status: Int) {
        #expect(Self.problem(Self.answer(status)) == "status \(status) is not between 200 and 599")
    }

    @Test(arguments: ["application/json\r\nSet-Cookie: a=b", "text/plain\n", "a\u{0}b", "", " text/plain", "text/plain\t", "tëxt/plain", String(repeating: "a", count: 257)])
    func contentTypesThatAreNoHTTPFieldValueAreRefused(contentType: String) {
        #expect(Self.problem(Self.answer(200, contentType: contentType))?.hasPrefix("its content type is not a valid HTTP field value") == true)
    }

    @Test func bodiesThatAreNotBase64OrTooLargeAreRefused() {
        let notBase64 = RelayedResponse(status: 200, contentType: nil, body: "not base64!")
        #expect(Self.problem(notBase64) == "its body is not base64 of at most \(APIRelay.maximumBody) bytes")
        let tooLarge = Self.answer(200, body: Data(count: APIRelay.maximumBody + 1))
        #expect(Self.problem(tooLarge) == "its body is not base64 of at most \(APIRelay.maximumBody) bytes")
        #expect(Self.problem(Self.answer(200, body: Data(count: APIRelay.maximumBody))) == nil)
        // An answer that ends at its head cannot carry a body without the next bytes being read as another answer.
        #expect(Self.problem(Self.answer(304)) == "a status 304 answer carries a body")
    }

    // MARK: requests

    private static let certificate = Array(repeating: UInt8(0x30), count: 600)

    private static func request(method: String = "GET", uri: String = "/v1/nodes", contentType: String? = nil, clientAddress: String? = "192.0.2.7") throws(RelayProblem) -> APIRelay.Request {
        try APIRelay.Request(method: method, uri: uri, contentType: contentType, certificateDER: certificate, clientAddress: clientAddress)
    }

    @Test func requestsRoundTripThroughStreamMetadata() throws {
        let request = try Self.request(method: "POST", uri: "/v1/nodes?x=1", contentType: "application/json", clientAddress: "fe80::1%eth0")
        #expect(try APIRelay.Request(metadata: request.metadata) == request)
    }

    @Test(arguments: ["TRACE", "CONNECT", "get", "GET /v1/users HTTP/1.1\r\nTether-Forwarded-Certificate: x\r\n\r\nGET", ""])
    func methodsOutsideTheAllowListAreRefused(method: String) {
        #expect(throws: RelayProblem.self) { try Self.request(method: method) }
        var metadata = (try? Self.request())?.metadata ?? [:]
        metadata[APIRelay.Metadata.method] = method
        #expect(throws: RelayProblem.self) { try APIRelay.Request(metadata: metadata) }
    }

    @Test(arguments: ["/admin", "v1/nodes", "@evil.example/v1/nodes", "/v1/nodes HTTP/1.1\r\nX: y", "/v1/nödes", "/v1/" + String(repeating: "a", count: 8 << 10)])
    func pathsOutsideTheAPIAreRefused(uri: String) {
        #expect(throws: RelayProblem.self) { try Self.request(uri: uri) }
    }

    @Test func headerFieldsAndTheCertificateAreChecked() throws {
        #expect(throws: RelayProblem.self) { try Self.request(contentType: "application/json\r\nTether-Forwarded-Certificate: x") }
        #expect(throws: RelayProblem.self) { try Self.request(clientAddress: "10.0.0.1\r\nX: y") }
        #expect(throws: RelayProblem.self) { try Self.request(clientAddress: "") }
        var metadata = try Self.request().metadata
        metadata[APIRelay.Metadata.certificate] = "***"
        #expect(throws: RelayProblem.self) { try APIRelay.Request(metadata: metadata) }
        metadata[APIRelay.Metadata.certificate] = Data(count: 32 << 10).base64EncodedString()
        #expect(throws: RelayProblem.self) { try APIRelay.Request(metadata: metadata) }
        metadata[APIRelay.Metadata.certificate] = nil
        #expect(throws: RelayProblem.self) { try APIRelay.Request(metadata: metadata) }
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
