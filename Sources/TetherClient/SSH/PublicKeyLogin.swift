import NIOCore
import NIOSSH
import TetherCore

/// Offers the user's plain key once. The node admits it only with the
/// certificate delivered in the CONNECT header (swift-nio-ssh servers cannot
/// take certificate userauth), so there is nothing else worth trying.
final class PublicKeyLogin: NIOSSHClientUserAuthenticationDelegate {
    private let login: String
    private let key: NIOSSHPrivateKey
    private let node: String
    private var offered = false

    init(login: String, key: NIOSSHPrivateKey, node: String) {
        self.login = login
        self.key = key
        self.node = node
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        guard !offered, availableMethods.contains(.publicKey) else {
            nextChallengePromise.fail(TetherError(
                .accessDenied,
                "node \(node) refused login \(login) for your certificate; check your logins with tether status, or ask an administrator for access."
            ))
            return
        }
        offered = true
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(
            username: login,
            serviceName: "ssh-connection",
            offer: .privateKey(.init(privateKey: key))
        ))
    }
}
