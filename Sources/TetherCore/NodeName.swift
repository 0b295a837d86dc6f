/// The rule for node names. A node's name is also a host name to OpenSSH
/// (`ssh LOGIN@NODE.CLUSTER`, known_hosts lines and `Host` patterns written by
/// `tether config`) and a principal in its host certificate, so it may hold
/// nothing OpenSSH reads as a pattern, list, marker or option (`* ? ! , @ [`,
/// a leading `-`, spaces): dot-separated labels of letters, digits, `_` and
/// `-`, each starting with a letter or digit. Checked where a name enters
/// (join, heartbeat, configuration) and where a client reads one from a
/// cluster it does not run (a leaf's node listing).
public enum NodeName {
    public static let maximumLength = 253

    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maximumLength else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, first.isASCII, first.isLetter || first.isNumber else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    /// Why `name` is refused: it names the value and the rule.
    public static func problem(_ name: String) -> String {
        "\(name.debugDescription) is not a valid node name; use letters, digits, - and _ in dot-separated parts that each start with a letter or digit (at most \(maximumLength) characters), e.g. robot-17."
    }

    /// Throws unless `name` is a valid node name.
    public static func check(_ name: String) throws(TetherError) {
        guard isValid(name) else { throw TetherError(.invalidArgument, problem(name)) }
    }
}
