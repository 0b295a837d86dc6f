/// Paths of Tether's HTTP/JSON APIs. The auth service serves `auth` paths on
/// its internal listener (mutual TLS). The proxy serves `proxy` paths on its
/// one port (ALPN `http/1.1`), answering some itself and forwarding the
/// rest to the auth service with the caller's verified identity.
public enum APIPath {
    /// Public: cluster name, CA certificates and pins (GET).
    public static let cluster = "/v1/cluster"
    /// Password login → user certificates (POST, no client certificate needed).
    public static let login = "/v1/login"
    /// Token join → host certificates (POST, no client certificate needed).
    public static let join = "/v1/join"
    /// Node presence (POST, host certificate).
    public static let heartbeat = "/v1/nodes/heartbeat"
    /// Nodes the caller may see (GET, user certificate; `NodeQuery` narrows it to one name).
    public static let nodes = "/v1/nodes"
    /// Audit events from a node's spool (POST, host certificate).
    public static let auditEvents = "/v1/audit/events"
    /// Recorded session frames (GET …/sessions/{id}, user certificate).
    public static let sessions = "/v1/sessions"
    /// Host certificate renewal (POST, host certificate).
    public static let renewHost = "/v1/renew/host"
    /// Roles and locks for nodes' own decisions (GET, host certificate).
    public static let accessPolicy = "/v1/access-policy"
    /// A leaf asks to trust this (root) cluster (POST, token in the body).
    public static let trustedClusters = "/v1/trusted-clusters"
    /// This cluster and its leaves, online or not (GET, user certificate).
    public static let clusters = "/v1/clusters"
}

/// How the proxy passes on who called it when it forwards an API request to
/// the auth service: the caller's verified TLS client certificate (base64
/// DER). The auth service honours it only from a peer whose own certificate
/// says it is a proxy, and verifies the forwarded certificate itself.
public enum ForwardedIdentity {
    public static let header = "Tether-Forwarded-Certificate"
    /// The caller's IP address as the proxy saw it (also honoured only from a proxy).
    public static let clientAddressHeader = "Tether-Forwarded-For"
    /// The TLS role (OU) that marks a proxy's host certificate.
    public static let proxyRole = "proxy"
    /// The TLS role (OU) that marks a node's host certificate.
    public static let nodeRole = "node"
    /// The TLS role (OU) that marks the auth service's own certificate.
    public static let authRole = "auth"
}

/// ALPN protocol ids on the proxy's one port.
public enum ALPN {
    /// A node's (or a leaf proxy's) reverse tunnel: HTTP/2 with the dialler as server.
    public static let tunnel = "tether-tunnel/1"
    /// A user's SSH byte stream: an HTTP/1.1 CONNECT, then raw SSH to the node.
    public static let ssh = "tether-ssh/1"
    /// The HTTPS API.
    public static let http = "http/1.1"
}

/// Headers of the SSH `CONNECT` request a client sends on ALPN `tether-ssh/1`
/// (request target `NODE:0`). The tunnel stream the proxy then opens to the
/// node is TetherTunnel's `ResourceStreamRequest`.
public enum SSHRouting {
    public static let clusterHeader = "Tether-Cluster"
    public static let loginHeader = "Tether-Login"
    /// The user's SSH certificate (authorized-keys line). The node checks it
    /// against the key the SSH handshake proves, so it needs no trust in the path.
    public static let certificateHeader = "Tether-Certificate"
}
