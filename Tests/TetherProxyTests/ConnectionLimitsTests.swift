import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOTLS
import TetherTransport
import Testing

/// The one port's deadlines and connection caps, as state and over
/// EmbeddedChannel with a clock the test moves.
struct ConnectionLimitsTests {
    static let limits = ConnectionLimits(handshakeTimeout: .seconds(10), firstRequestTimeout: .seconds(5), idleTimeout: .seconds(60))

    @Test func deadlineMachineMovesFromHandshakeToFirstRequestToServed() {
        var deadline = ConnectionDeadline(from: .handshake, limits: Self.limits)
        #expect(deadline.started() == .arm(.seconds(10)))
        #expect(deadline.deadlinePassed() == .close(missed: .handshake))
        #expect(deadline.handshakeCompleted() == .arm(.seconds(5)))
        #expect(deadline.handshakeCompleted() == .none)
        #expect(deadline.deadlinePassed() == .close(missed: .firstRequest))
        #expect(deadline.served() == .disarm)
        #expect(deadline.served() == .none)
        #expect(deadline.deadlinePassed() == .none)
        #expect(deadline.stage == .served)
    }

    @Test func stalledHandshakeIsClosedAtItsDeadlineAndNotBefore() throws {
        let missed = MissedDeadlines()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler<ByteBuffer>(
            ConnectionDeadline(from: .handshake, limits: Self.limits), onMissed: missed.record))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        // Half a ClientHello, then nothing.
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00]))
        #expect(try channel.readInbound(as: ByteBuffer.self) != nil)

        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(missed.stages == [.handshake])
    }

    @Test func handedOverConnectionOutlivesTheDeadline() throws {
        let channel = EmbeddedChannel()
        let handler = ConnectionDeadlineHandler<ByteBuffer>(ConnectionDeadline(from: .handshake, limits: Self.limits), onMissed: { _, _ in })
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try channel.pipeline.syncOperations.removeHandler(handler).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func firstRequestDeadlineStartsAtTheHandshakeAndEndsAtTheFirstHead() throws {
        let missed = MissedDeadlines()
        func connection() throws -> EmbeddedChannel {
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler<String>(
                ConnectionDeadline(from: .handshake, limits: Self.limits), isRequestHead: { $0 == "HEAD" }, onMissed: missed.record))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
            channel.embeddedEventLoop.advanceTime(by: .seconds(8))
            channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "http/1.1"))
            // The handshake's deadline no longer applies; the first request's does.
            channel.embeddedEventLoop.advanceTime(by: .seconds(4))
            #expect(channel.isActive)
            return channel
        }

        let silent = try connection()
        try silent.writeInbound("BODY")
        silent.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!silent.isActive)
        #expect(missed.stages == [.firstRequest])

        let served = try connection()
        try served.writeInbound("HEAD")
        #expect(try served.readInbound(as: String.self) == "HEAD")
        served.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(served.isActive)
        #expect(missed.stages == [.firstRequest])
        _ = try served.finish()
    }

    @Test func limiterCountsPerAddressAndInAllAndReleases() {
        let limiter = ConnectionLimiter(maximumPerAddress: 2, maximumTotal: 3)
        #expect(limiter.admit("10.0.0.1") == nil)
        #expect(limiter.admit("10.0.0.1") == nil)
        #expect(limiter.admit("10.0.0.1") == .address("10.0.0.1", limit: 2))
        #expect(limiter.admit("10.0.0.2") == nil)
        #expect(limiter.admit("10.0.0.3") == .total(limit: 3))
        #expect(limiter.total == 3)

        limiter.release("10.0.0.1")
        #expect(limiter.held(from: "10.0.0.1") == 1)
        #expect(limiter.admit("10.0.0.3") == nil)
        for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] { limiter.release(address) }
        #expect(limiter.total == 0)
        // A release nothing was counted for changes nothing.
        limiter.release("10.0.0.9")
        #expect(limiter.total == 0)
    }

    @Test func admissionClosesAConnectionOverTheCapAndReleasesAtClose() throws {
        let limiter = ConnectionLimiter(maximumPerAddress: 1, maximumTotal: 10)
        let refusals = Refusals()
        func connect() throws -> EmbeddedChannel {
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(ConnectionAdmissionHandler(limiter: limiter, onRefusal: refusals.record))
            try channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 50_000)).wait()
            return channel
        }
        let first = try connect()
        #expect(first.isActive)
        let second = try connect()
        #expect(!second.isActive)
        #expect(refusals.all == [.address("192.0.2.7", limit: 1)])

        try first.close().wait()
        first.embeddedEventLoop.run()  // the close future's callbacks
        #expect(limiter.total == 0)
        #expect(try connect().isActive)
    }

    @Test func rateLimitedLogWritesOncePerIntervalAndCountsTheRest() {
        let log = RateLimitedLog(interval: .seconds(10))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var written: [Int] = []
        for second in 0..<25 {
            log.write(now: start + .seconds(Int64(second))) { written.append($0) }
        }
        #expect(written == [0, 9, 9])
    }
}

private final class MissedDeadlines: Sendable {
    private let box = NIOLockedValueBox<[ConnectionDeadline.Stage]>([])
    var stages: [ConnectionDeadline.Stage] { box.withLockedValue { $0 } }
    func record(_ stage: ConnectionDeadline.Stage, _ address: String?) { box.withLockedValue { $0.append(stage) } }
}

private final class Refusals: Sendable {
    private let box = NIOLockedValueBox<[ConnectionLimiter.Refusal]>([])
    var all: [ConnectionLimiter.Refusal] { box.withLockedValue { $0 } }
    func record(_ refusal: ConnectionLimiter.Refusal) { box.withLockedValue { $0.append(refusal) } }
}
