import Foundation
import TetherCore
import Yams

/// Reads resources from YAML (one or more `---` documents) or JSON (one
/// resource or an array of them), rejecting unknown fields and checking
/// every resource before returning it.
public enum ResourceDecoder {
    /// Decodes every resource in `text`. `source` (usually the file name)
    /// starts each error message, followed by the document number when
    /// there are several, the line and the field path.
    public static func decode(_ text: String, source: String) throws(TetherError) -> [Resource] {
        let documents = try compose(text, source: source)
        let counted = documents.count > 1
        var resources: [Resource] = []
        for (index, document) in documents.enumerated() {
            var location = SourceLocation(source: source, document: counted ? index + 1 : nil)
            switch document {
            case .sequence(let items):
                for (position, item) in items.enumerated() {
                    location.item = position + 1
                    resources.append(try decodeResource(item, at: location))
                }
            case .scalar where document.isNull:
                continue
            default:
                resources.append(try decodeResource(document, at: location))
            }
        }
        guard !resources.isEmpty else {
            throw SourceLocation(source: source).error(line: nil, "there are no resources; write at least one with kind, version, metadata and spec.")
        }
        return resources
    }

    /// Decodes a resource written by `ResourceEncoder.storageJSON`, checking
    /// that it has the kind it was stored under. Stored resources were
    /// checked when written, so only their structure is checked here.
    public static func decodeStored(kind: ResourceKind, json: Data) throws(TetherError) -> Resource {
        let resource: Resource
        do {
            resource = try JSONDecoder().decode(Resource.self, from: json)
        } catch let error as DecodingError {
            let described = DecodingProblem.describe(error, in: nil)
            throw TetherError(.malformed, "stored \(kind) record, \(described.path): \(described.problem)")
        } catch {
            throw TetherError(.malformed, "stored \(kind) record cannot be read: \(error).")
        }
        guard resource.kind == kind else {
            throw TetherError(.malformed, "stored \(kind) record \"\(resource.name)\" holds a \(resource.kind); the store is inconsistent.")
        }
        return resource
    }

    private static func compose(_ text: String, source: String) throws(TetherError) -> [Yams.Node] {
        try StrictYAMLDecoder.compose(text, at: SourceLocation(source: source))
    }

    private static func decodeResource(_ node: Yams.Node, at location: SourceLocation) throws(TetherError) -> Resource {
        guard node.mapping != nil else {
            throw location.error(line: node.mark?.line, "expected a resource (a mapping with kind, version, metadata and spec).")
        }
        return try StrictYAMLDecoder.decode(Resource.self, from: node, at: location) { resource throws(FieldError) in
            try resource.validateFields()
        }
    }
}
