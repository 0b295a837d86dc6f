import TetherCore

public enum StandardInput {
    /// Reads one secret line from stdin (`--password-stdin`), without its newline.
    public static func readSecretLine(purpose: String) throws(TetherError) -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw TetherError(.invalidArgument, "no \(purpose) on standard input; pipe it in, e.g. `echo \"$SECRET\" | …`.")
        }
        return line
    }
}
