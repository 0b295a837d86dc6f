# Dead-tunnel detection and reconnect. Each tunnel runs through a relay
# (tether-bench relay) that the suite cuts at once for all of them: no FIN,
# no RST, bytes dropped, like a pulled cable or a vanished NAT mapping.
# After BLACKOUT seconds the path is restored. Per tunnel:
#   far end noticed   the proxy wrote tunnel.disconnect (audit time) / the
#                     bastion closed its side (relay event)
#   near end noticed  the node's agent / the node's ssh client closed its side
#   back              Tether: the proxy's `tunnel.connect` for robot-cut (audit
#                     time); OpenSSH: a connection to the bastion's -R port
#                     gets the node sshd's banner again (a stale session may
#                     still hold the port, forwarding into the dead path)
# Tether runs with its defaults. OpenSSH: `ssh -N -R` with ServerAliveInterval
# 5 / CountMax 3, restarted 0.25 s after it exits (what autossh would do, but
# at once), against a default bastion and one with ClientAliveInterval 5 /
# CountMax 3. Sourced by bench/run.

declare -A RELAY_FD=()

start_relay() {  # NAME LISTEN_PORT TARGET_PORT
    local fd
    mkfifo "$WORK/$1.ctl"
    SPAWN_IN="$WORK/$1.ctl" spawn "$1" "$WORK/$1.events" "$BIN/tether-bench" relay "$2" "127.0.0.1:$3"
    exec {fd}>"$WORK/$1.ctl"
    RELAY_FD[$1]=$fd
    wait_for_port "relay $1" "$2" "$WORK/$1.events"
}

relay_command() {  # NAME cut|restore
    echo "$2" >&"${RELAY_FD[$1]}"
}

# Milliseconds from the relay's last `cut` to the first EVENT of the
# connection that was live at the cut, or nothing if it never happened.
relay_delay() {  # NAME EVENT(client-closed|server-closed)
    awk -v want="$2" '
        $2 == "accept" { last = $3 }
        $2 == "cut" { cut = $1; live = last; seen = "" }
        cut != "" && seen == "" && $2 == want && $3 == live { seen = $1 - cut }
        END { if (seen != "") print seen }' "$WORK/$1.events"
}

relay_time() {  # NAME EVENT: epoch ms of its last cut or restore
    awk -v want="$2" '$2 == want { t = $1 } END { print t }' "$WORK/$1.events"
}

# Epoch ms of the first audit event TYPE (tunnel.connect|tunnel.disconnect)
# of robot-cut's tunnel at or after SINCE_MS, from the proxy's own record.
tether_tunnel_event_ms() {  # TYPE SINCE_MS
    ctl solo audit search --type "$1" --since 5m --format json 2>/dev/null | python3 -c '
import json, sys, datetime
since, host = int(sys.argv[1]), sys.argv[2]
times = []
for event in json.load(sys.stdin):
    if event.get("host_id") == host:
        moment = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        if round(moment.timestamp() * 1000) >= since:
            times.append(round(moment.timestamp() * 1000))
if times:
    print(min(times))
' "$2" "$CUT_HOST_ID"
}

# The node's relay connections include short API calls; its tunnel is the
# one the proxy closed just after it wrote tunnel.disconnect (the proxy logs
# the keepalive's verdict first, then closes, waiting up to 1 s for the TLS
# goodbye). Prints when the node closed that connection (epoch ms), if it did.
tether_near_close_ms() {  # PROXY_CLOSE_MS
    awk -v at="$1" '
        $2 == "server-closed" { d = $1 - at; if (d > -500 && d < 2500 && (best == "" || (d < 0 ? -d : d) < best)) { best = d < 0 ? -d : d; id = $3 } }
        $2 == "client-closed" { closed[$3] = $1 }
        END { if (id != "" && (id in closed)) print closed[id] }' "$WORK/relay-tether.events"
}

# Keeps ssh -N -R RPORT through relay host HOST, restarting it 0.25 s after it exits.
ossh_kept_tunnel() {  # NAME HOST RPORT
    # shellcheck disable=SC2016 # expanded by the inner bash
    spawn "$1" "$WORK/ossh/$1.log" bash -c 'while :; do ssh "$@"; sleep 0.25; done' keep-tunnel -F "$OSSH" -N -o ExitOnForwardFailure=yes \
        -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -R "$3:127.0.0.1:$OSSH_NODE_PORT" "$2"
}

# Whether 127.0.0.1:PORT (a bastion's -R port) leads to the node's sshd.
ssh_banner() {  # PORT
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 4 <&3' banner "$1" 2>/dev/null | grep -q '^SSH-'
}

# Waits up to BACK_TIMEOUT s after RESTORE_MS for the tunnel to be back:
# `tether` (robot-cut's tunnel.connect) or `port PORT` (ssh_banner); records
# the delay or "never".
record_back() {  # SERIES RESTORE_MS tether|port [PORT]
    local deadline=$(($2 + BACK_TIMEOUT * 1000)) at=""
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if [ "$3" = tether ]; then
            at=$(tether_tunnel_event_ms tunnel.connect "$2")
        elif ssh_banner "$4"; then
            at=$(now_ms)
        fi
        [ -n "$at" ] && break
        sleep 0.05
    done
    record "$1" "$(if [ -n "$at" ]; then calc "($at - $2) / 1000" 2; else echo never; fi)"
}

record_noticed() {  # SERIES RELAY EVENT
    local delay
    delay=$(relay_delay "$2" "$3")
    record "$1" "$(if [ -n "$delay" ]; then calc "$delay / 1000" 2; else echo never; fi)"
}

# Tether's far end from the audit log, its near end from the matching relay connection.
record_tether_noticed() {  # CUT_MS
    local far near
    far=$(tether_tunnel_event_ms tunnel.disconnect "$1")
    [ -n "$far" ] && near=$(tether_near_close_ms "$far")
    record cut-tether-far "$(if [ -n "$far" ]; then calc "($far - $1) / 1000" 2; else echo never; fi)"
    record cut-tether-near "$(if [ -n "${near:-}" ]; then calc "($near - $1) / 1000" 2; else echo never; fi)"
}

measure_dead_tunnels() {
    say "dead tunnels: $CUT_ROUNDS cut(s) of ${BLACKOUT} s, Tether vs ssh -R (ServerAlive 5/3) to default and ClientAlive 5/3 bastions"
    CUT_HOST_ID=$(ctl solo get nodes robot-cut --format json | grep -o '"host_id" *: *"[^"]*"' | head -n1 | sed 's/.*"\([^"]*\)"$/\1/')
    [ -n "$CUT_HOST_ID" ] || fail "cannot read robot-cut's host id from \`tetherctl get nodes robot-cut\`"
    local round rport rport_ka kept kept_ka relay restore
    local -a waits
    for round in $(seq 1 "$CUT_ROUNDS"); do
        # Fresh OpenSSH tunnels each round: a default bastion never frees the old port.
        rport=$(free_port)
        rport_ka=$(free_port)
        ossh_kept_tunnel "cut-ssh-$round" bastion-relay "$rport"
        kept=$SPAWNED
        ossh_kept_tunnel "cut-ssh-ka-$round" bastion-ka-relay "$rport_ka"
        kept_ka=$SPAWNED
        # These checks put traffic through every tunnel just before the cut, so
        # ssh's alive timers start from zero. Tether's keepalive counts only
        # connection-level frames (PINGs): its notice varies with the PING phase.
        eventually 30 ssh_banner "$rport" || fail "ssh -R through relay-ssh never came up; see $WORK/ossh/cut-ssh-$round.log"
        eventually 30 ssh_banner "$rport_ka" || fail "ssh -R through relay-ssh-ka never came up; see $WORK/ossh/cut-ssh-ka-$round.log"
        eventually 60 tether_cut_node_reachable || fail "robot-cut is not reachable before cut $round; see $WORK/robot-cut/tetherd.log"
        for relay in relay-tether relay-ssh relay-ssh-ka; do relay_command "$relay" cut; done
        sleep "$BLACKOUT"
        for relay in relay-tether relay-ssh relay-ssh-ka; do relay_command "$relay" restore; done
        sleep 0.2
        record_tether_noticed "$(relay_time relay-tether cut)"
        record_noticed cut-ssh-far relay-ssh server-closed
        record_noticed cut-ssh-near relay-ssh client-closed
        record_noticed cut-ssh-ka-far relay-ssh-ka server-closed
        record_noticed cut-ssh-ka-near relay-ssh-ka client-closed
        restore=$(relay_time relay-tether restore)
        # In parallel, each with its own deadline; `wait` names them (the daemons are children too).
        record_back cut-tether-back "$restore" tether &
        waits=($!)
        record_back cut-ssh-back "$(relay_time relay-ssh restore)" port "$rport" &
        waits+=($!)
        record_back cut-ssh-ka-back "$(relay_time relay-ssh-ka restore)" port "$rport_ka" &
        waits+=($!)
        wait "${waits[@]}"
        end_group "$kept"
        end_group "$kept_ka"
        note "cut $round done"
    done
}
