import Foundation
import TetherCLIKit
import TetherCore
import TetherPolicy

/// Output helpers shared by the commands.
enum Printing {
    /// Renders `value` as JSON/YAML, or `text()` for text.
    static func emit<Value: Encodable>(_ value: Value, as format: OutputFormat, text: () -> String) throws(TetherError) {
        do {
            Output.emit(try Output.render(value, as: format, text: text))
        } catch {
            throw TetherError(.internal, "cannot write the output as \(format.rawValue): \(error).")
        }
    }

    /// Resources as YAML/JSON with `ResourceEncoder`, or a text table.
    static func emitResources(_ resources: [Resource], as format: OutputFormat, table: () -> TextTable) throws(TetherError) {
        switch format {
        case .text: Output.emit(table().render())
        case .json: Output.emit(try ResourceEncoder.json(resources))
        case .yaml: Output.emit(try ResourceEncoder.yaml(resources))
        }
    }

    static func time(_ date: Date?) -> String {
        date.map { $0.formatted(.iso8601) } ?? "never"
    }

    static func list(_ values: [String]) -> String {
        values.isEmpty ? "-" : values.joined(separator: ",")
    }
}
