import Glibc

/// The descriptors tetherd may hold: every connection on the proxy's and
/// the auth service's ports is one, so the soft limit is raised to the hard
/// one at start and the listeners' connection caps are set below it.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one if it is lower; the limit in force.
    static func raise() -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return fallback }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The usual soft limit, assumed when the real one cannot be read.
    static let fallback = 1024

    /// A listener's default cap: a quarter of the limit, leaving the rest
    /// to the other listener, outbound dials, SQLite and the audit spool.
    static func defaultConnectionCap(_ limit: Int) -> Int {
        max(64, min(limit, 4_000_000) / 4)
    }
}
