# The do-it-yourself OpenSSH equivalent on 127.0.0.1, stock binaries:
#   node        sshd the client reaches (directly, or through the bastion)
#   bastion     sshd with defaults; the node keeps `ssh -N -R RPORT:node` to it
#   bastion-ka  the same with ClientAliveInterval 5 / CountMax 3 (dead-tunnel test)
# Every hop uses aes128-gcm. Sessions get HOME=$WORK/ossh/home (sshd SetEnv)
# so the login shell reads no startup files, as Tether's sessions read none.
# Sourced by bench/run.

OSSH=""  # the ssh_config every OpenSSH command uses

ossh_sshd() {  # NAME PORT [EXTRA CONFIG LINE...]
    local name=$1 port=$2
    shift 2
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/ossh/$name.hostkey" </dev/null >/dev/null
    {
        cat <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $WORK/ossh/$name.hostkey
PidFile $WORK/ossh/$name.pid
AuthorizedKeysFile $WORK/ossh/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
Ciphers aes128-gcm@openssh.com
MaxStartups 200:30:400
SetEnv HOME=$WORK/ossh/home
EOF
        printf '%s\n' "$@"
    } >"$WORK/ossh/$name.sshd_config"
    spawn "sshd-$name" "$WORK/ossh/$name.log" /usr/sbin/sshd -D -e -f "$WORK/ossh/$name.sshd_config"
    wait_for_port "sshd $name" "$port" "$WORK/ossh/$name.log"
}

# Keeps `ssh -N -R RPORT:node` from the node's side to HOST (a Host of $OSSH).
ossh_reverse_tunnel() {  # NAME HOST RPORT [SSH OPTION...]
    local name=$1 host=$2 rport=$3
    shift 3
    spawn "$name" "$WORK/ossh/$name.log" ssh -F "$OSSH" -N -o ExitOnForwardFailure=yes "$@" \
        -R "$rport:127.0.0.1:$OSSH_NODE_PORT" "$host"
}

port_listening() { ss -Hltn "sport = :$1" | grep -q .; }

setup_openssh() {
    say "OpenSSH: sshd node, bastion (defaults) and bastion-ka (ClientAlive 5/3), node's ssh -N -R to the bastion"
    [ -x /usr/sbin/sshd ] || fail "/usr/sbin/sshd is missing; install openssh-server"
    mkdir -p "$WORK/ossh/home" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/ossh/id_ed25519" </dev/null >/dev/null
    cp "$WORK/ossh/id_ed25519.pub" "$WORK/ossh/authorized_keys"
    OSSH_NODE_PORT=$(free_port)
    OSSH_BASTION_PORT=$(free_port)
    OSSH_BASTION_KA_PORT=$(free_port)
    OSSH_REVERSE_PORT=$(free_port)
    RELAY_SSH_PORT=$(free_port)
    RELAY_SSH_KA_PORT=$(free_port)
    OSSH=$WORK/ossh/ssh_config
    # Specific hosts first: ssh takes the first value it finds for each option.
    cat >"$OSSH" <<EOF
Host node
    Port $OSSH_NODE_PORT
Host bastion
    Port $OSSH_BASTION_PORT
Host jnode
    Port $OSSH_NODE_PORT
    ProxyJump bastion
Host jnode-c25519
    Port $OSSH_NODE_PORT
    ProxyJump bastion-c25519
    KexAlgorithms curve25519-sha256
Host bastion-c25519
    Port $OSSH_BASTION_PORT
    KexAlgorithms curve25519-sha256
Host rnode
    HostName localhost
    Port $OSSH_REVERSE_PORT
    ProxyJump bastion
Host bastion-relay
    Port $RELAY_SSH_PORT
Host bastion-ka-relay
    Port $RELAY_SSH_KA_PORT
Host *
    HostName 127.0.0.1
    User $LOGIN
    IdentityFile $WORK/ossh/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile /dev/null
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking no
    LogLevel ERROR
    BatchMode yes
    ControlMaster no
    ControlPath none
    Ciphers aes128-gcm@openssh.com
EOF
    ossh_sshd node "$OSSH_NODE_PORT"
    ossh_sshd bastion "$OSSH_BASTION_PORT"
    ossh_sshd bastion-ka "$OSSH_BASTION_KA_PORT" "ClientAliveInterval 5" "ClientAliveCountMax 3"
    ossh_reverse_tunnel ssh-reverse bastion "$OSSH_REVERSE_PORT"
    eventually 30 port_listening "$OSSH_REVERSE_PORT" || fail "the node's ssh -R to the bastion never came up; see $WORK/ossh/ssh-reverse.log"
    start_relay relay-ssh "$RELAY_SSH_PORT" "$OSSH_BASTION_PORT"
    start_relay relay-ssh-ka "$RELAY_SSH_KA_PORT" "$OSSH_BASTION_KA_PORT"
    eventually 30 via ssh-reverse true || fail "ssh through the bastion and the reverse tunnel failed; see $WORK/ossh/*.log"
}
