import TetherAPI
import TetherCore
import TetherIdentity

/// How `tether login` decides to trust the cluster it talks to.
public enum LoginTrust: Sendable {
    /// First contact, checked against the pin from `tetherctl status`.
    case pin(CAPin)
    /// First contact, trusting whatever CA the proxy shows (`--insecure`).
    case insecure
    /// A cluster this profile already knows: verified against the saved CA.
    case known(ClusterInfo)

    /// From the command-line flags and the saved profile, if any. Without a
    /// pin or `--insecure`, only a re-login to the same proxy is allowed.
    public static func choose(caPin: String?, insecure: Bool, proxyAddress: String, saved: ClientProfile?) throws(TetherError) -> LoginTrust {
        switch (caPin, insecure) {
        case (.some, true):
            throw TetherError(.invalidArgument, "pass either --ca-pin or --insecure, not both.")
        case (.some(let text), false):
            return .pin(try CAPin(parsing: text))
        case (nil, true):
            return .insecure
        case (nil, false):
            if let saved, saved.proxyAddress == proxyAddress { return .known(saved.clusterInfo) }
            throw TetherError(
                .invalidArgument,
                "the cluster behind \(proxyAddress) is not known yet; pass --ca-pin with the pin printed by `tetherctl status` on the auth host (or --insecure to trust it blindly)."
            )
        }
    }
}
