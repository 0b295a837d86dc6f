import Foundation
import NIOConcurrencyHelpers
import TetherAPI
import TetherClient
import TetherCore
import Testing

@Suite struct PlaybackTests {
    private static let recording = SessionPlayback(sessionID: "s-1", frames: [
        .init(kind: "start", offsetMilliseconds: 0, columns: 80, rows: 24),
        .init(kind: "output", offsetMilliseconds: 5, data: Data("$ uname\r\n".utf8).base64EncodedString()),
        .init(kind: "input", offsetMilliseconds: 900, data: Data("ignored".utf8).base64EncodedString()),
        .init(kind: "output", offsetMilliseconds: 60_000, data: Data("Linux\r\n".utf8).base64EncodedString()),
        .init(kind: "end", offsetMilliseconds: 60_001, exitStatus: 0),
    ])

    @Test func speedZeroWritesOutputFramesInOrderWithoutPauses() async throws {
        try await ClientFixture.with(sessions: ["s-1": Self.recording]) { fixture in
            try await fixture.logIn()
            let written = NIOLockedValueBox<[UInt8]>([])
            let started = ContinuousClock.now

            try await fixture.client.play(sessionID: "s-1", cluster: nil, speed: 0) { bytes in written.withLockedValue { $0 += bytes } }

            #expect(String(decoding: written.withLockedValue { $0 }, as: UTF8.self) == "$ uname\r\nLinux\r\n")
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test func unknownSessionIsReported() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let error = await #expect(throws: TetherError.self) {
                try await fixture.client.play(sessionID: "nope", cluster: nil, speed: 0) { _ in }
            }
            #expect(error?.code == .notFound)
        }
    }

    @Test(arguments: [-1.0, .infinity, .nan])
    func unusableSpeedIsRefused(speed: Double) {
        #expect(throws: TetherError.self) { try SessionPlayer(speed: speed) }
    }

    @Test func damagedFrameIsReported() async throws {
        let damaged = SessionPlayback(sessionID: "s-2", frames: [.init(kind: "output", offsetMilliseconds: 0, data: "%%%")])
        let error = await #expect(throws: TetherError.self) { try await SessionPlayer(speed: 0).play(damaged) { _ in } }
        #expect(error?.code == .malformed)
    }
}
