@testable import TetherClient
import TetherCore
import Testing

@Suite struct ConnectResponseHeadTests {
    @Test func incompleteHeadWaitsForMore() throws {
        #expect(try ConnectResponseHead.parse(Array("HTTP/1.1 200 Connection Established\r\n".utf8)) == nil)
    }

    @Test func successReportsWhereTheTunnelledBytesStart() throws {
        let bytes = Array("HTTP/1.1 200 Connection Established\r\nX-A: b\r\n\r\nSSH-2.0-node\r\n".utf8)
        let (head, length) = try #require(try ConnectResponseHead.parse(bytes))
        #expect(head.isSuccess)
        #expect(head.reason == "Connection Established")
        #expect(head.headers["x-a"] == "b")
        #expect(String(decoding: bytes[length...], as: UTF8.self) == "SSH-2.0-node\r\n")
    }

    @Test func refusalCarriesItsContentLength() throws {
        let (head, _) = try #require(try ConnectResponseHead.parse(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 42\r\n\r\n".utf8)))
        #expect(!head.isSuccess)
        #expect(head.status == 403)
        #expect(head.contentLength == 42)
    }

    @Test(arguments: ["SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 42 Weird\r\n\r\n"])
    func nonHTTPAnswerIsMalformed(text: String) {
        let error = #expect(throws: TetherError.self) { try ConnectResponseHead.parse(Array(text.utf8)) }
        #expect(error?.code == .malformed)
    }

    @Test func endlessHeadIsRefused() {
        let bytes = Array("HTTP/1.1 200 OK\r\n".utf8) + [UInt8](repeating: 65, count: ConnectResponseHead.maximumLength)
        #expect(throws: TetherError.self) { try ConnectResponseHead.parse(bytes) }
    }

    @Test func requestHeadNamesTheNodeAndRoutingHeaders() {
        let target = ConnectTarget(node: "robot-17", cluster: "acme", login: "root", certificate: "ssh-ed25519-cert-v01@openssh.com AAAA")
        #expect(target.requestHead == """
        CONNECT robot-17:0 HTTP/1.1\r
        Host: robot-17:0\r
        Tether-Cluster: acme\r
        Tether-Login: root\r
        Tether-Certificate: ssh-ed25519-cert-v01@openssh.com AAAA\r
        \r

        """)
    }
}
