import Foundation
import TetherCore

/// An API request a root proxy relays to a leaf over the leaf's tunnel: a
/// tunnel stream at `streamPath` that carries one HTTP/1.1 request, the
/// caller's root certificate and address in `ForwardedIdentity`'s fields,
/// and back one HTTP/1.1 response.
///
/// The two clusters do not trust each other's software: a tenant's leaf
/// must not crash, flood or confuse the root (whose proxy writes the leaf's
/// answer back to the user), nor a root smuggle anything into a leaf's auth
/// service. So each end reads what the other sent as untrusted, against the
/// few shapes Tether itself sends; the HTTP/1.1 framing itself is NIO's.
public enum APIRelay {
    public static let streamPath = "/v1/api"
    /// The methods Tether's API is called with; no other is relayed.
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    /// The largest request or answer body relayed either way.
    public static let maximumBody = 16 << 20
    /// The largest request or answer head: the certificate in base64 and a few fields.
    public static let maximumHead = 64 << 10
    /// The HTTP statuses a relayed answer may have: final ones, as Tether's API answers.
    public static let statuses = 200...599
    /// Statuses whose answers end at their head (RFC 9110 §6.4.1): a body would be read as the next answer.
    static let bodilessStatuses: Set<Int> = [204, 205, 304]
    static let maximumURI = 8 << 10
    /// A TLS client certificate in DER; Tether's are under 1 KiB.
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

        /// Reads the request from a relayed request head (fields as sent, in any case).
        public init(method: String, uri: String, fields: [(name: String, value: String)]) throws(RelayProblem) {
            guard let encoded = try RelayProblem.single(ForwardedIdentity.header, in: fields) else {
                throw RelayProblem("it has no \(ForwardedIdentity.header) field")
            }
            guard encoded.utf8.count <= APIRelay.maximumCertificate * 4 / 3 + 4, let certificate = Data(base64Encoded: encoded) else {
                throw RelayProblem("the caller's certificate is not base64 of at most \(APIRelay.maximumCertificate) bytes")
            }
            try APIRelay.checkDeclaredLength(fields)
            try self.init(method: method, uri: uri, contentType: RelayProblem.single("Content-Type", in: fields),
                           certificateDER: Array(certificate), clientAddress: RelayProblem.single(ForwardedIdentity.clientAddressHeader, in: fields))
        }

        /// The fields that carry the request besides its method, path and length.
        public var fields: [(name: String, value: String)] {
            var fields = [(name: ForwardedIdentity.header, value: Data(certificateDER).base64EncodedString())]
            if let contentType { fields.append((name: "Content-Type", value: contentType)) }
            if let clientAddress { fields.append((name: ForwardedIdentity.clientAddressHeader, value: clientAddress)) }
            return fields
        }
    }

    /// Checks the head of a leaf's answer: its status, its content type
    /// (returned) and, for a status that ends at its head, that it announces
    /// no body. The body's size is checked as it arrives (`bodyTooLarge`).
    public static func checkAnswerHead(status: Int, fields: [(name: String, value: String)]) throws(RelayProblem) -> String? {
        guard statuses.contains(status) else {
            throw RelayProblem("status \(status) is not between \(statuses.lowerBound) and \(statuses.upperBound)")
        }
        let contentType = try RelayProblem.single("Content-Type", in: fields)
        if let contentType, !RelayProblem.isFieldValue(contentType) {
            throw RelayProblem("its content type is not a valid HTTP field value of at most \(maximumFieldValue) characters")
        }
        let lengths = fields.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        if bodilessStatuses.contains(status), !lengths.allSatisfy({ $0 == "0" }) || fields.contains(where: { $0.name.lowercased() == "transfer-encoding" }) {
            throw RelayProblem.body(onStatus: status)
        }
        try checkDeclaredLength(fields)
        return contentType
    }

    /// A body announced larger than any relayed is refused at the head, before any of it is read.
    static func checkDeclaredLength(_ fields: [(name: String, value: String)]) throws(RelayProblem) {
        if fields.contains(where: { $0.name.lowercased() == "content-length" && ($0.value.count > 9 || (Int($0.value) ?? 0) > maximumBody) }) {
            throw RelayProblem.bodyTooLarge
        }
    }

    /// Whether an answer with `status` may carry body bytes at all.
    public static func mayCarryBody(status: Int) -> Bool {
        !bodilessStatuses.contains(status)
    }
}

/// What is wrong with a relayed request or answer, as a clause for the
/// sentence of whichever end found it.
public struct RelayProblem: Error, Sendable, Equatable {
    public var clause: String

    public init(_ clause: String) { self.clause = clause }

    public static let bodyTooLarge = RelayProblem("its body is larger than \(APIRelay.maximumBody) bytes")

    public static func body(onStatus status: Int) -> RelayProblem {
        RelayProblem("a status \(status) answer carries a body")
    }

    /// The bytes are no HTTP/1.1 `message` the parser accepts; `reason` says where they broke.
    public static func malformed(_ message: String, _ reason: String) -> RelayProblem {
        RelayProblem("it is not a well-formed HTTP/1.1 \(message): \(reason)")
    }

    /// A field as sent, shortened and with control characters escaped, fit to quote.
    static func quoted(_ text: String) -> String {
        let shown = text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : $0.escaped(asASCII: true) }.joined()
        return "\"" + shown + (text.unicodeScalars.count > 40 ? "…" : "") + "\""
    }

    /// The value of a field that may appear at most once.
    static func single(_ name: String, in fields: [(name: String, value: String)]) throws(RelayProblem) -> String? {
        let values = fields.filter { $0.name.lowercased() == name.lowercased() }
        guard values.count <= 1 else { throw RelayProblem("it has more than one \(name) field") }
        return values.first?.value
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
