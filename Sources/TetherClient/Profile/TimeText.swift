import Foundation

/// Times shown to users: RFC 3339 in UTC, unambiguous across time zones.
public enum TimeText {
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
