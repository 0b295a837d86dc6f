import Yams

/// Finds fields the decoder silently skipped (typos such as `node_lables`)
/// by comparing the document with the decoded value written back: every
/// field the model knows is written back, so a written key missing there is
/// unknown. Explicit nulls count as absent.
enum UnknownFields {
    struct Finding {
        var path: FieldPath
        var keyNode: Yams.Node
        /// The fields the model knows at that level, sorted.
        var known: [String]
    }

    static func first(in written: Yams.Node, comparedWith encoded: Yams.Node, at path: FieldPath = .root) -> Finding? {
        switch (written, encoded) {
        case (.mapping(let writtenMapping), .mapping):
            for (key, value) in writtenMapping where !value.isNull {
                let name = key.string ?? ""
                guard let counterpart = encoded.child(name) else {
                    let known = encoded.mapping?.keys.compactMap(\.string).sorted() ?? []
                    return Finding(path: path.key(name), keyNode: key, known: known)
                }
                if let finding = first(in: value, comparedWith: counterpart, at: path.key(name)) {
                    return finding
                }
            }
        case (.sequence(let writtenItems), .sequence(let encodedItems)):
            for (index, (item, counterpart)) in zip(writtenItems, encodedItems).enumerated() {
                if let finding = first(in: item, comparedWith: counterpart, at: path.index(index)) {
                    return finding
                }
            }
        default:
            break
        }
        return nil
    }
}
