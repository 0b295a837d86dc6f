import TetherCore

/// Checks of network addresses and pins written in resources.
public enum AddressRules {
    /// `host:port`, with IPv6 hosts in brackets (`[::1]:3080`), port 1-65535.
    public static func checkHostPort(_ text: String, at path: FieldPath) throws(FieldError) {
        guard (try? HostPort(parsing: text)) != nil else {
            throw FieldError(path, "\"\(text)\" is not host:port; write it like proxy.example.test:3080 or [::1]:3080.")
        }
    }

    /// `sha256:` followed by 64 hex digits.
    public static func checkPin(_ text: String, at path: FieldPath) throws(FieldError) {
        let digest = text.dropFirst("sha256:".count)
        guard text.hasPrefix("sha256:"), digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw FieldError(path, "\"\(text)\" is not a CA pin; write sha256: followed by 64 hex digits, as `tetherctl status` prints it.")
        }
    }
}
