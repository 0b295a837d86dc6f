import NIOHPACK
import TetherCore

/// What the opener of a tunnel stream asks for: a service path (`/v1/ssh`)
/// and metadata, carried as the stream's HTTP/2 request headers
/// (`tether-<key>: value`).
public struct TunnelStreamRequest: Sendable, Equatable {
    public var path: String
    public var metadata: [String: String]

    public init(path: String, metadata: [String: String] = [:]) {
        self.path = path
        self.metadata = metadata
    }

    static let metadataPrefix = "tether-"

    var headers: HPACKHeaders {
        var headers: HPACKHeaders = [":method": "POST", ":scheme": "https", ":authority": "tether", ":path": path]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers.add(name: Self.metadataPrefix + key, value: value)
        }
        return headers
    }

    init(headers: HPACKHeaders) throws(TetherError) {
        guard let path = headers.first(name: ":path"), headers.first(name: ":method") == "POST" else {
            throw TetherError(.malformed, "tunnel stream request has no POST :path header.")
        }
        var metadata: [String: String] = [:]
        for (name, value, _) in headers where name.hasPrefix(Self.metadataPrefix) {
            metadata[String(name.dropFirst(Self.metadataPrefix.count))] = value
        }
        self.init(path: path, metadata: metadata)
    }
}

/// The acceptor's answer, as HTTP/2 response headers: `:status` and, for a
/// refusal, `tether-error` with the sentence to show the user.
enum TunnelStreamResponse {
    static let errorHeader = "tether-error"

    static func accepted() -> HPACKHeaders { [":status": "200"] }

    static func refused(_ error: TetherError) -> HPACKHeaders {
        [":status": String(status(for: error.code)), errorHeader: error.message, "tether-code": error.code.rawValue]
    }

    /// nil when the headers accept the stream, else the error they carry.
    static func error(in headers: HPACKHeaders) -> TetherError? {
        guard headers.first(name: ":status") != "200" else { return nil }
        let code = headers.first(name: "tether-code").map(TetherError.Code.init(rawValue:)) ?? .unavailable
        let message = headers.first(name: errorHeader) ?? "the far end refused the tunnel stream."
        return TetherError(code, message)
    }

    private static func status(for code: TetherError.Code) -> Int {
        switch code {
        case .accessDenied: 403
        case .notFound: 404
        case .invalidArgument, .malformed: 400
        case .unavailable: 503
        default: 500
        }
    }
}
