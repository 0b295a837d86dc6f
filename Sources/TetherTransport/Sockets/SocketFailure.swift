import AsyncHTTPClient
import Glibc
import NIOCore
import NIOPosix
import NIOSSL
import TetherCore

/// A server this process dials, named for the sentence that reports a
/// failure: who should answer at the address and which setting gave it.
public struct ServerEndpoint: Sendable, CustomStringConvertible {
    /// host:port.
    public var address: String
    /// Who is expected there: "the proxy", "the auth service", "node robot-17".
    public var role: String
    /// Where the address came from, for the user to check: "--proxy", "node.auth_server".
    public var setting: String
    /// What to do when the TLS handshake fails, when this side knows better
    /// than "check the clocks" (a logged-in user logs in again).
    public var tlsAdvice: String?

    public init(_ address: String, role: String, setting: String, tlsAdvice: String? = nil) {
        self.address = address
        self.role = role
        self.setting = setting
        self.tlsAdvice = tlsAdvice
    }

    public var description: String { address }
}

/// Socket errors from NIO, NIOSSL and AsyncHTTPClient in one sentence each.
/// Their own descriptions name system calls and errno values, and NIO's
/// call a refused connection "connection reset (error set)".
public enum SocketFailure {
    /// Why dialling `server` failed.
    public static func reaching(_ server: ServerEndpoint, _ error: any Error) -> TetherError {
        if let error = error as? TetherError { return error }
        let address = server.address
        let message: String
        switch cause(of: error) {
        case .refused:
            message = "nothing is listening on \(address) (connection refused); is \(server.role) running and is \(server.setting) right?"
        case .reset:
            // A reset too: when the client had already written, the kernel answers that close with RST.
            message = "\(address) reset the connection (connection reset); \(closedUnansweredQuestion(server))"
        case .timedOut:
            message = "\(address) did not answer in time (timed out); is the host up and reachable through any firewall, and is \(server.setting) right?"
        case .unresolved(let host):
            message = "the host name \(host) cannot be resolved (DNS lookup failed); is \(server.setting) right?"
        case .unreachable:
            message = "\(address) cannot be reached from this machine (no route to the host); check the network and \(server.setting)."
        case .closed:
            message = "\(address) closed the connection before answering; \(closedUnansweredQuestion(server))"
        case .tls(let detail):
            message = "the TLS handshake with \(address) failed (\(detail)); \(server.tlsAdvice ?? "is \(server.role) listening there, and do the clocks agree?")"
        case .other(let detail):
            message = "cannot reach \(server.role) at \(address) (\(detail)); is \(server.setting) right?"
        }
        return TetherError(.unavailable, message)
    }

    /// A Tether listener closes, at accept, connections beyond its per-address cap.
    private static func closedUnansweredQuestion(_ server: ServerEndpoint) -> String {
        "is \(server.role) listening there, is \(server.setting) right, and does this address hold fewer connections than its limit?"
    }

    /// Why `service` ("the proxy") cannot listen on `address`, which the
    /// configuration field `field` ("proxy.listen") gave.
    public static func listening(_ service: String, on address: String, field: String, _ error: any Error) -> TetherError {
        if let error = error as? TetherError { return error }
        let reason: String
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE: reason = ": the port is already in use (another tetherd?); stop what holds it or change \(field)."
        case EADDRNOTAVAIL: reason = ": that address is not one of this machine's; change \(field)."
        case EACCES: reason = ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); change \(field)."
        default:
            if case .unresolved = cause(of: error) {
                reason = ": the host name cannot be resolved; change \(field)."
            } else {
                reason = " (\(error)); change \(field)."
            }
        }
        return TetherError(.unavailable, "\(service) cannot listen on \(address)\(reason)")
    }

    enum Cause: Equatable {
        case refused, reset, timedOut, unreachable, closed
        case unresolved(host: String)
        case tls(String)
        case other(String)
    }

    static func cause(of error: any Error) -> Cause {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return cause(of: first.error) }
            return error.dnsAError != nil || error.dnsAAAAError != nil ? .unresolved(host: error.host) : .other("\(error)")
        case let error as SocketAddressError.UnknownHost:
            return .unresolved(host: error.host)
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case ECONNRESET, EPIPE: return .reset
            case ETIMEDOUT: return .timedOut
            case EHOSTUNREACH, ENETUNREACH, ENETDOWN, EHOSTDOWN: return .unreachable
            default: return .other(String(cString: strerror(error.errnoCode)).lowercased())
            }
        case ChannelError.connectTimeout:
            return .timedOut
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.outputClosed, ChannelError.alreadyClosed:
            return .closed
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return .timedOut
            case .remoteConnectionClosed:
                return .closed
            default:
                return .other("\(error)")
            }
        case NIOSSLError.uncleanShutdown:
            return .closed
        case NIOSSLError.handshakeFailed(let error):
            let description = "\(error)"
            return description.contains("EOF during handshake") ? .closed : .tls(tlsDetail(of: description))
        case let error as NIOSSLError:
            return .tls(tlsDetail(of: "\(error)"))
        case let error as BoringSSLError:
            return .tls(tlsDetail(of: "\(error)"))
        default:
            return .other("\(error)")
        }
    }

    /// BoringSSL's reason codes, in words.
    private static func tlsDetail(of description: String) -> String {
        // Also a certificate without serverAuth (a user's, a tunnel node's) presented by a server.
        if description.contains("CERTIFICATE_VERIFY_FAILED") { return "its certificate is not signed by the CA this client trusts, or is not a server's" }
        if description.contains("WRONG_VERSION_NUMBER") || description.contains("HTTP_REQUEST") || description.contains("PACKET_LENGTH_TOO_LONG") {
            return "it does not speak TLS"
        }
        if description.contains("NO_APPLICATION_PROTOCOL") { return "it does not speak the protocol asked for (ALPN)" }
        if description.contains("CERTIFICATE_REQUIRED") || description.contains("ALERT_BAD_CERTIFICATE")
            || description.contains("ALERT_UNKNOWN_CA") || description.contains("ALERT_CERTIFICATE") {
            return "it refused this client's certificate"
        }
        return description
    }
}
