import Foundation
import TetherCore
import TetherPolicy
import TetherStorage

extension ClusterAuthority {
    /// Loads the cluster's authority from `dataDirectory`, creating it on
    /// first start: keys on disk, `cert_authority` resources and a
    /// `cert.create` audit event per CA. Secrets are never logged or printed.
    ///
    /// A directory holding only some of the files is refused rather than
    /// completed: new keys would silently split the cluster's trust.
    public static func bootstrap(
        cluster: String, dataDirectory: String, resources: ClusterResources, audit: AuditTrail, clock: any WallClock
    ) throws(TetherError) -> ClusterAuthority {
        let files = AuthorityFiles(dataDirectory: dataDirectory)
        let present = files.all.filter { FileManager.default.fileExists(atPath: $0) }
        if present.count == files.all.count {
            return try load(files, cluster: cluster, clock: clock)
        }
        guard present.isEmpty else {
            let missing = files.all.filter { !present.contains($0) }.joined(separator: ", ")
            throw TetherError(.notFound, "the cluster authority in \(files.directory) is incomplete (missing \(missing)); restore the files from a backup.")
        }
        let authority = try create(files, cluster: cluster, clock: clock)
        for ca in authority.certAuthorityResources {
            try resources.put(.certAuthority(ca), mode: .replace)
            try audit.record(AuthEvent.certCreate) { event in
                event.fields["cert_type"] = .string("\(ca.spec.type.rawValue)_ca")
                event.fields["fingerprint"] = .string(authority.fingerprint(of: ca.spec.type))
            }
        }
        return authority
    }

    /// The SSH fingerprint of the user or host CA, or the TLS CA's pin.
    public func fingerprint(of type: CertAuthoritySpec.AuthorityType) -> String {
        switch type {
        case .user: userCA.publicKey.fingerprint
        case .host: hostCA.publicKey.fingerprint
        case .tls: tlsCA.pin.description
        }
    }
}
