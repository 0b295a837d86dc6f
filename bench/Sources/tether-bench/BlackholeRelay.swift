import Foundation
import Glibc
import TetherCore

/// `tether-bench relay LISTEN_PORT TARGET_HOST:PORT`: a TCP relay on
/// 127.0.0.1 whose path can be cut like a pulled cable, to time how fast
/// each end of a tunnel notices. Runs until killed; commands on stdin, one a line:
///
/// - `cut`: stop forwarding in both directions without sending FIN or RST;
///   bytes are read and dropped, and a close on one side is not passed on.
///   Connections accepted during the cut get no upstream and hear nothing.
/// - `restore`: forward new connections again. Connections of the cut stay
///   dead; those accepted during it are reset, as a far end that never saw
///   them answers once packets flow again.
///
/// Events go to stdout as `EPOCH_MS EVENT [ID]`: `cut`, `restore`,
/// `accept ID`, `client-closed ID` (the dialling side closed: it noticed),
/// `server-closed ID` (the target closed: it noticed), `reset ID` (held
/// during a cut), `upstream-failed ID` (the target refused).
enum BlackholeRelay {
    static func run(listenPort: Int, target: HostPort) throws {
        guard target.host == "127.0.0.1" || target.host == "localhost" else {
            throw TetherError(.invalidArgument, "the relay forwards on loopback only; give 127.0.0.1:PORT, not \(target).")
        }
        let relay = Relay(target: target)
        let listener = try listen(port: listenPort)
        Thread.detachNewThread { relay.acceptLoop(listener) }
        while let command = readLine(strippingNewline: true) {
            switch command {
            case "cut": relay.cut()
            case "restore": relay.restore()
            default: FileHandle.standardError.write(Data("relay: unknown command \(command); use cut or restore\n".utf8))
            }
        }
        // No more commands; keep relaying until killed.
        while true { pause() }
    }

    private static func listen(port: Int) throws(TetherError) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(socket, 128) == 0 else {
            throw TetherError(.unavailable, "the relay cannot listen on 127.0.0.1:\(port) (errno \(errno)); pick a free port.")
        }
        return socket
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// The relay's connections and whether the path is cut; one lock guards all.
private final class Relay: @unchecked Sendable {
    private let target: HostPort
    private let lock = NSLock()
    private var isCut = false
    private var connections: [Connection] = []
    private var nextID = 0

    init(target: HostPort) { self.target = target }

    func acceptLoop(_ listener: Int32) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let connection: Connection = lock.withLock {
                nextID += 1
                let connection = Connection(id: nextID, client: client, held: isCut)
                connections.append(connection)
                return connection
            }
            emit("accept \(connection.id)")
            if !connection.held {
                guard let server = dial() else {
                    emit("upstream-failed \(connection.id)")
                    close(client)
                    continue
                }
                connection.server = server
                Thread.detachNewThread { self.pump(connection, fromServer: true) }
            }
            Thread.detachNewThread { self.pump(connection, fromServer: false) }
        }
    }

    func cut() {
        lock.withLock {
            isCut = true
            for connection in connections { connection.forwarding = false }
        }
        emit("cut")
    }

    func restore() {
        lock.withLock {
            isCut = false
            for connection in connections where connection.held { connection.reset = true }
        }
        emit("restore")
    }

    private func dial() -> Int32? {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var socketAddress = BlackholeRelay.loopback(port: target.port)
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(server)
            return nil
        }
        var yes: Int32 = 1
        setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return server
    }

    /// Copies one direction until its source closes. Polls so that a reset
    /// requested by `restore` is acted on without a byte arriving.
    private func pump(_ connection: Connection, fromServer: Bool) {
        let source = fromServer ? connection.server! : connection.client
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var descriptor = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
        while true {
            let (forwarding, reset) = lock.withLock { (connection.forwarding, connection.reset) }
            if reset {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(source, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                close(source)
                emit("reset \(connection.id)")
                return
            }
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = read(source, &buffer, buffer.count)
            if count <= 0 {
                emit("\(fromServer ? "server" : "client")-closed \(connection.id)")
                // A cut path carries no FIN either; the other side must notice by itself.
                let destination = fromServer ? connection.client : connection.server
                if forwarding, let destination { shutdown(destination, Int32(SHUT_WR)) }
                finish(connection)
                return
            }
            if forwarding, let destination = fromServer ? connection.client : connection.server {
                var offset = 0
                while offset < count {
                    let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, count - offset) }
                    guard written > 0 else { break }
                    offset += written
                }
            }
        }
    }

    /// Closes both sockets once every direction has ended.
    private func finish(_ connection: Connection) {
        let done = lock.withLock {
            connection.finishedDirections += 1
            return connection.finishedDirections == (connection.held ? 1 : 2)
        }
        guard done else { return }
        close(connection.client)
        if let server = connection.server { close(server) }
    }

    private func emit(_ event: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        // One write(2) a line: flushing stdio would wait for the lock readLine holds on stdin.
        lock.withLock { FileHandle.standardOutput.write(Data("\(milliseconds) \(event)\n".utf8)) }
    }
}

/// One relayed connection. `held`: accepted during a cut, never forwarded.
private final class Connection: @unchecked Sendable {
    let id: Int
    let client: Int32
    let held: Bool
    var server: Int32?
    var forwarding: Bool
    var reset = false
    var finishedDirections = 0

    init(id: Int, client: Int32, held: Bool) {
        self.id = id
        self.client = client
        self.held = held
        self.forwarding = !held
    }
}
