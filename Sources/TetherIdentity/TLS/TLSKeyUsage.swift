import X509

/// What a leaf certificate may be used for in TLS (its extended key usage).
public struct TLSKeyUsage: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// May serve TLS connections (`serverAuth`).
    public static let server = TLSKeyUsage(rawValue: 1 << 0)
    /// May authenticate as a TLS client (`clientAuth`).
    public static let client = TLSKeyUsage(rawValue: 1 << 1)

    var extendedKeyUsages: [ExtendedKeyUsage.Usage] {
        (contains(.server) ? [.serverAuth] : []) + (contains(.client) ? [.clientAuth] : [])
    }
}
