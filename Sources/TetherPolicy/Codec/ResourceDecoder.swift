import Foundation
import TetherCore
import Yams

/// Reads resources from YAML (one or more `---` documents) or JSON (one
/// resource or an array of them), rejecting unknown fields and checking
/// every resource before returning it.
public enum ResourceDecoder {
    /// Past this many YAML nodes a document is refused, which keeps alias
    /// expansion ("billion laughs") from exhausting memory or time.
    static let nodeLimit = 100_000

    /// Decodes every resource in `text`. `source` (usually the file name)
    /// starts each error message, followed by the document number when
    /// there are several, the line and the field path.
    public static func decode(_ text: String, source: String) throws(TetherError) -> [Resource] {
        let documents = try compose(text, source: source)
        let counted = documents.count > 1
        var resources: [Resource] = []
        for (index, document) in documents.enumerated() {
            var location = SourceLocation(source: source, document: counted ? index + 1 : nil)
            guard document.nodeCount(upTo: nodeLimit) <= nodeLimit else {
                throw location.error(line: document.mark?.line, "the document has more than \(nodeLimit) values (too many aliases?); split it up.")
            }
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
        let location = SourceLocation(source: source)
        do {
            let parser = try Parser(yaml: text)
            var documents: [Yams.Node] = []
            while let document = try parser.nextRoot() {
                documents.append(document)
            }
            return documents
        } catch let error as YamlError {
            throw describe(error, at: location)
        } catch {
            throw location.error(line: nil, "the text is neither YAML nor JSON (\(error)).")
        }
    }

    private static func decodeResource(_ node: Yams.Node, at location: SourceLocation) throws(TetherError) -> Resource {
        guard node.mapping != nil else {
            throw location.error(line: node.mark?.line, "expected a resource (a mapping with kind, version, metadata and spec).")
        }
        let resource: Resource
        do {
            resource = try YAMLDecoder().decode(Resource.self, from: node)
        } catch let error as DecodingError {
            let described = DecodingProblem.describe(error, in: node)
            throw location.error(line: node.deepestNode(along: described.path).mark?.line, path: described.path, described.problem)
        } catch {
            throw location.error(line: node.mark?.line, "the resource cannot be read (\(error)).")
        }
        try rejectUnknownFields(in: node, of: resource, at: location)
        do {
            try resource.validateFields()
        } catch {
            throw location.error(line: node.deepestNode(along: error.path).mark?.line, path: error.path, error.message)
        }
        return resource
    }

    private static func rejectUnknownFields(in node: Yams.Node, of resource: Resource, at location: SourceLocation) throws(TetherError) {
        let encoded: Yams.Node
        do {
            encoded = try Yams.compose(yaml: try YAMLEncoder().encode(resource)) ?? Yams.Node.mapping([:])
        } catch {
            throw location.error(line: node.mark?.line, "the resource cannot be checked for unknown fields (\(error)).")
        }
        guard let finding = UnknownFields.first(in: node, comparedWith: encoded) else { return }
        let line = finding.keyNode.mark?.line
        guard finding.keyNode.string != "<<" else {
            throw location.error(line: line, path: finding.path, "YAML merge keys (<<) are not supported; write the fields out.")
        }
        let known = finding.known.isEmpty ? "" : " (known fields here: \(finding.known.joined(separator: ", ")))"
        throw location.error(line: line, path: finding.path, "unknown field\(known); fix the spelling or remove it.")
    }

    private static func describe(_ error: YamlError, at location: SourceLocation) -> TetherError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return location.error(line: mark.line, "the text is neither valid YAML nor JSON (\(problem)); check indentation, quoting and brackets.")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return location.error(line: context.mark.line, "key \(keys) appears more than once in the same mapping; keep one.")
        default:
            return location.error(line: nil, "the text is neither valid YAML nor JSON (\(error)).")
        }
    }
}
