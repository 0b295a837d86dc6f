/// The standard OpenSSH user-certificate extensions that grant features.
/// A certificate without one of them denies that feature in stock sshd.
public struct OpenSSHPermissions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let x11Forwarding = OpenSSHPermissions(rawValue: 1 << 0)
    public static let agentForwarding = OpenSSHPermissions(rawValue: 1 << 1)
    public static let portForwarding = OpenSSHPermissions(rawValue: 1 << 2)
    public static let pty = OpenSSHPermissions(rawValue: 1 << 3)
    public static let userRC = OpenSSHPermissions(rawValue: 1 << 4)

    /// What `ssh-keygen` grants by default: all of them.
    public static let all: OpenSSHPermissions = [.x11Forwarding, .agentForwarding, .portForwarding, .pty, .userRC]

    private static let names: [(OpenSSHPermissions, String)] = [
        (.x11Forwarding, "permit-X11-forwarding"),
        (.agentForwarding, "permit-agent-forwarding"),
        (.portForwarding, "permit-port-forwarding"),
        (.pty, "permit-pty"),
        (.userRC, "permit-user-rc"),
    ]

    /// The granted permissions as certificate extensions (no data).
    public var extensions: [String: String] {
        Dictionary(uniqueKeysWithValues: Self.names.filter { contains($0.0) }.map { ($0.1, "") })
    }

    /// The permissions granted by a certificate's extensions.
    public init(extensions: [String: String]) {
        self = Self(Self.names.filter { extensions[$0.1] != nil }.map(\.0))
    }
}
