import Foundation
import NIOCore
import NIOSSH
import TetherCore
import TetherIdentity

/// Accepts exactly the host key the cluster's inventory lists for the node
/// (`/v1/nodes`), so a proxy or tunnel in the middle cannot impersonate it.
final class PinnedHostKey: NIOSSHClientServerAuthenticationDelegate {
    private let expected: NIOSSHPublicKey
    private let node: String

    init(expected: NIOSSHPublicKey, node: String) {
        self.expected = expected
        self.node = node
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        guard hostKey == expected else {
            validationCompletePromise.fail(TetherError(
                .verificationFailed,
                "node \(node) presented host key \(Self.fingerprint(hostKey)), not the key the cluster lists for it (\(Self.fingerprint(expected))); refusing to connect."
            ))
            return
        }
        validationCompletePromise.succeed()
    }

    static func fingerprint(_ key: NIOSSHPublicKey) -> String {
        (try? SSHPublicKey(authorizedKeyLine: String(openSSHPublicKey: key)).fingerprint) ?? "(unknown type)"
    }

    /// Parses the inventory's authorized-keys line for `node`: exactly one
    /// public key, whatever else the (perhaps a leaf's) line carried.
    static func parse(_ line: String, node: String) throws(TetherError) -> NIOSSHPublicKey {
        do {
            return try NIOSSHPublicKey(openSSHPublicKey: try SSHPublicKey(authorizedKeyLine: line).authorizedKeyLine())
        } catch {
            throw TetherError(.malformed, "the cluster lists no usable host key for node \(node) (\(error)); the node may need to re-join.")
        }
    }
}
