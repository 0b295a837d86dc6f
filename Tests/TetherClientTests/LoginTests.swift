import Foundation
import TetherClient
import TetherCore
import TetherIdentity
import Testing

@Suite struct LoginTests {
    @Test func insecureFirstContactSavesTheProfile() async throws {
        try await ClientFixture.with { fixture in
            let identity = try await fixture.logIn()

            #expect(identity.profile.cluster == "acme")
            #expect(identity.profile.user == "alice")
            #expect(identity.profile.roles == ["access"])
            #expect(identity.profile.logins == ["root", "diagnostics"])
            #expect(identity.profile.clusterInfo.tlsCAPin == fixture.cluster.tlsCA.pin.description)
            let certificate = try SSHCertificate(authorizedKeyLine: identity.sshCertificate)
            #expect(certificate.publicKey == identity.sshKey.publicKey)
            #expect(try fixture.client.savedProfile() == identity.profile)
        }
    }

    @Test func matchingPinIsAccepted() async throws {
        try await ClientFixture.with { fixture in
            let identity = try await fixture.client.logIn(try fixture.loginOptions(trust: .pin(fixture.cluster.tlsCA.pin)))
            #expect(identity.profile.cluster == "acme")
        }
    }

    @Test func mismatchedPinIsRefusedAndNothingIsSaved() async throws {
        try await ClientFixture.with { fixture in
            let otherPin = try TestCluster(name: "impostor").tlsCA.pin
            let error = await #expect(throws: TetherError.self) {
                try await fixture.client.logIn(try fixture.loginOptions(trust: .pin(otherPin)))
            }
            #expect(error?.code == .verificationFailed)
            #expect(error?.message.contains("not the pinned \(otherPin)") == true)
            #expect(!fixture.client.store.exists)
        }
    }

    @Test func wrongPasswordShowsTheServersSentence() async throws {
        try await ClientFixture.with { fixture in
            let error = await #expect(throws: TetherError.self) {
                try await fixture.client.logIn(try fixture.loginOptions(password: "wrong"))
            }
            #expect(error?.code == .accessDenied)
            #expect(error?.message == "invalid user name or password for alice.")
            #expect(!fixture.client.store.exists)
        }
    }

    @Test func reLoginToTheSameProxyReusesTheSavedCA() async throws {
        try await ClientFixture.with { fixture in
            let first = try await fixture.logIn()
            let trust = try LoginTrust.choose(caPin: nil, insecure: false, proxyAddress: fixture.proxy.address, saved: first.profile)
            guard case .known = trust else {
                Issue.record("expected the saved CA to be reused, got \(trust)")
                return
            }
            let second = try await fixture.client.logIn(try fixture.loginOptions(trust: trust))
            #expect(second.sshKey.publicKey != first.sshKey.publicKey)
        }
    }

    @Test func firstContactWithoutPinOrInsecureIsRefused() throws {
        let error = #expect(throws: TetherError.self) {
            try LoginTrust.choose(caPin: nil, insecure: false, proxyAddress: "proxy.test:3080", saved: nil)
        }
        #expect(error?.message.contains("--ca-pin") == true)
        #expect(error?.message.contains("tetherctl status") == true)
        #expect(throws: TetherError.self) {
            try LoginTrust.choose(caPin: "sha256:00", insecure: true, proxyAddress: "proxy.test:3080", saved: nil)
        }
        #expect(throws: TetherError.self) {
            try LoginTrust.choose(caPin: "md5:abc", insecure: false, proxyAddress: "proxy.test:3080", saved: nil)
        }
    }
}
