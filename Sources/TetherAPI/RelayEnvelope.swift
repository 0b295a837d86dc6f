import Foundation
import TetherCore

// A relayed API request crosses between clusters that do not trust each
// other's software: a tenant's leaf must not crash, flood or confuse the
// root (whose proxy writes the leaf's answer back to the user), nor a root
// smuggle anything into a leaf's auth service. So each end reads what the
// other sent as untrusted, against the few shapes Tether itself sends.

extension APIRelay {
    /// The methods Tether's API is called with; no other is relayed.
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    /// The largest request or answer body relayed either way.
    public static let maximumBody = 16 << 20
    /// The largest answer envelope: the body in base64, plus a little JSON.
    public static let maximumResponse = maximumBody / 3 * 4 + (64 << 10)
    static let maximumURI = 8 << 10
    /// Base64 of a TLS client certificate; Tether's are under 1 KiB.
    static let maximumCertificate = 16 << 10
    static let maximumFieldValue = 256

    /// A relayed request as the root sends it and as the leaf acts on it.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var uri: String
        public var contentType: String?
        public var certificateDER: [UInt8]
        public var clientAddress: String?

        /// The request, if it may be relayed; else what is wrong with it.
        public init(method: String, uri: String, contentType: String?, certificateDER: [UInt8], clientAddress: String?) throws(RelayProblem) {
            guard APIRelay.methods.contains(method) else {
                throw RelayProblem("method \(RelayProblem.quoted(method)) is not one of \(APIRelay.methods.sorted().joined(separator: ", "))")
            }
            guard uri.hasPrefix("/v1/"), uri.utf8.count <= APIRelay.maximumURI, uri.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw RelayProblem("the path \(RelayProblem.quoted(uri)) is not a /v1/ API path of at most \(APIRelay.maximumURI) printable characters")
            }
            if let contentType, !RelayProblem.isFieldValue(contentType) {
                throw RelayProblem("the content type is not a valid HTTP field value of at most \(APIRelay.maximumFieldValue) characters")
            }
            if let clientAddress, clientAddress.isEmpty || clientAddress.count > 64
                || !clientAddress.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".:%".contains($0)) }) {
                throw RelayProblem("the client address \(RelayProblem.quoted(clientAddress)) is not an IP address")
            }
            guard !certificateDER.isEmpty, certificateDER.count <= APIRelay.maximumCertificate else {
                throw RelayProblem("the caller's certificate is empty or larger than \(APIRelay.maximumCertificate) bytes")
            }
            (self.method, self.uri, self.contentType, self.certificateDER, self.clientAddress) = (method, uri, contentType, certificateDER, clientAddress)
        }

        /// Reads the request from tunnel stream metadata (see `Metadata`).
        public init(metadata: [String: String]) throws(RelayProblem) {
            guard let method = metadata[Metadata.method], let uri = metadata[Metadata.uri], let encoded = metadata[Metadata.certificate] else {
                throw RelayProblem("it has no method, uri or certificate")
            }
            guard encoded.utf8.count <= APIRelay.maximumCertificate * 4 / 3 + 4, let certificate = Data(base64Encoded: encoded) else {
                throw RelayProblem("the caller's certificate is not base64 of at most \(APIRelay.maximumCertificate) bytes")
            }
            try self.init(method: method, uri: uri, contentType: metadata[Metadata.contentType],
                           certificateDER: Array(certificate), clientAddress: metadata[Metadata.clientAddress])
        }

        public var metadata: [String: String] {
            var metadata = [
                Metadata.method: method,
                Metadata.uri: uri,
                Metadata.certificate: Data(certificateDER).base64EncodedString(),
            ]
            metadata[Metadata.contentType] = contentType
            metadata[Metadata.clientAddress] = clientAddress
            return metadata
        }
    }
}

/// What is wrong with a relayed request or answer, as a clause for the
/// sentence of whichever end found it.
public struct RelayProblem: Error, Sendable, Equatable {
    public var clause: String

    init(_ clause: String) { self.clause = clause }

    public static let unreadable = RelayProblem("it is no relayed answer in JSON")
    public static let oversized = RelayProblem("it is larger than \(APIRelay.maximumResponse) bytes")

    /// A field as sent, shortened and with control characters escaped, fit to quote.
    static func quoted(_ text: String) -> String {
        let shown = text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : $0.escaped(asASCII: true) }.joined()
        return "\"" + shown + (text.unicodeScalars.count > 40 ? "…" : "") + "\""
    }

    /// An HTTP field value (RFC 9110) that needs no legalizing: printable
    /// ASCII, spaces and tabs inside only, and short.
    static func isFieldValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= APIRelay.maximumFieldValue,
              first != 0x20, first != 0x09, last != 0x20, last != 0x09
        else { return false }
        return bytes.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x09 }
    }
}

extension RelayedResponse {
    /// The HTTP statuses a relayed answer may have: final ones, as Tether's API answers.
    public static let statuses = 200...599

    /// The answer as it may be passed on to the caller: its status, content
    /// type and decoded body; or what is wrong with it.
    public func checked() throws(RelayProblem) -> (status: Int, contentType: String?, body: Data) {
        guard Self.statuses.contains(status) else {
            throw RelayProblem("status \(status) is not between \(Self.statuses.lowerBound) and \(Self.statuses.upperBound)")
        }
        if let contentType, !RelayProblem.isFieldValue(contentType) {
            throw RelayProblem("its content type is not a valid HTTP field value of at most \(APIRelay.maximumFieldValue) characters")
        }
        guard body.utf8.count <= APIRelay.maximumBody / 3 * 4 + 4, let decoded = Data(base64Encoded: body), decoded.count <= APIRelay.maximumBody else {
            throw RelayProblem("its body is not base64 of at most \(APIRelay.maximumBody) bytes")
        }
        // These statuses end the answer at its head (RFC 9110 §6.4.1): a body would be read as the next answer.
        guard decoded.isEmpty || ![204, 205, 304].contains(status) else {
            throw RelayProblem("a status \(status) answer carries a body")
        }
        return (status, contentType, decoded)
    }
}
