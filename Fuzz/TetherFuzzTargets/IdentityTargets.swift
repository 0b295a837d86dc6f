import Foundation
import TetherCore
import TetherIdentity

extension FuzzTargets {
    static let identity = [sshCertificate, sshPublicKey, openSSHPrivateKey]

    /// The certificate a user presents to a node, the proxy (CONNECT header)
    /// and the auth service: a wire blob, or a `-cert.pub` line.
    static let sshCertificate = FuzzTarget("ssh-certificate", "OpenSSH certificates: wire blobs and -cert.pub lines, Tether identity, verification") { bytes in
        let blob = Array(bytes)
        if let certificate = try? SSHCertificate(wireBlob: blob) {
            check(certificate)
        }
        if let certificate = try? SSHCertificate(authorizedKeyLine: text(bytes)) {
            check(certificate)
        }
    }

    private static func check(_ certificate: SSHCertificate) {
        _ = try? TetherCertificateIdentity(certificate: certificate)
        _ = certificate.description
        // A fixed moment, so that a replay decides the same way on any day.
        let verifier = SSHCertificateVerifier.user(principal: "alice", trustedCAs: [certificate.signatureKey], clock: FixedWallClock(Date(timeIntervalSince1970: 1_800_000_000)))
        _ = try? verifier.verify(certificate)
        let line = certificate.authorizedKeyLine(comment: "fuzz")
        require((try? SSHCertificate(authorizedKeyLine: line)) == certificate, "a parsed certificate's line reads back as itself")
    }

    /// Public keys from authorized_keys and `.pub` lines, heartbeats and
    /// join requests, and the blobs inside certificates.
    static let sshPublicKey = FuzzTarget("ssh-public-key", "SSH public keys and signatures: wire blobs and authorized_keys lines") { bytes in
        let blob = Array(bytes)
        if let key = try? SSHPublicKey(wireBlob: blob) {
            require(key.wireBlob == blob, "a parsed public key blob encodes back to the same bytes")
            _ = key.fingerprint
        }
        if let key = try? SSHPublicKey(authorizedKeyLine: text(bytes)) {
            require((try? SSHPublicKey(authorizedKeyLine: key.authorizedKeyLine())) == key, "a parsed key line reads back as itself")
        }
        _ = try? SSHSignature(wireBlob: blob)
    }

    /// `~/.tether` and node key files as ssh-keygen writes them. Input
    /// that is not PEM armour is armoured first, so the fuzzer reaches the
    /// binary format behind the base64 directly.
    static let openSSHPrivateKey = FuzzTarget("openssh-private-key", "the OpenSSH private key file format (openssh-key-v1)") { bytes in
        let file: String
        if bytes.starts(with: "-----BEGIN".utf8) {
            file = text(bytes)
        } else {
            file = "-----BEGIN OPENSSH PRIVATE KEY-----\n\(Data(bytes).base64EncodedString(options: .lineLength64Characters))\n-----END OPENSSH PRIVATE KEY-----\n"
        }
        guard let (key, comment) = try? SSHPrivateKey.parseOpenSSHFile(file) else { return }
        let again = try? SSHPrivateKey.parseOpenSSHFile(key.openSSHFileText(comment: comment))
        require(again?.key.publicKey == key.publicKey && again?.comment == comment, "a parsed private key file writes back to the same key and comment")
    }
}
