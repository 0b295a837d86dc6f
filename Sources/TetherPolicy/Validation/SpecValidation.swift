extension UserSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        for (index, role) in roles.enumerated() {
            try NameRules.check(role, at: path.key("roles").index(index), naming: "role name")
        }
        for key in traits.keys where key.isEmpty {
            throw FieldError(path.key("traits"), "a trait has an empty name; name it, e.g. logins.")
        }
    }
}

extension TokenSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        try LabelRules.checkKeys(labels.keys, at: path.key("labels"))
        if let node {
            guard type == .node else { throw FieldError(path.key("node"), "only node tokens name a node; remove node or use type node.") }
            try NameRules.checkNode(node, at: path.key("node"))
        }
    }
}

extension TrustedClusterSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        guard token != "" else {
            throw FieldError(path.key("token"), "the join token is empty; make one on the root with tetherctl tokens add --type trusted_cluster.")
        }
        try AddressRules.checkHostPort(proxyAddr, at: path.key("proxy_addr"))
        if let caPin {
            try AddressRules.checkPin(caPin, at: path.key("ca_pin"))
        }
        _ = try RoleMap(validating: roleMap, at: path.key("role_map"))
    }
}

extension RemoteClusterSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {}
}

extension NodeSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        if let addr {
            try AddressRules.checkHostPort(addr, at: path.key("addr"))
        }
        try LabelRules.checkKeys(cmdLabels.keys, at: path.key("cmd_labels"))
        for (key, label) in cmdLabels where label.command.first?.isEmpty ?? true {
            throw FieldError(path.key("cmd_labels").key(key).key("command"), "the command is empty; give the program and its arguments, e.g. [uname, -r].")
        }
    }
}

extension CertAuthoritySpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        try NameRules.check(cluster, at: path.key("cluster"), naming: "cluster name")
        for (index, key) in sshPublicKeys.enumerated() where key.isEmpty {
            throw FieldError(path.key("ssh_public_keys").index(index), "an SSH public key is empty; remove it or paste the key line.")
        }
        for (index, pem) in tlsCertificates.enumerated() where !pem.contains("-----BEGIN CERTIFICATE-----") {
            throw FieldError(path.key("tls_certificates").index(index), "this is not a PEM certificate; paste it including the -----BEGIN CERTIFICATE----- line.")
        }
    }
}

extension LockSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        switch target {
        case .user(let name): try NameRules.check(name, at: path.key("target").key("user"), naming: "user name")
        case .node(let name): try NameRules.checkNode(name, at: path.key("target").key("node"))
        }
        if let origin {
            guard case .user = target else {
                throw FieldError(path.key("origin"), "origin names the cluster of a locked user; a node lock has none, so remove it.")
            }
            try NameRules.check(origin, at: path.key("origin"), naming: "cluster name")
        }
    }
}
