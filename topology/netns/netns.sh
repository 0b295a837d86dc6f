#!/usr/bin/env bash
# Sites behind NAT and carrier-grade NAT, built from Linux network namespaces
# (root, iproute2 and nftables needed). Every namespace of a run is named
# tt-ID-NAME, so parallel runs never touch each other and `down` removes
# exactly one run. Nothing changes in the machine's own namespace unless
# `host-uplink` asks for it.
#
#   netns.sh check                    say whether this machine can build them (exit 0) or why not
#   netns.sh up ID                    build the standard topology below
#   netns.sh down ID                  stop what runs inside the run's namespaces, then delete them
#   netns.sh status ID                namespaces, addresses, default routes
#   netns.sh switch ID HOST IFACE     move HOST's uplink to IFACE (the old one goes down, its address gone)
#   netns.sh addr ID NAME IFACE       print the IPv4 address of NAME's IFACE
#   netns.sh host-uplink ID           put this machine on the run's internet (prints its address there)
#   netns.sh exec ID NAME CMD...      run CMD inside NAME's namespace
#
# Standard topology (`up`):
#
#   inet            the internet: LAN 10.77.0.0/24; 10.77.0.1 is the hub's public address
#   dallas-gw       NAT router of site dallas, uplink on inet, LAN 192.168.1.0/24
#   dallas-robot    device in site dallas (eth0)
#   dallas-leaf     host for a leaf cluster's auth + proxy in site dallas (eth0)
#   plant-cgn       carrier NAT, uplink on inet, LAN 100.64.2.0/24
#   plant-gw        the customer's NAT router behind it, LAN 192.168.2.0/24
#   plant-charger   device behind both NATs (eth0)
#   rover-cell      cellular carrier NAT, uplink on inet, LAN 100.64.3.0/24
#   rover-sat       satellite NAT, uplink on inet, LAN 172.16.4.0/24
#   rover           mobile device: uplink "cell" (active) and "sat" (standby)
#
# Sourced (`. netns.sh`, under `set -euo pipefail`), the tt_* functions
# compose other layouts: tt_init ID; tt_internet; tt_router NAME UPSTREAM
# LAN_PREFIX; tt_attach HOST ROUTER IFACE [standby]; tt_host_uplink; tt_switch;
# tt_addr; tt_exec; tt_down.
# A site that hosts a leaf cluster is one more host on its LAN, like
# dallas-leaf: the leaf's proxy listens on its LAN address for the site's
# devices and dials the hub at 10.77.0.1 like they do.

TT_INTERNET_LAN=${TT_INTERNET_LAN:-10.77.0}   # the internet's /24; .1 is the hub's public address

tt_fail() { printf 'netns: %s\n' "$*" >&2; return 1; }

tt_init() {  # ID: letters and digits only, so that tt-ID- is no other run's prefix
    [[ ${1:-} =~ ^[a-z0-9]{1,12}$ ]] || tt_fail "the run id must be 1-12 lower-case letters or digits, not '${1:-}'"
    TT_ID=$1
}

tt_ns() { printf 'tt-%s-%s' "$TT_ID" "$1"; }

tt_exec() {  # NAME CMD...
    local ns; ns=$(tt_ns "$1"); shift
    ip netns exec "$ns" "$@"
}

# The namespaces of this run, one per line.
tt_namespaces() { ip netns list | awk -v prefix="tt-$TT_ID-" 'index($1, prefix) == 1 { print $1 }' | sort; }

tt_addr() {  # NAME IFACE: its IPv4 address, without the prefix length
    ip -n "$(tt_ns "$1")" -4 -o addr show dev "$2" | awk '{ split($4, a, "/"); print a[1]; exit }'
}

_tt_add_ns() {
    ip netns add "$(tt_ns "$1")"
    ip -n "$(tt_ns "$1")" link set lo up
}

# A bridge "lan" holding PREFIX.1/24; hosts attach to it as ports.
_tt_add_lan() {  # NAME PREFIX
    local ns; ns=$(tt_ns "$1")
    ip -n "$ns" link add lan type bridge
    ip -n "$ns" addr add "$2.1/24" dev lan
    ip -n "$ns" link set lan up
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
    # Where br_netfilter is built in, bridged frames would cross the router's
    # forward chain; a LAN switch does not filter.
    ip netns exec "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
}

tt_internet() { _tt_add_ns inet; _tt_add_lan inet "$TT_INTERNET_LAN"; }

# Puts the machine itself (the namespace this runs in) on the internet, so
# that commands typed in a shell reach the hub: veth tt-ID here, a port on
# the internet's bridge there. Only the internet's /24 becomes reachable from
# here, never a site; it goes when `down` deletes the internet namespace.
# Two runs with host uplinks at once need different TT_INTERNET_LAN values.
tt_host_uplink() {
    local ins n address
    ins=$(tt_ns inet)
    n=$(ip -n "$ins" -o link show master lan | wc -l)
    address="$TT_INTERNET_LAN.$((10 + n))"
    ip link add name "tt-$TT_ID" type veth peer name "h$n" netns "$ins"
    ip -n "$ins" link set "h$n" master lan up
    ip addr add "$address/24" dev "tt-$TT_ID"
    ip link set "tt-$TT_ID" up
    echo "$address"
}

# Connects HOST (created if new) to ROUTER's LAN through a veth pair: IFACE on
# the host, port hN on the router's bridge. The host's address is PREFIX.(10+N);
# it and the gateway are kept in IFACE's alias, so an uplink on standby (down,
# no address) can be switched on later.
tt_attach() {  # HOST ROUTER IFACE [standby]
    local host=$1 router=$2 iface=$3 mode=${4:-active}
    local hns rns prefix n
    hns=$(tt_ns "$host") rns=$(tt_ns "$router")
    tt_namespaces | grep -x "$hns" >/dev/null || _tt_add_ns "$host"
    prefix=$(tt_addr "$router" lan)
    [ -n "$prefix" ] || tt_fail "$router has no LAN to attach $host to"
    prefix=${prefix%.*}
    n=$(ip -n "$rns" -o link show master lan | wc -l)
    ip link add name "$iface" netns "$hns" type veth peer name "h$n" netns "$rns"
    ip -n "$rns" link set "h$n" master lan up
    ip -n "$hns" link set "$iface" alias "$prefix.$((10 + n))/24 via $prefix.1"
    [ "$mode" = standby ] || _tt_uplink_on "$host" "$iface"
}

_tt_uplink_on() {  # HOST IFACE: address and default route from IFACE's alias
    local ns address gateway
    ns=$(tt_ns "$1")
    read -r address _ gateway < <(ip -n "$ns" link show dev "$2" | sed -n 's/^ *alias //p')
    ip -n "$ns" link set "$2" up
    ip -n "$ns" addr add "$address" dev "$2"
    ip -n "$ns" route replace default via "$gateway" dev "$2"
}

# A NAT router: uplink "wan" on UPSTREAM's LAN (the internet or another
# router, for carrier NAT), LAN PREFIX.0/24 masqueraded behind it. Only
# connections from its LAN go out; every new inbound connection is dropped,
# to the LAN and to the router alike.
tt_router() {  # NAME UPSTREAM PREFIX
    local name=$1 upstream=$2 prefix=$3
    _tt_add_ns "$name"
    _tt_add_lan "$name" "$prefix"
    tt_attach "$name" "$upstream" wan
    tt_exec "$name" nft -f - <<RULES
table ip tether {
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "lan" oifname "wan" ip saddr $prefix.0/24 accept
    }
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "wan" ct state established,related accept
        iifname "wan" drop
    }
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "wan" masquerade
    }
}
RULES
    _tt_route_from_above "$name" "$prefix"
}

# Every router above NAME (up to the internet) routes PREFIX.0/24 towards
# NAME, as if an attacker sat right outside each NAT: then only the routers'
# firewalls keep inbound connections out, not a missing route.
_tt_route_from_above() {  # NAME PREFIX
    local child=$1 gateway parent ns
    while gateway=$(ip -n "$(tt_ns "$child")" route show default | awk '{ print $3; exit }') && [ -n "$gateway" ]; do
        parent=""
        for ns in $(tt_namespaces); do
            if [ "$(ip -n "$ns" -4 -o addr show dev lan 2>/dev/null | awk '{ print $4 }')" = "$gateway/24" ]; then
                parent=${ns#"tt-$TT_ID-"}
            fi
        done
        [ -n "$parent" ] || tt_fail "no namespace of run $TT_ID owns gateway $gateway"
        ip -n "$(tt_ns "$parent")" route add "$2.0/24" via "$(tt_addr "$child" wan)"
        child=$parent
    done
}

# What happens when a robot drives from cellular coverage to a satellite
# link: the default route moves to IFACE, the old uplink goes down and its
# address disappears (established connections are left to notice).
tt_switch() {  # HOST IFACE
    local ns old
    ns=$(tt_ns "$1")
    old=$(ip -n "$ns" route show default | awk '{ print $5; exit }')
    [ "$old" != "$2" ] || tt_fail "$1 already uses $2"
    _tt_uplink_on "$1" "$2"
    if [ -n "$old" ]; then
        ip -n "$ns" addr flush dev "$old"
        ip -n "$ns" link set "$old" down
    fi
}

# Stops what still runs inside the run's namespaces (SIGTERM, then SIGKILL
# after 5 s), then deletes them; their veth pairs, bridges and rules go with them.
tt_down() {
    local ns pids
    # The kernel destroys a deleted namespace's devices a moment later; the
    # host uplink, if any, is removed at once.
    if ip link show "tt-$TT_ID" >/dev/null 2>&1; then ip link del "tt-$TT_ID"; fi
    for ns in $(tt_namespaces); do
        pids=$(ip netns pids "$ns")
        if [ -n "$pids" ]; then
            # shellcheck disable=SC2086 # one pid per word
            kill $pids 2>/dev/null || true
            for _ in $(seq 1 50); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.1; done
            pids=$(ip netns pids "$ns")
            # shellcheck disable=SC2086
            [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
        fi
        ip netns del "$ns"
        echo "deleted $ns"
    done
}

tt_status() {
    local ns
    for ns in $(tt_namespaces); do
        printf '%s\n' "$ns"
        ip -n "$ns" -4 -o addr show | awk '$2 != "lo" { printf "    %-6s %s\n", $2, $4 }'
        ip -n "$ns" route show default | sed 's/^/    /'
    done
}

# Whether this machine lets us build namespaces with NAT, or one sentence why not.
tt_check() {
    [ "$(id -u)" -eq 0 ] || tt_fail "network namespaces need root (run as root or with sudo)" || return
    command -v ip >/dev/null || tt_fail "ip is not installed (apt-get install iproute2)" || return
    command -v nft >/dev/null || tt_fail "nft is not installed (apt-get install nftables)" || return
    local TT_ID="chk$$" ok=0
    _tt_add_ns probe 2>/dev/null || tt_fail "this machine refuses network namespaces (ip netns add failed)" || return
    tt_exec probe nft -f - 2>/dev/null <<'RULES' || ok=1
table ip probe { chain postrouting { type nat hook postrouting priority srcnat; policy accept; masquerade; }; }
RULES
    ip netns del "$(tt_ns probe)"
    [ "$ok" -eq 0 ] || tt_fail "the kernel refuses nftables NAT inside a network namespace"
}

tt_up() {
    tt_internet
    tt_router dallas-gw inet 192.168.1
    tt_attach dallas-robot dallas-gw eth0
    tt_attach dallas-leaf dallas-gw eth0
    tt_router plant-cgn inet 100.64.2
    tt_router plant-gw plant-cgn 192.168.2
    tt_attach plant-charger plant-gw eth0
    tt_router rover-cell inet 100.64.3
    tt_router rover-sat inet 172.16.4
    tt_attach rover rover-cell cell
    tt_attach rover rover-sat sat standby
}

tt_usage() {
    echo "usage: netns.sh check | up|down|status|host-uplink ID | switch ID HOST IFACE | addr ID NAME IFACE | exec ID NAME CMD..." >&2
    return 2
}

tt_main() {
    set -euo pipefail
    local command=${1:-}
    case "$command:$#" in
        check:1) tt_check; return ;;
        up:2 | down:2 | status:2 | host-uplink:2 | switch:4 | addr:4) ;;
        exec:[4-9] | exec:[1-9][0-9]*) ;;
        *) tt_usage; return ;;
    esac
    tt_init "$2"
    shift 2
    case "$command" in
        up)
            [ -z "$(tt_namespaces)" ] || tt_fail "run $TT_ID is already up; \`netns.sh down $TT_ID\` first"
            # A half-built run is removed again (set -e ignores failures
            # inside a function called from `||`, so a trap does this).
            trap 'tt_down >/dev/null; echo "netns: building run $TT_ID failed (see above); nothing is left behind" >&2' EXIT
            tt_up
            trap - EXIT
            tt_status
            ;;
        down) tt_down ;;
        status) tt_status ;;
        switch) tt_switch "$@" ;;
        addr) tt_addr "$@" ;;
        exec) tt_exec "$@" ;;
        host-uplink) tt_host_uplink ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then tt_main "$@"; fi
