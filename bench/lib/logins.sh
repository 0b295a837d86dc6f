# Login rate three ways: the whole `tether login` (a process, key generation,
# CA discovery, scrypt on auth), the server's login path alone (`POST
# /v1/login` through the proxy, one request per core at a time), and
# certificate issuance in process (what a renewal or a trusted-cluster
# translation costs). Password logins are bounded by scrypt by design.
# Sourced by bench/run.

measure_logins() {
    say "logins: $LOGIN_COUNT full \`tether login\`, $LOGIN_HTTP_COUNT POST /v1/login, certificate issuance"
    local t0 result home=$WORK/homes/login-rate
    mkdir -p "$home"
    for _ in $(seq 1 "$LOGIN_COUNT"); do
        t0=$(now_us)
        printf '%s\n' "$TETHER_PASSWORD" | TETHER_HOME=$home "$BIN/tether" login \
            --proxy "127.0.0.1:${PROXY_PORT[solo]}" --user alice --password-stdin --ca-pin "${CA_PIN[solo]}" >/dev/null \
            || fail "tether login failed during the login-rate run; see $WORK/solo/tetherd.log"
        record login-full-ms "$(calc "($(now_us) - $t0) / 1000" 0)"
    done
    result=$(printf '%s\n' "$TETHER_PASSWORD" | "$BIN/tether-bench" logins "127.0.0.1:${PROXY_PORT[solo]}" alice "$LOGIN_HTTP_COUNT" "$(nproc)") \
        || fail "tether-bench logins failed; see $WORK/solo/tetherd.log"
    record login-http "$(sed -n 's/.*: \([0-9.]*\) logins\/s/\1/p' <<<"$result")"
    for _ in 1 2 3; do
        result=$("$BIN/tether-bench" certs "$CERT_COUNT") || fail "tether-bench certs failed"
        record certs "$(sed -n 's/.*: \([0-9]*\) certificates\/s/\1/p' <<<"$result")"
    done
}
