# Measurements through each path, alternating paths within every round:
# bulk throughput, session setup, 1-byte echo. Sourced by bench/run.

# Long-lived processes whose CPU is charged to a transfer (name as in $WORK/pids).
DAEMONS=(solo robot hub leaf leafbot sshd-node sshd-bastion ssh-reverse)

# CPU ticks of a spawned process and everything under it, including what its
# processes reaped: sshd's per-connection processes (the bastion's -R session
# lives as long as the tunnel), the nodes' session shells.
daemon_ticks() {  # NAME
    local pid ticks=0 value
    pid=$(awk -v name="$1" '$2 == name { print $1 }' "$WORK/pids")
    [ -n "$pid" ] || { echo 0; return; }
    for pid in $(process_tree "$pid"); do
        value=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null)
        ticks=$((ticks + ${value:-0}))
    done
    echo "$ticks"
}

bulk_once() {  # PATH
    local path=$1 bytes=$((BULK_MIB * 1048576)) t0 t1 name
    local -A before=()
    path_command "$path"
    for name in "${DAEMONS[@]}"; do before[$name]=$(daemon_ticks "$name"); done
    t0=$(now_us)
    head -c "$bytes" /dev/zero | /usr/bin/time -f "%U %S" -o "$WORK/client.time" "${CMD[@]}" 'cat > /dev/null' \
        || fail "the bulk transfer through $path failed (${CMD[*]})"
    t1=$(now_us)
    sleep 0.3  # let daemons reap the session's processes
    record "bulk-$path" "$(calc "$bytes / ($t1 - $t0)" 1)"
    {
        awk '{ printf "client %.2f\n", $1 + $2 }' "$WORK/client.time"
        for name in "${DAEMONS[@]}"; do
            echo "$name $(calc "($(daemon_ticks "$name") - ${before[$name]}) / $HZ" 2)"
        done
    } >"$WORK/split"
    cat "$WORK/split" >>"$RAW/cpu-split-$path"
    # CPU of the processes on the path only, so other load on the machine does not count.
    record "cpu-$path" "$(awk -v gib="$(calc "$BULK_MIB / 1024" 4)" '{ s += $2 } END { printf "%.2f", s / gib }' "$WORK/split")"
}

measure_bulk() {
    say "bulk: $BULK_MIB MiB to \`cat > /dev/null\`, $REPEATS rounds, paths alternating"
    local path round got
    for path in $(active_paths); do
        got=$(head -c 1000000 /dev/zero | via "$path" 'wc -c') || fail "a 1 MB check transfer through $path failed"
        [ "$got" -eq 1000000 ] || fail "the node received $got of 1000000 bytes through $path"
    done
    for round in $(seq 1 "$REPEATS"); do
        for path in $(rotated_paths "$round"); do bulk_once "$path"; done
        note "round $round done"
    done
}

measure_setup() {
    say "session setup: \`... true\`, $SETUP_REPEATS rounds, paths alternating"
    local path round t0
    for round in $(seq 1 "$SETUP_REPEATS"); do
        for path in $(rotated_paths "$round" setup); do
            t0=$(now_us)
            via "$path" true || fail "\`true\` through $path failed"
            record "setup-$path" "$(calc "($(now_us) - $t0) / 1000" 1)"
        done
    done
}

measure_echo() {
    say "1-byte echo through \`cat\`: $ECHO_COUNT round trips, $ECHO_REPEATS rounds, paths alternating"
    local path round result
    for round in $(seq 1 "$ECHO_REPEATS"); do
        for path in $(rotated_paths "$round"); do
            path_command "$path"
            result=$("$BIN/tether-bench" echo "$ECHO_COUNT" "${CMD[@]}" cat) || fail "the echo run through $path failed"
            record "echo50-$path" "$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$result")"
            record "echo99-$path" "$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$result")"
        done
    done
}
