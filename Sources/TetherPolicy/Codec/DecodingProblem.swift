import Foundation
import TetherCore
import Yams

/// Turns the errors of decoding into the field path and the words of a
/// one-sentence message.
enum DecodingProblem {
    struct Described {
        var path: FieldPath
        var problem: String
    }

    static func describe(_ error: DecodingError, in document: Yams.Node?) -> Described {
        func path(_ codingPath: [any CodingKey]) -> FieldPath {
            document?.fieldPath(for: codingPath) ?? FieldPath.root.appending(codingPath)
        }
        switch error {
        case .typeMismatch(let expected, let context):
            let found = document.map { $0.deepestNode(along: path(context.codingPath)) }
            let foundText = found.map { ", found \(describe($0))" } ?? ""
            return Described(path: path(context.codingPath), problem: "expected \(describe(expected))\(foundText).")
        case .keyNotFound(let key, let context):
            return Described(path: path(context.codingPath + [key]), problem: "this required field is missing; add it.")
        case .valueNotFound(_, let context):
            return Described(path: path(context.codingPath), problem: "a value is required here, not null.")
        case .dataCorrupted(let context):
            return Described(path: path(context.codingPath), problem: context.debugDescription.continuingSentence)
        @unknown default:
            return Described(path: .root, problem: "\(error).")
        }
    }

    /// Names a Swift type the way the document's author thinks of it.
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Node.Mapping.Type, is [String: Any].Type: "a mapping of fields"
        case is Node.Sequence.Type, is [Any].Type: "a list"
        case is Bool.Type: "true or false"
        case is any BinaryInteger.Type: "a whole number"
        case is Node.Scalar.Type, is String.Type: "a single value"
        default: "\(type)"
        }
    }

    private static func describe(_ node: Yams.Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .alias: "an alias"
        }
    }
}

extension FieldPath {
    /// A coding path read without a document to tell lists from mappings.
    func appending(_ codingPath: [any CodingKey]) -> FieldPath {
        codingPath.reduce(self) { path, key in key.intValue.map(path.index) ?? path.key(key.stringValue) }
    }
}
