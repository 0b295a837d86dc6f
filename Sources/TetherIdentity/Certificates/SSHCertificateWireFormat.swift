import TetherCore

/// The PROTOCOL.certkeys layout of the signed part of a certificate.
extension SSHCertificateFields {
    func writeSignedPart(signatureKey: SSHPublicKey, into writer: inout SSHWireWriter) {
        writer.writeString(publicKey.algorithm.certificateTypeName)
        writer.writeString(nonce)
        publicKey.writeKeyFields(into: &writer)
        writer.writeUInt64(serial)
        writer.writeUInt32(type.rawValue)
        writer.writeString(keyID)
        writer.writeNested { list in
            for principal in principals { list.writeString(principal) }
        }
        writer.writeUInt64(validAfter)
        writer.writeUInt64(validBefore)
        writer.writeNested { Self.writeOptions(criticalOptions, into: &$0) }
        writer.writeNested { Self.writeOptions(extensions, into: &$0) }
        writer.writeString([UInt8]())  // reserved
        writer.writeString(signatureKey.wireBlob)
    }

    /// Reads the signed part, returning the fields and the CA key.
    static func readSignedPart(from reader: inout SSHWireReader) throws(TetherError) -> (SSHCertificateFields, SSHPublicKey) {
        let algorithm = try SSHKeyAlgorithm(certificateTypeName: try reader.readText())
        let nonce = try reader.readString()
        let publicKey = try SSHPublicKey.readKeyFields(algorithm, from: &reader)
        let serial = try reader.readUInt64()
        let rawType = try reader.readUInt32()
        guard let type = SSHCertificateType(rawValue: rawType) else {
            throw reader.malformed("certificate type \(rawType) is neither user (1) nor host (2)")
        }
        let keyID = try reader.readText()
        var principalList = SSHWireReader(try reader.readString(), context: "certificate principals")
        var principals: [String] = []
        while !principalList.isAtEnd { principals.append(try principalList.readText()) }
        let validAfter = try reader.readUInt64()
        let validBefore = try reader.readUInt64()
        let criticalOptions = try readOptions(try reader.readString(), context: "certificate critical options")
        let extensions = try readOptions(try reader.readString(), context: "certificate extensions")
        _ = try reader.readString()  // reserved: ignored, as PROTOCOL.certkeys says
        let signatureKey = try SSHPublicKey(wireBlob: try reader.readString())
        let fields = SSHCertificateFields(
            nonce: nonce, publicKey: publicKey, serial: serial, type: type, keyID: keyID, principals: principals,
            validAfter: validAfter, validBefore: validBefore, criticalOptions: criticalOptions, extensions: extensions
        )
        return (fields, signatureKey)
    }

    /// Options are sorted by name (OpenSSH requires it); a non-empty value
    /// is itself an SSH string inside the data string.
    private static func writeOptions(_ options: [String: String], into writer: inout SSHWireWriter) {
        for (name, value) in options.sorted(by: { $0.key < $1.key }) {
            writer.writeString(name)
            if value.isEmpty {
                writer.writeString([UInt8]())
            } else {
                writer.writeNested { $0.writeString(value) }
            }
        }
    }

    private static func readOptions(_ bytes: [UInt8], context: String) throws(TetherError) -> [String: String] {
        var reader = SSHWireReader(bytes, context: context)
        var options: [String: String] = [:]
        while !reader.isAtEnd {
            let name = try reader.readText()
            let data = try reader.readString()
            var value = ""
            if !data.isEmpty {
                var inner = SSHWireReader(data, context: "\(context) value of \(name)")
                value = try inner.readText()
                try inner.expectEnd()
            }
            guard options.updateValue(value, forKey: name) == nil else {
                throw reader.malformed("\"\(name)\" appears twice")
            }
        }
        return options
    }
}
