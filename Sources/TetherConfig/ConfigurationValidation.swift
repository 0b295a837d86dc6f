import TetherCore
import TetherPolicy

extension TetherdConfiguration {
    /// Checks that only make sense across fields: which services run, and
    /// that each has what it needs.
    func validate() throws(FieldError) {
        guard !dataDir.isEmpty else {
            throw FieldError(FieldPath.root.key("data_dir"), "is empty; name a directory for keys, state and the audit log.")
        }
        guard runsAuth || runsProxy || runsNode else {
            throw FieldError(.root, "no service is enabled; enable at least one of auth, proxy and node.")
        }
        if let cluster {
            try NameRules.check(cluster, at: FieldPath.root.key("cluster"), naming: "cluster name")
        } else if runsAuth {
            throw FieldError(FieldPath.root.key("cluster"), "is missing; the auth service needs the cluster's name.")
        }
        if let auth, auth.enabled {
            try AddressRules.checkHostPort(auth.listen, at: FieldPath.root.key("auth").key("listen"))
            let costs = AuthSection.passwordCosts
            guard costs.contains(auth.passwordCost) else {
                throw FieldError(FieldPath.root.key("auth").key("password_cost"), "is \(auth.passwordCost); use log2 of scrypt's N from \(costs.lowerBound) to \(costs.upperBound) (default \(AuthSection.defaultPasswordCost)).")
            }
            try auth.validateLogins(at: FieldPath.root.key("auth"))
            try auth.limits.validate(at: FieldPath.root.key("auth").key("limits"))
        }
        if let proxy, proxy.enabled {
            let path = FieldPath.root.key("proxy")
            try AddressRules.checkHostPort(proxy.listen, at: path.key("listen"))
            if let publicAddr = proxy.publicAddr {
                try AddressRules.checkHostPort(publicAddr, at: path.key("public_addr"))
            }
            try proxy.limits.validate(at: path.key("limits"))
            guard runsAuth else {
                throw FieldError(path, "runs without auth in this process; run the proxy in the same tetherd as its auth service.")
            }
        }
        if let node, node.enabled {
            try node.validate(at: FieldPath.root.key("node"))
        }
    }
}

extension NodeSection {
    func validate(at path: FieldPath) throws(FieldError) {
        try NameRules.checkNode(name, at: path.key("name"))
        for key in labels.keys.sorted() where !NameRules.isValid(key) {
            throw FieldError(path.key("labels").key(key), "is not a valid label key; use letters, digits and . _ @ -.")
        }
        for (key, label) in commandLabels.sorted(by: { $0.key < $1.key }) where label.command.isEmpty {
            throw FieldError(path.key("command_labels").key(key).key("command"), "is empty; give the program and its arguments, e.g. [uname, -r].")
        }
        switch (authServer, proxyServer) {
        case (nil, nil):
            throw FieldError(path, "has neither auth_server (direct node) nor proxy_server (tunnel node); set exactly one.")
        case (.some, .some):
            throw FieldError(path.key("proxy_server"), "is set together with auth_server; a node is either direct (auth_server + listen) or a tunnel node (proxy_server), not both.")
        case (.some(let authServer), nil):
            try AddressRules.checkHostPort(authServer, at: path.key("auth_server"))
            guard let listen else {
                throw FieldError(path.key("listen"), "is missing; a direct node needs an address for the proxy to reach it (or use proxy_server for a tunnel node).")
            }
            try AddressRules.checkHostPort(listen, at: path.key("listen"))
        case (nil, .some(let proxyServer)):
            try AddressRules.checkHostPort(proxyServer, at: path.key("proxy_server"))
            if listen != nil {
                throw FieldError(path.key("listen"), "is set on a tunnel node; tunnel nodes never listen, remove it.")
            }
        }
        if let caPin {
            try AddressRules.checkPin(caPin, at: path.key("ca_pin"))
        }
        if keepaliveInterval.seconds < 1 {
            throw FieldError(path.key("keepalive_interval"), "must be at least 1s.")
        }
    }
}

extension AuthSection {
    func validateLogins(at path: FieldPath) throws(FieldError) {
        let threads = Self.loginThreadCounts
        guard threads.contains(loginThreads) else {
            throw FieldError(path.key("login_threads"), "is \(loginThreads); use \(threads.lowerBound) to \(threads.upperBound) threads for hashing logins' passwords (default 1).")
        }
        guard loginQueue >= 0 else {
            throw FieldError(path.key("login_queue"), "is \(loginQueue); give how many logins may wait for a hashing thread, 0 or more (default 16).")
        }
        guard loginFailuresPerAddress >= 1 else {
            throw FieldError(path.key("login_failures_per_address"), "is \(loginFailuresPerAddress); give at least 1 failed login before an address is locked out (default 20).")
        }
    }
}
