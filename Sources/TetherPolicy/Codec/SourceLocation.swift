import TetherCore

/// Where in the input a problem is: the source, the document (only when
/// there are several), the list item (for a JSON array), the line and the
/// field. Renders the one-sentence messages of `ResourceDecoder`.
struct SourceLocation {
    var source: String
    var document: Int?
    var item: Int?

    func error(line: Int?, path: FieldPath = .root, _ problem: String) -> TetherError {
        var place = [source]
        if let document { place.append("document \(document)") }
        if let item { place.append("item \(item)") }
        if let line { place.append("line \(line)") }
        if !path.components.isEmpty { place.append(path.description) }
        return TetherError(.invalidArgument, place.joined(separator: ", ") + ": " + problem)
    }
}
