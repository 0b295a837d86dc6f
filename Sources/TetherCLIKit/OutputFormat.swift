import ArgumentParser
import Foundation
import TetherCore
import Yams

/// `--format text|json|yaml`, taken by every listing command.
public enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json, yaml
}

/// Renders a listing in the format the user asked for: structured formats
/// encode `value`; text uses the command's own table.
public enum Output {
    public static func render<Value: Encodable>(
        _ value: Value,
        as format: OutputFormat,
        text: () -> String
    ) throws -> String {
        switch format {
        case .text:
            return text()
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        case .yaml:
            let encoder = YAMLEncoder()
            encoder.options.sortKeys = true
            return try encoder.encode(value)
        }
    }

    /// Prints without adding a second newline to output that already ends in one.
    public static func emit(_ text: String) {
        if text.hasSuffix("\n") { print(text, terminator: "") } else { print(text) }
    }

    /// A sentence for the person at the terminal, on stderr, so that what
    /// the command prints on stdout stays clean for a pipe. Sentences may
    /// come from servers (a leaf's refusal, say), so control characters
    /// other than line breaks and tabs are shown escaped rather than sent
    /// to the terminal, where they could move the cursor or rewrite lines.
    public static func note(_ sentence: String) {
        FileHandle.standardError.write(Data((terminalSafe(sentence) + "\n").utf8))
    }

    /// `text` with every control character but newline and tab written as `\u{…}`.
    public static func terminalSafe(_ text: String) -> String {
        var safe = ""
        for scalar in text.unicodeScalars {
            let isControl = scalar.properties.generalCategory == .control
            if isControl && scalar != "\n" && scalar != "\t" {
                safe += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                safe.unicodeScalars.append(scalar)
            }
        }
        return safe
    }
}
