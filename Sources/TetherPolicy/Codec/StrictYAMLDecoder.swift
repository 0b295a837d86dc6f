import TetherCore
import Yams

/// Decodes YAML (or JSON) into a `Codable` type the strict way every Tether
/// file is read: errors name the source, line and field; unknown fields are
/// refused (a typo must not be silently ignored); the value then checks its
/// own fields. Resources and the `tetherd` configuration both use it.
public enum StrictYAMLDecoder {
    /// Decodes the single document in `text`.
    public static func decode<Value: Codable>(
        _ type: Value.Type,
        from text: String,
        source: String,
        validate: (Value) throws(FieldError) -> Void = { _ in }
    ) throws(TetherError) -> Value {
        let location = SourceLocation(source: source)
        let documents = try compose(text, at: location)
        guard documents.count == 1, let document = documents.first, document.mapping != nil else {
            throw location.error(line: documents.dropFirst().first?.mark?.line, "expected exactly one YAML mapping document.")
        }
        return try decode(type, from: document, at: location, validate: validate)
    }

    /// Past this many YAML nodes a document is refused, which keeps alias
    /// expansion ("billion laughs") from exhausting memory or time.
    static let nodeLimit = 100_000

    static func compose(_ text: String, at location: SourceLocation) throws(TetherError) -> [Yams.Node] {
        do {
            let parser = try Parser(yaml: text)
            var documents: [Yams.Node] = []
            while let document = try parser.nextRoot() {
                guard document.nodeCount(upTo: nodeLimit) <= nodeLimit else {
                    throw location.error(line: document.mark?.line, "the document has more than \(nodeLimit) values (too many aliases?); split it up.")
                }
                documents.append(document)
            }
            return documents
        } catch let error as TetherError {
            throw error
        } catch let error as YamlError {
            throw describe(error, at: location)
        } catch {
            throw location.error(line: nil, "the text is neither YAML nor JSON (\(error)).")
        }
    }

    static func decode<Value: Codable>(
        _ type: Value.Type,
        from node: Yams.Node,
        at location: SourceLocation,
        validate: (Value) throws(FieldError) -> Void
    ) throws(TetherError) -> Value {
        let value: Value
        do {
            value = try YAMLDecoder().decode(Value.self, from: node)
        } catch let error as DecodingError {
            let described = DecodingProblem.describe(error, in: node)
            throw location.error(line: node.deepestNode(along: described.path).mark?.line, path: described.path, described.problem)
        } catch {
            throw location.error(line: node.mark?.line, "the document cannot be read (\(error)).")
        }
        try rejectUnknownFields(in: node, of: value, at: location)
        do {
            try validate(value)
        } catch {
            throw location.error(line: node.deepestNode(along: error.path).mark?.line, path: error.path, error.message)
        }
        return value
    }

    private static func rejectUnknownFields(in node: Yams.Node, of value: some Encodable, at location: SourceLocation) throws(TetherError) {
        let encoded: Yams.Node
        do {
            encoded = try Yams.compose(yaml: try YAMLEncoder().encode(value)) ?? Yams.Node.mapping([:])
        } catch {
            throw location.error(line: node.mark?.line, "the document cannot be checked for unknown fields (\(error)).")
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
