import Foundation
import TetherCore
import TetherIdentity

/// The profile on disk, under `$TETHER_HOME` or `~/.tether` (mode 0700):
///
///     profile.json
///     keys/ssh_key            OpenSSH Ed25519 private key, 0600 (+ ssh_key.pub)
///     keys/ssh_key-cert.pub   the SSH user certificate
///     keys/tls.key            P-256 private key (PKCS#8 PEM), 0600
///     keys/tls.pem            the X.509 client certificate
///     known_hosts.d/CLUSTER   node host keys, one file per cluster, for stock ssh (`tether config`)
public struct ProfileStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$TETHER_HOME` if set, else `$HOME/.tether`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws(TetherError) -> String {
        if let home = environment["TETHER_HOME"], !home.isEmpty { return home }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw TetherError(.invalidArgument, "neither TETHER_HOME nor HOME is set; set TETHER_HOME to the directory for the Tether profile.")
        }
        return home + "/.tether"
    }

    public var profilePath: String { directory + "/profile.json" }
    public var keysDirectory: String { directory + "/keys" }
    public var sshKeyPath: String { keysDirectory + "/ssh_key" }
    public var sshCertificatePath: String { keysDirectory + "/ssh_key-cert.pub" }
    public var tlsKeyPath: String { keysDirectory + "/tls.key" }
    public var tlsCertificatePath: String { keysDirectory + "/tls.pem" }
    public var knownHostsDirectory: String { directory + "/known_hosts.d" }

    /// The known_hosts file of `cluster`'s nodes; the name is percent-encoded,
    /// so no cluster name reaches outside the directory or another's file.
    public func knownHostsPath(cluster: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@")
        return knownHostsDirectory + "/" + (cluster.addingPercentEncoding(withAllowedCharacters: allowed) ?? "_")
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: profilePath) }

    /// Writes every file of `identity`, private keys 0600, directories 0700.
    public func save(_ identity: ClientIdentity) throws(TetherError) {
        try SecureFile.makePrivateDirectory(directory)
        try SecureFile.makePrivateDirectory(keysDirectory)
        let comment = "\(identity.profile.user)@\(identity.profile.cluster)"
        try SSHKeyFiles.writePrivateKey(identity.sshKey, to: sshKeyPath, comment: comment)
        try SecureFile.write(identity.sshCertificate + "\n", to: sshCertificatePath, mode: 0o644)
        try SecureFile.write(PEMCoding.pem(of: identity.tlsKey), to: tlsKeyPath, mode: 0o600)
        try SecureFile.write(identity.tlsCertificate, to: tlsCertificatePath, mode: 0o644)
        try SecureFile.write(try Self.encode(identity.profile), to: profilePath, mode: 0o600)
    }

    /// The saved identity; tells the user to log in when there is none.
    public func load() throws(TetherError) -> ClientIdentity {
        guard exists else {
            throw TetherError(.notFound, "you are not logged in (no profile in \(directory)); run tether login --proxy HOST:PORT --user NAME.")
        }
        let profile = try readProfile()
        let keyFiles = [sshKeyPath, sshCertificatePath, tlsKeyPath, tlsCertificatePath]
        if let missing = keyFiles.first(where: { !SecureFile.exists($0) }) {
            let what = SecureFile.exists(keysDirectory) ? missing : keysDirectory
            throw TetherError(.notFound, "\(what) is missing from your profile; log in again with \(profile.loginCommand).")
        }
        return ClientIdentity(
            profile: profile,
            sshKey: try SSHKeyFiles.readPrivateKey(at: sshKeyPath),
            sshCertificate: try SecureFile.read(sshCertificatePath).trimmingCharacters(in: .whitespacesAndNewlines),
            tlsKey: try PEMCoding.p256PrivateKey(fromPEM: try SecureFile.read(tlsKeyPath)),
            tlsCertificate: try SecureFile.read(tlsCertificatePath)
        )
    }

    /// The saved profile alone (no keys), or nil when logged out.
    public func loadProfile() throws(TetherError) -> ClientProfile? {
        guard exists else { return nil }
        return try readProfile()
    }

    /// Removes the profile, keys, certificates and known_hosts files.
    public func remove() throws(TetherError) {
        try SecureFile.remove(profilePath)
        try SecureFile.remove(keysDirectory)
        try SecureFile.remove(knownHostsDirectory)
    }

    /// Replaces every cluster's known_hosts file: `byCluster` maps a cluster
    /// to its lines; clusters not in it keep no file.
    public func saveKnownHosts(_ byCluster: [String: String]) throws(TetherError) {
        try SecureFile.makePrivateDirectory(directory)
        try SecureFile.remove(knownHostsDirectory)
        try SecureFile.makePrivateDirectory(knownHostsDirectory)
        for (cluster, text) in byCluster {
            try SecureFile.write(text, to: knownHostsPath(cluster: cluster), mode: 0o644)
        }
    }

    private static func encode(_ profile: ClientProfile) throws(TetherError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(profile), as: UTF8.self) + "\n"
        } catch {
            throw TetherError(.internal, "cannot encode the profile: \(error).")
        }
    }

    private func readProfile() throws(TetherError) -> ClientProfile {
        let text = try SecureFile.read(profilePath)
        do {
            return try JSONDecoder().decode(ClientProfile.self, from: Data(text.utf8))
        } catch {
            throw TetherError(.malformed, "\(profilePath) is damaged (it is not the profile tether login writes); log in again with tether login --proxy HOST:PORT --user NAME, or remove the file.")
        }
    }
}
