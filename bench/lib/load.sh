# Load (issue 12): LOAD_COUNT concurrent sessions through root → leaf →
# LOAD_NODES tunnel nodes of the leaf, all from alice's one login at the
# root, opened in process by `tether-bench sessions` (the `tether ssh
# --cluster leaf` path, LOAD_OPENING being set up at a time), each held open
# until all are up, then closed. Passes only with 0 errors and every session
# audited in the leaf: the leaf's exec events of the load's command name
# LOAD_COUNT sessions, each with its session.start and a session.end with
# exit status 0. Sourced by bench/run.

# "EXECS STARTED ENDED EXITED_0": of the leaf's sessions that ran the load's
# command (exec events), how many have a session.start, a session.end, and
# an end with exit status 0.
load_audit_counts() {
    local type
    for type in exec session.start session.end; do
        ctl leaf audit search --type "$type" --format json >"$WORK/load/$type.json" || return 1
    done
    python3 - "$WORK/load" <<'PY'
import json, sys
def events(name): return json.load(open(f"{sys.argv[1]}/{name}.json"))
ids = {e["session_id"] for e in events("exec") if e.get("command") == "echo up; exec cat"}
starts = {e["session_id"] for e in events("session.start")}
ends = {e["session_id"]: e.get("exit_status") for e in events("session.end")}
print(len(ids), len(ids & starts), sum(i in ends for i in ids), sum(ends.get(i) == 0 for i in ids))
PY
}

# True once every load session is audited in the leaf: LOAD_COUNT of them, each started and ended.
load_audited() {
    load_audit_counts >"$WORK/load/audit-counts" && [ "$(cat "$WORK/load/audit-counts")" = "$LOAD_COUNT $LOAD_COUNT $LOAD_COUNT $LOAD_COUNT" ]
}

measure_load() {
    [ -z "$FEDERATION_SKIP" ] || { note "load skipped: root → leaf is not set up ($FEDERATION_SKIP)"; return; }
    say "load: $LOAD_COUNT concurrent sessions, root → leaf → $LOAD_NODES tunnel nodes, $LOAD_OPENING set up at a time"
    local i nodes="" result pid name execs started ended exited
    mkdir -p "$WORK/load"
    for i in $(seq 1 "$LOAD_NODES"); do
        tether_node "loadbot-$i" leaf "127.0.0.1:${PROXY_PORT[leaf]}"
        nodes+="${nodes:+,}loadbot-$i"
    done
    for i in $(seq 1 "$LOAD_NODES"); do
        eventually 60 env "TETHER_HOME=$WORK/homes/hub" "$BIN/tether" ssh --cluster leaf "$LOGIN@loadbot-$i" true \
            || fail "loadbot-$i never became reachable through the root; see $WORK/loadbot-$i/tetherd.log"
    done
    # CPU of the two proxies and the nodes during the run.
    local -A before=()
    for name in hub leaf $(tr ',' ' ' <<<"$nodes"); do before[$name]=$(daemon_ticks "$name"); done
    result=$("$BIN/tether-bench" sessions "$WORK/homes/hub" leaf "$LOGIN" "$nodes" "$LOAD_COUNT" "$LOAD_OPENING" 2>"$WORK/load/errors") \
        || fail "tether-bench sessions failed: $(head -c 500 "$WORK/load/errors")"
    note "$result"
    cp "$WORK/load/errors" "$RAW/load-error-messages"
    [ -s "$WORK/load/errors" ] && note "errors: $(head -n 5 "$WORK/load/errors" | tr '\n' ';')"
    local cpu="" ticks
    for name in hub leaf; do
        cpu+="${cpu:+, }$name $(calc "($(daemon_ticks "$name") - ${before[$name]}) / $HZ" 1) s"
    done
    ticks=0
    for name in $(tr ',' ' ' <<<"$nodes"); do ticks=$((ticks + $(daemon_ticks "$name") - ${before[$name]})); done
    cpu+=", nodes $(calc "$ticks / $HZ" 1) s"
    for key in up errors p50_ms p99_ms max_ms all_up_s all_closed_s; do
        record "load-$key" "$(sed -n "s/.*\b$key=\([0-9.a-z-]*\).*/\1/p" <<<"$result" | sed 's/^nan$/never/')"
    done
    record load-cpu "$cpu"
    if eventually 180 load_audited; then
        record load-audited "all $LOAD_COUNT: exec, session.start, session.end with exit status 0"
    else
        read -r execs started ended exited <"$WORK/load/audit-counts"
        record load-audited "after 180 s: $execs exec, $started session.start, $ended session.end, $exited of them exit status 0 (of $LOAD_COUNT)"
    fi
    note "leaf audit: $(cat "$RAW/load-audited")"
    for pid in $(awk '$2 ~ /^loadbot-/ { print $1 }' "$WORK/pids"); do end_group "$pid"; done
}
