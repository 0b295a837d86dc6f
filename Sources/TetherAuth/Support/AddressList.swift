import NIOCore

/// Addresses for certificate SANs, split into IP addresses and DNS names.
struct AddressList {
    var ipAddresses: [String] = []
    var dnsNames: [String] = []

    /// Takes `host`, `host:port` or `[v6]:port`; ports are dropped.
    init(_ addresses: [String]) {
        for address in addresses {
            let host = Self.host(of: address)
            guard !host.isEmpty else { continue }
            if (try? SocketAddress(ipAddress: host, port: 0)) != nil {
                ipAddresses.append(host)
            } else {
                dnsNames.append(host)
            }
        }
    }

    static func host(of address: String) -> String {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<end])
        }
        if address.filter({ $0 == ":" }).count == 1, let colon = address.firstIndex(of: ":") {
            return String(address[..<colon])
        }
        return address
    }
}
