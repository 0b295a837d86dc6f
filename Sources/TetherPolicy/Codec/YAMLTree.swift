import Yams

/// Navigation of a composed YAML document, used to point error messages at
/// the line an operator has to fix.
extension Yams.Node {
    /// The value under `key` in a mapping (keys compared as text).
    func child(_ key: String) -> Yams.Node? {
        mapping?.first { $0.key.string == key }?.value
    }

    /// The item at `position` in a list.
    func element(_ position: Int) -> Yams.Node? {
        sequence.flatMap { $0.indices.contains(position) ? $0[position] : nil }
    }

    /// The node at `path`, or the deepest node on the way when the path
    /// leads somewhere the document does not have (a missing field).
    func deepestNode(along path: FieldPath) -> Yams.Node {
        var node = self
        for component in path.components {
            let next: Yams.Node?
            switch component {
            case .key(let key): next = node.child(key)
            case .index(let position): next = node.element(position)
            }
            guard let next else { break }
            node = next
        }
        return node
    }

    /// Converts a decoder's coding path into a field path, reading an
    /// integer key as a list position only where the document has a list.
    func fieldPath(for codingPath: [any CodingKey]) -> FieldPath {
        var path = FieldPath.root
        var node: Yams.Node? = self
        for key in codingPath {
            let isListHere = node.map { $0.sequence != nil } ?? true
            if let position = key.intValue, isListHere {
                path = path.index(position)
                node = node?.element(position)
            } else {
                path = path.key(key.stringValue)
                node = node?.child(key.stringValue)
            }
        }
        return path
    }

    /// Counts nodes, giving up past `limit`: aliases are shared subtrees, so
    /// a small document can stand for billions of nodes ("billion laughs").
    func nodeCount(upTo limit: Int) -> Int {
        var count = 0
        var pending: [Yams.Node] = [self]
        while count <= limit, let node = pending.popLast() {
            count += 1
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return count
    }

    var isNull: Bool { null != nil }
}
