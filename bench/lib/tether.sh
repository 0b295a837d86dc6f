# Tether on 127.0.0.1, bootstrapped the way an operator does it (tetherctl):
#   solo      one cluster: auth+proxy, tunnel node `robot`, and `robot-cut`
#             whose tunnel runs through a relay the suite can cut;
#   hub/leaf  root and leaf clusters: the leaf trusts the hub, tunnel node
#             `leafbot` joins the leaf; alice logs in at the hub.
# Every node keeps the default keepalive (5 s) and backoff (cap 30 s).
# Sourced by bench/run.

declare -A PROXY_PORT=() CA_PIN=()
TETHER_PASSWORD="bench-password-$RANDOM$RANDOM"

ctl() {  # CLUSTER ARGS...
    local cluster=$1
    shift
    "$BIN/tetherctl" "$@" --config "$WORK/$cluster/tetherd.yaml"
}

# Starts auth+proxy for CLUSTER with role `bench` (every node, the suite's
# login) and user alice.
tether_cluster() {  # CLUSTER
    local cluster=$1 dir=$WORK/$1 auth_port proxy_port
    mkdir -p "$dir"
    auth_port=$(free_port)
    proxy_port=$(free_port)
    cat >"$dir/tetherd.yaml" <<EOF
cluster: $cluster
data_dir: $dir/data
auth:
  listen: 127.0.0.1:$auth_port
proxy:
  listen: 127.0.0.1:$proxy_port
${PROXY_EXTRA[$cluster]:-}
EOF
    cat >"$dir/roles.yaml" <<'EOF'
kind: role
version: v1
metadata: {name: bench}
spec:
  allow:
    logins: ["{{internal.logins}}"]
    node_labels: {"*": "*"}
EOF
    ctl "$cluster" create "$dir/roles.yaml" >/dev/null || fail "tetherctl create role failed for cluster $cluster"
    ctl "$cluster" users add alice --roles bench --logins "$LOGIN" >/dev/null || fail "tetherctl users add failed for cluster $cluster"
    printf '%s\n' "$TETHER_PASSWORD" | ctl "$cluster" users set-password alice --password-stdin >/dev/null \
        || fail "tetherctl users set-password failed for cluster $cluster"
    CA_PIN[$cluster]=$(ctl "$cluster" status --format json | grep -o 'sha256:[0-9a-f]\{64\}' | head -n1)
    [ -n "${CA_PIN[$cluster]}" ] || fail "tetherctl status printed no CA pin for cluster $cluster"
    PROXY_PORT[$cluster]=$proxy_port
    spawn "$cluster" "$dir/tetherd.log" "$BIN/tetherd" start --config "$dir/tetherd.yaml"
    wait_for_port "$cluster auth" "$auth_port" "$dir/tetherd.log"
    wait_for_port "$cluster proxy" "$proxy_port" "$dir/tetherd.log"
}

# The pid of CLUSTER's auth+proxy process.
tether_proxy_pid() { awk -v name="$1" '$2 == name { print $1 }' "$WORK/pids"; }

# Joins tunnel node NAME to CLUSTER, dialling PROXY_ADDR (the proxy, or a relay).
tether_node() {  # NAME CLUSTER PROXY_ADDR
    local name=$1 cluster=$2 token
    token=$(ctl "$cluster" tokens add --type node --ttl 15m --format text) || fail "tetherctl tokens add failed for node $name"
    mkdir -p "$WORK/$name"
    cat >"$WORK/$name/tetherd.yaml" <<EOF
data_dir: $WORK/$name/data
node:
  name: $name
  labels: {bench: "yes"}
  proxy_server: $3
  join_token: $token
  ca_pin: ${CA_PIN[$cluster]}
EOF
    spawn "$name" "$WORK/$name/tetherd.log" "$BIN/tetherd" start --config "$WORK/$name/tetherd.yaml"
}

# alice's profile for CLUSTER lives in $WORK/homes/CLUSTER.
tether_login() {  # CLUSTER
    mkdir -p "$WORK/homes/$1"
    printf '%s\n' "$TETHER_PASSWORD" | TETHER_HOME="$WORK/homes/$1" "$BIN/tether" login \
        --proxy "127.0.0.1:${PROXY_PORT[$1]}" --user alice --password-stdin --ca-pin "${CA_PIN[$1]}" >/dev/null
}

setup_tether_single() {
    say "Tether: cluster solo (auth+proxy), tunnel nodes robot and robot-cut (through a relay)"
    tether_cluster solo
    tether_node robot solo "127.0.0.1:${PROXY_PORT[solo]}"
    RELAY_TETHER_PORT=$(free_port)
    start_relay relay-tether "$RELAY_TETHER_PORT" "${PROXY_PORT[solo]}"
    tether_node robot-cut solo "127.0.0.1:$RELAY_TETHER_PORT"
    tether_login solo || fail "tether login to cluster solo failed; see $WORK/solo/tetherd.log"
    TETHER_HOME="$WORK/homes/solo" "$BIN/tether" config >"$WORK/homes/solo/ssh_config" \
        || fail "tether config failed for cluster solo"
    eventually 60 via tether true || fail "robot never became reachable; see $WORK/robot/tetherd.log"
    eventually 60 tether_cut_node_reachable || fail "robot-cut never became reachable; see $WORK/robot-cut/tetherd.log"
}

tether_cut_node_reachable() { TETHER_HOME="$WORK/homes/solo" "$BIN/tether" ssh "$LOGIN@robot-cut" true; }

# Root hub, leaf trusting it, node leafbot on the leaf. Sets FEDERATION_SKIP
# (a sentence) instead of failing: trusted clusters may not be built yet.
setup_tether_federation() {
    say "Tether: root cluster hub, leaf cluster leaf trusting it, tunnel node leafbot on the leaf"
    FEDERATION_SKIP=""
    tether_cluster hub
    tether_cluster leaf
    tether_node leafbot leaf "127.0.0.1:${PROXY_PORT[leaf]}"
    local token
    if ! token=$(ctl hub tokens add --type trusted_cluster --ttl 15m --format text 2>"$WORK/hub/trust-token.err"); then
        FEDERATION_SKIP="\`tetherctl tokens add --type trusted_cluster\` failed on the root: $(head -c 300 "$WORK/hub/trust-token.err")"
        return
    fi
    cat >"$WORK/leaf/trusted_cluster.yaml" <<EOF
kind: trusted_cluster
version: v1
metadata: {name: hub}
spec:
  enabled: true
  token: $token
  proxy_addr: 127.0.0.1:${PROXY_PORT[hub]}
  ca_pin: ${CA_PIN[hub]}
  role_map:
    - {remote: bench, local: [bench]}
EOF
    if ! ctl leaf create "$WORK/leaf/trusted_cluster.yaml" >/dev/null 2>"$WORK/leaf/trust-create.err"; then
        FEDERATION_SKIP="\`tetherctl create trusted_cluster.yaml\` failed on the leaf: $(head -c 300 "$WORK/leaf/trust-create.err")"
        return
    fi
    tether_login hub || fail "tether login to cluster hub failed; see $WORK/hub/tetherd.log"
    if ! eventually 60 via tether-leaf true; then
        FEDERATION_SKIP="\`tether ssh --cluster leaf $LOGIN@leafbot true\` never succeeded within 60 s; see $WORK/leaf/tetherd.log and $WORK/hub/tetherd.log"
    fi
}
