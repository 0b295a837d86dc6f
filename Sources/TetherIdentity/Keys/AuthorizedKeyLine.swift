import Foundation
import TetherCore

/// The one-line text form shared by public keys and certificates:
/// `type-name base64-blob [comment]`.
struct AuthorizedKeyLine {
    var typeName: String
    var blob: [UInt8]
    var comment: String

    init(typeName: String, blob: [UInt8], comment: String) {
        self.typeName = typeName
        self.blob = blob
        self.comment = comment
    }

    /// Splits a line into its parts. Options before the type name
    /// (authorized_keys `from=`, `command=`) are not supported here.
    /// One line holds one key: a line break or other control character
    /// inside it (a comment carrying a second known_hosts line) is refused.
    init(parsing line: String, context: String) throws(TetherError) {
        let line = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) else {
            throw TetherError(.malformed, "\(context) holds a line break or control character; it must be one line \"TYPE BASE64 [COMMENT]\".")
        }
        let fields = line.split(maxSplits: 2, whereSeparator: \.isWhitespace)
        guard fields.count >= 2 else {
            throw TetherError(.malformed, "\(context) must read \"TYPE BASE64 [COMMENT]\", got \(fields.count) field(s).")
        }
        guard let blob = Data(base64Encoded: String(fields[1])) else {
            throw TetherError(.malformed, "\(context) holds invalid base64 in its second field.")
        }
        self.typeName = String(fields[0])
        self.blob = Array(blob)
        self.comment = fields.count == 3 ? String(fields[2]) : ""
    }

    var text: String {
        let base = "\(typeName) \(Data(blob).base64EncodedString())"
        return comment.isEmpty ? base : "\(base) \(comment)"
    }
}
