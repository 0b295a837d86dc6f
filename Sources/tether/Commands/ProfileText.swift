import Foundation
import TetherClient

/// The profile as `tether login` and `tether status` show it.
enum ProfileText {
    static func summary(_ profile: ClientProfile, now: Date) -> String {
        let expiry: String
        if profile.isExpired(at: now) {
            expiry = "EXPIRED at \(TimeText.format(profile.expiryDate))"
        } else {
            let remaining = Int64(profile.expiryDate.timeIntervalSince(now))
            expiry = "\(TimeText.format(profile.expiryDate)) (\(remaining >= 60 ? "\(remaining / 3600)h\(remaining % 3600 / 60)m" : "under a minute") left)"
        }
        return """
        User:     \(profile.user)
        Cluster:  \(profile.cluster)
        Proxy:    \(profile.proxyAddress)
        Roles:    \(profile.roles.joined(separator: ", "))
        Logins:   \(profile.logins.joined(separator: ", "))
        Expires:  \(expiry)

        """
    }
}
