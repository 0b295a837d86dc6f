import TetherIdentity
import TetherPolicy

/// What a user SSH certificate certifies for a holder of these roles, the
/// same for a local login and for a root user's certificate re-issued here.
extension AccessChecker {
    /// A principal no account is called, for users whose roles allow no
    /// login: their certificate still works for listing, never for SSH.
    static let noLoginPrincipal = "-tether-no-login-"

    /// The allowed logins, or the placeholder when there are none (an empty
    /// list would mean "any login" to OpenSSH).
    var certificatePrincipals: [String] {
        allowedLogins.isEmpty ? [Self.noLoginPrincipal] : allowedLogins
    }

    var certificatePermissions: OpenSSHPermissions {
        portForwardingAllowed ? [.pty, .portForwarding] : .pty
    }
}
