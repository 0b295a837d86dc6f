/// Whether logins need a one-time code besides the password (`auth.second_factor`).
public enum SecondFactor: String, Sendable, CaseIterable {
    case off
    case otp
}
