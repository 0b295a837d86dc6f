# The ways the suite reaches "the node", each a command that runs a remote
# command there. Sourced by bench/run.

# What each path is called in the tables.
declare -A PATH_LABEL=(
    [tether]="Tether: tunnel node, one cluster"
    [tether-leaf]="Tether: root → leaf → tunnel node"
    [tether-openssh]="stock ssh via \`tether config\` (one cluster)"
    [ssh-direct]="OpenSSH: direct"
    [ssh-bastion]="OpenSSH: -J bastion"
    [ssh-reverse]="OpenSSH: -J bastion + node's -R tunnel"
    [ssh-bastion-c25519]="OpenSSH: -J bastion, curve25519 key exchange"
)

# Sets CMD to the command line that runs a remote command through PATH.
path_command() {  # PATH
    case $1 in
        tether) CMD=(env "TETHER_HOME=$WORK/homes/solo" "$BIN/tether" ssh "$LOGIN@robot") ;;
        tether-leaf) CMD=(env "TETHER_HOME=$WORK/homes/hub" "$BIN/tether" ssh --cluster leaf "$LOGIN@leafbot") ;;
        tether-openssh) CMD=(ssh -F "$WORK/homes/solo/ssh_config" -c aes128-gcm@openssh.com -o BatchMode=yes "$LOGIN@robot.solo") ;;
        ssh-direct) CMD=(ssh -F "$OSSH" node) ;;
        ssh-bastion) CMD=(ssh -F "$OSSH" jnode) ;;
        ssh-reverse) CMD=(ssh -F "$OSSH" rnode) ;;
        ssh-bastion-c25519) CMD=(ssh -F "$OSSH" jnode-c25519) ;;
        *) fail "unknown path $1" ;;
    esac
}

via() {  # PATH REMOTE_COMMAND...
    path_command "$1"
    shift
    "${CMD[@]}" "$@"
}

# The paths this run measures: the federated one only if it came up. With
# `setup`, also OpenSSH without its default post-quantum key exchange, whose
# cost dominates its set-up time (Tether's SSH uses curve25519).
active_paths() {  # [setup]
    local path
    for path in tether tether-leaf tether-openssh ssh-direct ssh-bastion ssh-reverse ${1:+ssh-bastion-c25519}; do
        [ "$path" = tether-leaf ] && [ -n "$FEDERATION_SKIP" ] && continue
        echo "$path"
    done
}

# The active paths rotated by N, so no path always runs first or last.
rotated_paths() {  # N [setup]
    local paths
    mapfile -t paths < <(active_paths "${2:-}")
    local count=${#paths[@]} i
    for ((i = 0; i < count; i++)); do echo "${paths[$(((i + $1) % count))]}"; done
}
