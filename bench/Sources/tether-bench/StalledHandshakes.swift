import Foundation
import Glibc
import TetherCore

/// `tether-bench stall PROXY_HOST:PORT COUNT SOURCES SECONDS`: a slowloris
/// on the proxy's one port. COUNT TCP connections from SOURCES loopback
/// addresses in turn (127.0.0.2, 127.0.0.3, …: a per-address cap sees SOURCES
/// clients, and a legitimate client on 127.0.0.1 is none of them), each
/// sending the first bytes of a TLS ClientHello and then nothing. Prints
/// `stalled N` once every connection was tried, then for SECONDS a line each
/// second (`t=… open=… closed=…`) while it keeps the pressure up as an
/// attacker would: a connection the server closes after a while (a deadline)
/// is replaced by a new one from the same address; one closed within a
/// second of connecting (refused by a cap) is not. Ends with
/// `attempted=… connected=… connect_failed=… dropped_at_once=… closed_later=… open_at_end=… oldest_open_s=… first_close_s=… median_close_s=… last_close_s=…`,
/// close times being the lifetimes of the connections closed later.
enum StalledHandshakes {
    /// A TLS record header announcing a 512-byte handshake, the ClientHello's
    /// type and length, its version and the first bytes of its random: what a
    /// slow client has sent before it stops.
    static let partialClientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A]
    /// Closed sooner than this after connecting: refused, not timed out.
    static let atOnce = 1.0

    private struct Connection {
        var descriptor: Int32
        var source: String
        var connected: Double
    }

    private struct Tally {
        var attempted = 0
        var failures: [String: Int] = [:]
        var droppedAtOnce = 0
        var lifetimes: [Double] = []

        mutating func open(from source: String, at now: Double, to proxy: HostPort) -> Connection? {
            attempted += 1
            do {
                return Connection(descriptor: try stall(to: proxy, from: source), source: source, connected: now)
            } catch {
                failures[error.message, default: 0] += 1
                return nil
            }
        }
    }

    static func run(proxy: HostPort, count: Int, sources: Int, seconds: Int) throws {
        let start = EchoLatency.monotonicNanoseconds()
        let elapsed = { Double(EchoLatency.monotonicNanoseconds() - start) / 1e9 }
        var tally = Tally()
        var open: [Connection] = []
        for index in 0..<count {
            if let connection = tally.open(from: "127.0.0.\(2 + index % sources)", at: elapsed(), to: proxy) { open.append(connection) }
        }
        say("stalled \(open.count)")

        let watchUntil = elapsed() + Double(seconds)
        var nextProgress = elapsed().rounded(.down) + 1
        while elapsed() < watchUntil {
            for closed in closedConnections(&open) {
                let lifetime = elapsed() - closed.connected
                guard lifetime >= atOnce else {
                    tally.droppedAtOnce += 1
                    continue
                }
                tally.lifetimes.append(lifetime)
                if let replacement = tally.open(from: closed.source, at: elapsed(), to: proxy) { open.append(replacement) }
            }
            if elapsed() >= nextProgress {
                say(String(format: "t=%.0f open=%d closed=%d", elapsed(), open.count, tally.droppedAtOnce + tally.lifetimes.count))
                nextProgress = elapsed().rounded(.down) + 1
            }
        }
        let oldest = open.map { elapsed() - $0.connected }.max()
        for connection in open { close(connection.descriptor) }

        for (message, times) in tally.failures { FileHandle.standardError.write(Data("\(times)× \(message)\n".utf8)) }
        let lifetimes = tally.lifetimes.sorted()
        func text(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        let failed = tally.failures.values.reduce(0, +)
        say("attempted=\(tally.attempted) connected=\(tally.attempted - failed) connect_failed=\(failed) "
            + "dropped_at_once=\(tally.droppedAtOnce) closed_later=\(lifetimes.count) open_at_end=\(open.count) "
            + "oldest_open_s=\(text(oldest)) first_close_s=\(text(lifetimes.first)) "
            + "median_close_s=\(text(lifetimes.isEmpty ? nil : lifetimes[lifetimes.count / 2])) last_close_s=\(text(lifetimes.last))")
    }

    /// A connection from SOURCE that has sent the partial ClientHello.
    private static func stall(to proxy: HostPort, from source: String) throws(TetherError) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw failure("socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)  // bounds a connect the server's full backlog never answers
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var local = address(source, port: 0)
        var remote = address(proxy.host, port: UInt16(proxy.port))
        let ok = withUnsafePointer(to: &local) { local in
            local.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { defer { close(descriptor) }; throw failure("bind to \(source)") }
        let connected = withUnsafePointer(to: &remote) { remote in
            remote.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { defer { close(descriptor) }; throw failure("connect") }
        guard send(descriptor, partialClientHello, partialClientHello.count, Int32(MSG_NOSIGNAL)) == partialClientHello.count else {
            defer { close(descriptor) }
            throw failure("send")
        }
        return descriptor
    }

    /// Waits up to a second for the server to close connections; removes
    /// and returns those it closed.
    private static func closedConnections(_ open: inout [Connection]) -> [Connection] {
        var descriptors = open.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        guard poll(&descriptors, nfds_t(descriptors.count), 1000) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var closed: [Connection] = []
        var still: [Connection] = []
        for (slot, connection) in open.enumerated() {
            guard descriptors[slot].revents != 0 else {
                still.append(connection)
                continue
            }
            let got = recv(connection.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            // A TLS alert before the close is read and the watch goes on.
            if got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR) {
                close(connection.descriptor)
                closed.append(connection)
            } else {
                still.append(connection)
            }
        }
        open = still
        return closed
    }

    private static func address(_ host: String, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }

    private static func failure(_ call: String) -> TetherError {
        TetherError(.unavailable, "\(call) failed: \(String(cString: strerror(errno))).")
    }

    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
