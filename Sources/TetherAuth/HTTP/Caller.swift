import Foundation
import HTTPTypes
import Hummingbird
import NIOSSL
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport
import X509

/// Who is calling: the identity in the TLS client certificate or, when the
/// direct peer is a proxy, in the certificate it forwards.
struct Caller: Sendable {
    var identity: TLSIdentity?
    var remoteAddress: String?
}

/// Works out the caller of a request and enforces what an endpoint needs,
/// auditing every refusal as `auth.failed`.
struct CallerResolver: Sendable {
    let verifier: TLSCertificateVerifier
    let audit: AuditTrail

    func caller(of request: Request, context: AuthRequestContext) async throws -> Caller {
        let peerCertificate = try await context.channel.nioSSL_peerCertificate().get()
        var direct: TLSIdentity?
        if let peerCertificate { direct = try PeerIdentity.identity(of: peerCertificate) }
        // Only a proxy may speak for someone else; from anyone else the headers mean nothing.
        guard let direct, direct.kind == .host, direct.roles.contains(ForwardedIdentity.proxyRole) else {
            return Caller(identity: direct, remoteAddress: context.remoteAddress)
        }
        let remoteAddress = request.headers[HTTPField.Name(ForwardedIdentity.clientAddressHeader)!] ?? context.remoteAddress
        guard let forwarded = request.headers[HTTPField.Name(ForwardedIdentity.header)!] else {
            return Caller(identity: direct, remoteAddress: remoteAddress)
        }
        guard let der = Data(base64Encoded: forwarded), let certificate = try? Certificate(derEncoded: Array(der)) else {
            throw try refusal("proxy \(direct.name) forwarded a certificate that is not base64 DER", remoteAddress: remoteAddress, .malformed)
        }
        let forwardedIdentity: TLSIdentity
        do {
            forwardedIdentity = try await verifier.verify(certificate, for: .client)
        } catch {
            throw try refusal("forwarded certificate refused: \(error.message)", remoteAddress: remoteAddress, error.code)
        }
        return Caller(identity: forwardedIdentity, remoteAddress: remoteAddress)
    }

    /// The calling user, or a refusal.
    func user(of request: Request, context: AuthRequestContext) async throws -> (TLSIdentity, Caller) {
        let caller = try await caller(of: request, context: context)
        guard let identity = caller.identity, identity.kind == .user else {
            throw try refusal("\(request.uri.path) needs a user certificate; \(describe(caller.identity)) presented", remoteAddress: caller.remoteAddress)
        }
        return (identity, caller)
    }

    /// The calling host holding one of `roles`, or a refusal.
    func host(of request: Request, context: AuthRequestContext, roles: Set<String>) async throws -> (TLSIdentity, Caller) {
        let caller = try await caller(of: request, context: context)
        guard let identity = caller.identity, identity.kind == .host, !roles.isDisjoint(with: identity.roles) else {
            let needed = roles.sorted().joined(separator: " or ")
            throw try refusal("\(request.uri.path) needs a host certificate of a \(needed); \(describe(caller.identity)) presented", remoteAddress: caller.remoteAddress)
        }
        return (identity, caller)
    }

    private func describe(_ identity: TLSIdentity?) -> String {
        guard let identity else { return "no certificate was" }
        let roles = identity.roles.isEmpty ? "" : " (\(identity.roles.joined(separator: ", ")))"
        return "\(identity)\(roles) was"
    }

    /// Audits a refusal and returns the error to throw.
    private func refusal(_ reason: String, remoteAddress: String?, _ code: TetherError.Code = .accessDenied) throws(TetherError) -> TetherError {
        try audit.refusal(reason, remoteAddress: remoteAddress)
        return TetherError(code, reason + ".")
    }
}
