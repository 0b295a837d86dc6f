import Foundation
import TetherCore

/// The proxy's answer to a CONNECT: status line and headers. Parsed by hand
/// because the bytes after it belong to SSH, not to an HTTP decoder.
struct ConnectResponseHead: Equatable {
    var status: Int
    var reason: String
    /// Header names lowercased.
    var headers: [String: String]

    /// Longest head accepted; a proxy never needs more.
    static let maximumLength = 16 * 1024

    var isSuccess: Bool { (200..<300).contains(status) }

    var contentLength: Int? { headers["content-length"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }

    /// The head at the start of `bytes` and how many bytes it took, or nil
    /// while the blank line that ends it has not arrived yet.
    static func parse(_ bytes: [UInt8]) throws(TetherError) -> (head: ConnectResponseHead, length: Int)? {
        guard let end = endOfHead(in: bytes) else {
            guard bytes.count <= maximumLength else {
                throw TetherError(.malformed, "the proxy's answer to CONNECT has no end of headers within \(maximumLength) bytes; is this a Tether proxy?")
            }
            return nil
        }
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
            throw TetherError(.malformed, "the proxy answered CONNECT with \"\(statusLine.prefix(80))\", not an HTTP status line; is this a Tether proxy?")
        }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        return (ConnectResponseHead(status: status, reason: reason, headers: headers), end + 4)
    }

    private static func endOfHead(in bytes: [UInt8]) -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= terminator.count else { return nil }
        for start in 0...(bytes.count - terminator.count) where bytes[start..<(start + 4)].elementsEqual(terminator) {
            return start
        }
        return nil
    }
}
