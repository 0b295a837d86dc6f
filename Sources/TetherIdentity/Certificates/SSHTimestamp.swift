import Foundation
import TetherCore

/// Certificate times: seconds since 1970 as unsigned 64-bit numbers.
/// Conversions clamp instead of trapping, so "forever" (`UInt64.max`) and
/// other values beyond Int64 are handled like any other.
enum SSHTimestamp {
    /// The first second after 9999-12-31T23:59:59Z, beyond which dates are
    /// shown as plain numbers.
    private static let afterYear9999: UInt64 = 253_402_300_800

    /// `date` as certificate seconds: 0 before 1970, never trapping.
    static func seconds(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds > 0 else { return 0 }  // also catches NaN
        guard seconds < 18_446_744_073_709_549_568 else { return .max }  // largest Double below 2^64
        return UInt64(seconds)
    }

    /// Adds without overflow: the sum saturates at `UInt64.max` ("forever").
    static func adding(_ seconds: UInt64, _ extra: UInt64) -> UInt64 {
        let (sum, overflow) = seconds.addingReportingOverflow(extra)
        return overflow ? .max : sum
    }

    /// `2026-11-23T10:00:00Z`, "forever", or the raw number past the year 9999.
    static func describe(_ seconds: UInt64) -> String {
        if seconds == .max { return "forever" }
        guard seconds < afterYear9999 else { return "\(seconds) seconds after 1970" }
        return Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
    }
}
