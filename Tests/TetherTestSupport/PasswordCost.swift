import TetherConfig

/// The scrypt cost (log2 N) test clusters hash passwords with: the lowest
/// `auth.password_cost` accepts. The debug build compiles swift-crypto's
/// BoringSSL without optimization, which makes the default (2^17) take
/// seconds per hash there, and dozens of clusters logging in at once on two
/// cores then time out. `CredentialTests` covers the default itself.
public enum TestPasswordCost {
    public static let exponent = AuthSection.passwordCosts.lowerBound
}
