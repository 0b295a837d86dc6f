import TetherTestSupport
import Foundation
@testable import TetherIdentity

/// A throwaway stock sshd on 127.0.0.1 with its own config, host key and
/// pid file in a temporary directory, trusting one user CA.
final class TestSSHD {
    static let sshdPath = "/usr/sbin/sshd"
    static let sshPath = "/usr/bin/ssh"
    static var isAvailable: Bool { ProcessSupport.isExecutable(sshdPath) && ProcessSupport.isExecutable(sshPath) }

    let directory: TemporaryDirectory
    let port: UInt16
    private let process: ChildProcess

    /// Starts sshd and waits until it accepts connections.
    static func start(trustedUserCA: SSHPublicKey) async throws -> TestSSHD {
        let sshd = try TestSSHD(trustedUserCA: trustedUserCA)
        do {
            try await ProcessSupport.waitUntilAccepting(port: sshd.port, within: 60)
        } catch {
            sshd.stop()
            throw SupportError("sshd did not start: \(error); log: \(sshd.log)")
        }
        return sshd
    }

    private init(trustedUserCA: SSHPublicKey) throws {
        directory = try TemporaryDirectory()
        port = try ProcessSupport.freePort()
        // sshd refuses to start without its privilege-separation directory.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)

        let hostKeyPath = directory.path("host_key")
        try SSHKeyFiles.writePrivateKey(.generate(.ed25519), to: hostKeyPath, comment: "test sshd")
        let caPath = try directory.write(trustedUserCA.authorizedKeyLine(comment: "tether user CA") + "\n", to: "user_ca.pub")
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKeyPath)
            PidFile \(directory.path("sshd.pid"))
            UsePAM no
            StrictModes no
            TrustedUserCAKeys \(caPath)
            AuthorizedKeysFile none
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            LogLevel VERBOSE
            """
        let configPath = try directory.write(config + "\n", to: "sshd_config")

        process = try ChildProcess(
            Self.sshdPath, ["-D", "-e", "-f", configPath],
            stdoutPath: directory.path("sshd.stdout"), stderrPath: directory.path("sshd.log")
        )
    }

    var log: String { (try? directory.read("sshd.log")) ?? "" }

    /// Runs `ssh … login@127.0.0.1 command` with `key` and `certificate`.
    func ssh(login: String, key: SSHPrivateKey, certificate: SSHCertificate, command: String) async throws -> CommandResult {
        let name = UUID().uuidString
        let keyPath = directory.path("\(name)-key")
        try SSHKeyFiles.writePrivateKey(key, to: keyPath)
        let certificatePath = try directory.write(certificate.authorizedKeyLine() + "\n", to: "\(name)-key-cert.pub")
        return try await ProcessSupport.run(Self.sshPath, [
            "-F", "/dev/null",
            "-i", keyPath,
            "-o", "CertificateFile=\(certificatePath)",
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10",
            "-o", "LogLevel=ERROR",
            "-p", String(port),
            "\(login)@127.0.0.1", command,
        ], in: directory)
    }

    func stop() { process.terminate() }

    deinit {
        stop()
        directory.remove()
    }
}
