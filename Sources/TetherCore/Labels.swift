/// Key/value metadata on nodes (customer, region, firmware, lifecycle...).
/// Discovery and authorization use labels, never addresses.
public typealias Labels = [String: String]

public enum LabelText {
    /// Parses `k=v,k2=v2` (command-line form). Keys and values are trimmed;
    /// an empty key, a missing `=` or a repeated key is an error.
    public static func parse(_ text: String) throws(TetherError) -> Labels {
        var labels: Labels = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingWhitespace()
            guard parts.count == 2, !key.isEmpty else {
                throw TetherError(.invalidArgument, "label \"\(pair)\" is not of the form key=value; write labels as k=v,k2=v2.")
            }
            guard labels[key] == nil else {
                throw TetherError(.invalidArgument, "label \"\(key)\" is given twice; give each key once.")
            }
            labels[key] = parts[1].trimmingWhitespace()
        }
        return labels
    }

    /// `k=v,k2=v2` with keys sorted, the inverse of `parse`.
    public static func format(_ labels: Labels) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
