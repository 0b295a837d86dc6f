/// The `kind` and `version` every resource document starts with.
enum ResourceHeader {
    private enum CodingKeys: String, CodingKey {
        case kind, version
    }

    /// Reads `kind` and `version`, rejecting unknown ones with the supported
    /// values named.
    static func decodeKind(from decoder: any Decoder) throws -> ResourceKind {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try container.decode(String.self, forKey: .kind)
        guard let kind = ResourceKind(rawValue: kindText) else {
            let known = ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown kind \"\(kindText)\"; use one of \(known)."
            )
        }
        let version = try container.decode(String.self, forKey: .version)
        guard ResourceKind.supportedVersions.contains(version) else {
            let supported = ResourceKind.supportedVersions.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "unsupported version \"\(version)\"; this build supports \(supported)."
            )
        }
        return kind
    }
}
