/// Checks of network addresses and pins written in resources.
public enum AddressRules {
    /// `host:port`, with IPv6 hosts in brackets (`[::1]:3080`).
    public static func checkHostPort(_ text: String, at path: FieldPath) throws(FieldError) {
        let problem = FieldError(path, "\"\(text)\" is not host:port; write it like proxy.example.test:3080 or [::1]:3080.")
        guard let colon = text.lastIndex(of: ":"),
              let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { throw problem }
        let host = text[..<colon]
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
        guard !host.isEmpty,
              bracketed || !host.contains(":"),
              !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" })
        else { throw problem }
    }

    /// `sha256:` followed by 64 hex digits.
    public static func checkPin(_ text: String, at path: FieldPath) throws(FieldError) {
        let digest = text.dropFirst("sha256:".count)
        guard text.hasPrefix("sha256:"), digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw FieldError(path, "\"\(text)\" is not a CA pin; write sha256: followed by 64 hex digits, as `tetherctl status` prints it.")
        }
    }
}
