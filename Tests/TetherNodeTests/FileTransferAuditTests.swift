import Testing
import TetherCore
import TetherStorage
@testable import TetherNode

@Suite struct FileTransferAuditTests {
    @Test func legacySCPCommandsNameTheirDirectionAndPath() {
        #expect(SCPCommand("scp -t /srv/in")?.auditFields == ["direction": "upload", "path": "/srv/in", "recursive": false])
        #expect(SCPCommand("scp -v -r -d -t -- -odd name")?.auditFields == ["direction": "upload", "path": "-odd name", "recursive": true])
        #expect(SCPCommand("/usr/bin/scp -pf 'a b'")?.auditFields == ["direction": "download", "path": "'a b'", "recursive": false])
        #expect(SCPCommand("scp -f") == nil)
        #expect(SCPCommand("scp -t -f x") == nil)
        #expect(SCPCommand("scpx -t x") == nil)
        #expect(SCPCommand("rsync --server . x") == nil)
        #expect(SCPCommand("") == nil)
    }

    @Test func aMissingSFTPServerIsOneSentenceNamingThePackage() {
        #expect {
            try SFTPServer.locate(among: ["/nonexistent/sftp-server"])
        } throws: { error in
            let message = (error as? TetherError)?.message ?? ""
            return message.contains("/nonexistent/sftp-server") && message.contains("install openssh-sftp-server") && message.hasSuffix(".")
        }
        #expect(throws: Never.self) { try SFTPServer.locate(among: ["/nonexistent/sftp-server", "/bin/sh"]) }
    }
}
