import Foundation
import TetherCore
import Yams

/// Writes resources for people (`tetherctl get --format yaml|json`) and for
/// storage. Everything written decodes back to equal values.
public enum ResourceEncoder {
    /// YAML documents separated by `---`, keys sorted.
    public static func yaml(_ resources: [Resource]) throws(TetherError) -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        encoder.options.allowUnicode = true
        var documents: [String] = []
        for resource in resources {
            do {
                documents.append(try encoder.encode(resource))
            } catch {
                throw TetherError(.internal, "\(resource.kind) \"\(resource.name)\" cannot be written as YAML: \(error).")
            }
        }
        return documents.joined(separator: "---\n")
    }

    /// A pretty-printed JSON array with sorted keys.
    public static func json(_ resources: [Resource]) throws(TetherError) -> String {
        String(decoding: try encode(resources, as: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
    }

    /// Compact canonical JSON (sorted keys, no spaces) of one resource, read
    /// back with `ResourceDecoder.decodeStored(kind:json:)`.
    public static func storageJSON(_ resource: Resource) throws(TetherError) -> Data {
        try encode(resource, as: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func encode(_ value: some Encodable, as formatting: JSONEncoder.OutputFormatting) throws(TetherError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        do {
            return try encoder.encode(value)
        } catch {
            throw TetherError(.internal, "resources cannot be written as JSON: \(error).")
        }
    }
}
