# Slowloris (issue 12): STALL_COUNT connections to the solo proxy's one port
# that send the start of a TLS ClientHello and stall, from STALL_SOURCES
# loopback addresses (127.0.0.2…), kept up for STALL_SECONDS by
# `tether-bench stall` (one the proxy drops after a while is replaced, one it
# refuses at once is not), while alice, on 127.0.0.1, logs in and runs
# sessions. The same logins and sessions run before the attack, for
# comparison. Reports how the proxy treated the stalled connections: refused
# at once (a per-address cap), closed after a while (a handshake deadline),
# or still open. Sourced by bench/run.

# SLOW_LOGINS full `tether login`s, then SLOW_SESSIONS `tether ssh robot
# true`, each timed (ms) into slow-login-LABEL / slow-session-LABEL, a
# failure as `never` (its sentence in $WORK/slowloris/LABEL.err).
slowloris_round() {  # LABEL
    local label=$1 t0 home=$WORK/homes/slowloris-$1
    mkdir -p "$home"
    for _ in $(seq 1 "$SLOW_LOGINS"); do
        t0=$(now_us)
        if printf '%s\n' "$TETHER_PASSWORD" | TETHER_HOME=$home timeout 60 "$BIN/tether" login \
            --proxy "127.0.0.1:${PROXY_PORT[solo]}" --user alice --password-stdin --ca-pin "${CA_PIN[solo]}" \
            >/dev/null 2>>"$WORK/slowloris/$label.err"; then
            record "slow-login-$label" "$(calc "($(now_us) - $t0) / 1000" 0)"
        else
            record "slow-login-$label" never
        fi
    done
    for _ in $(seq 1 "$SLOW_SESSIONS"); do
        t0=$(now_us)
        if TETHER_HOME=$home timeout 60 "$BIN/tether" ssh "$LOGIN@robot" true 2>>"$WORK/slowloris/$label.err"; then
            record "slow-session-$label" "$(calc "($(now_us) - $t0) / 1000" 0)"
        else
            record "slow-session-$label" never
        fi
    done
}

descriptors_of() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

measure_slowloris() {
    say "slowloris: $STALL_COUNT stalled TLS handshakes from $STALL_SOURCES addresses on the solo proxy for $STALL_SECONDS s; logins and sessions before and during"
    local log=$WORK/slowloris/stall.log proxy result
    mkdir -p "$WORK/slowloris"
    proxy=$(tether_proxy_pid solo)
    slowloris_round before
    record slow-fds-before "$(descriptors_of "$proxy")"
    spawn stall "$log" "$BIN/tether-bench" stall "127.0.0.1:${PROXY_PORT[solo]}" "$STALL_COUNT" "$STALL_SOURCES" "$STALL_SECONDS"
    eventually 300 grep -q '^stalled ' "$log" || fail "tether-bench stall did not finish connecting within 300 s; see $log"
    record slow-stalled "$(sed -n 's/^stalled //p' "$log")"
    record slow-fds-attack "$(descriptors_of "$proxy")"
    slowloris_round during
    record slow-fds-after-round "$(descriptors_of "$proxy")"
    eventually $((STALL_SECONDS + 120)) grep -q '^attempted=' "$log" || fail "tether-bench stall did not end; see $log"
    result=$(grep '^attempted=' "$log")
    note "$result"
    for key in attempted connected connect_failed dropped_at_once closed_later open_at_end oldest_open_s first_close_s median_close_s last_close_s; do
        record "slow-$key" "$(sed -n "s/.*\b$key=\([0-9.-]*\).*/\1/p" <<<"$result" | sed 's/^-$/never/')"
    done
    [ -s "$WORK/slowloris/during.err" ] && note "failures during the attack: $(sort "$WORK/slowloris/during.err" | uniq -c | head -n 3 | tr '\n' ';')"
    note "proxy descriptors: $(cat "$RAW/slow-fds-before") before, $(cat "$RAW/slow-fds-attack") once stalled, $(cat "$RAW/slow-fds-after-round") after the round under attack"
}
