# Turns the raw series in $RAW into bench/results/latest.md (and stdout):
# medians with min–max, ratios Tether ÷ OpenSSH, the targets. Sourced by bench/run.

# "median (min–max)" of a series; "never" entries are counted, not averaged.
summary() {  # SERIES
    local file=$RAW/$1 numbers nevers total median min max count
    [ -s "$file" ] || { echo "—"; return; }
    total=$(wc -l <"$file")
    nevers=$(grep -c '^never$' "$file" || true)
    numbers=$(grep -v '^never$' "$file" || true)
    if [ -z "$numbers" ]; then
        echo "never ($total of $total)"
        return
    fi
    read -r median min max count < <(stats <(echo "$numbers"))
    local text
    text="$(fmt "$median") ($(fmt "$min")–$(fmt "$max"))"
    [ "$count" -eq 1 ] && text=$(fmt "$median")
    [ "$nevers" -gt 0 ] && text="$text, never in $nevers of $total"
    echo "$text"
}

median() {  # SERIES: the median alone, or nothing
    local file=$RAW/$1
    [ -s "$file" ] || return 0
    grep -v '^never$' "$file" | stats /dev/stdin | awk '$4 > 0 { print $1 }'
}

# Numbers at a sensible precision: 3 significant digits, no exponent.
fmt() { awk -v x="$1" 'BEGIN { if (x >= 100 || x <= -100) printf "%.0f", x; else if (x >= 10 || x <= -10) printf "%.1f", x; else printf "%.2f", x }'; }

ratio() {  # TETHER_SERIES OPENSSH_SERIES
    local a b
    a=$(median "$1")
    b=$(median "$2")
    [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { if (b != 0) printf "%.2f", a / b; else print "—" }' || echo "—"
}

# yes/no: is VALUE OP LIMIT (OP: le or ge)?
meets() {  # VALUE OP LIMIT
    [ -n "$1" ] || { echo "not measured"; return; }
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "le") ? (v <= l) : (v >= l); print ok ? "**met**" : "**not met**" }'
}

# CPU seconds per GiB of each process for PATH, over all its bulk rounds.
cpu_split() {  # PATH
    local file=$RAW/cpu-split-$1 rounds
    [ -s "$file" ] || { echo "—"; return; }
    rounds=$(grep -c '^client ' "$file")
    awk -v gib="$(calc "$rounds * $BULK_MIB / 1024" 4)" '
        BEGIN {
            split("client solo robot hub leaf leafbot sshd-node sshd-bastion ssh-reverse", keys, " ")
            split("client|proxy|node|root proxy|leaf proxy|node|node sshd|bastion sshd|node ssh -R", words, "|")
            for (i in keys) word[keys[i]] = words[i]
        }
        { $1 = word[$1]; sum[$1] += $NF; if (!($1 in order)) { order[$1] = ++n; names[n] = $1 } }
        END {
            for (i = 1; i <= n; i++) if (sum[names[i]] / gib >= 0.01) {
                out = out sep names[i] " " sprintf("%.2f", sum[names[i]] / gib); sep = ", "
            }
            print out
        }' "$file"
}

machine_description() {
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
    echo "- software: $(ssh -V 2>&1), Tether $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes'), release build"
    echo "- load average (1 min) at start / end: $LOAD_AT_START / $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs: other work on the machine skews absolute figures"
    echo "- run: $(date -u '+%Y-%m-%d %H:%M UTC'), mode $MODE: bulk $BULK_MIB MiB × $REPEATS rounds, setup × $SETUP_REPEATS, echo $ECHO_COUNT × $ECHO_REPEATS, idle $IDLE_TETHER Tether / $IDLE_SSH OpenSSH tunnels, $CUT_ROUNDS cut(s) of $BLACKOUT s"
}

write_report() {
    local out=$RESULTS/latest.md path
    local best_ssh=ssh-reverse leaf=tether-leaf
    [ -n "$FEDERATION_SKIP" ] && leaf=tether
    {
        echo "# bench/run: Tether side by side with OpenSSH"
        echo
        machine_description
        echo
        echo "Medians with (min–max) over the rounds; paths alternate within every round. Ratio = Tether ÷ OpenSSH."
        [ -n "$FEDERATION_SKIP" ] && { echo; echo "**Root → leaf skipped:** $FEDERATION_SKIP"; }
        echo
        echo "## Targets"
        echo
        echo "| figure | Tether | OpenSSH | ratio | target | status |"
        echo "| --- | --- | --- | --- | --- | --- |"
        echo "| bulk MB/s: ${PATH_LABEL[$leaf]} vs ${PATH_LABEL[$best_ssh]} | $(summary "bulk-$leaf") | $(summary "bulk-$best_ssh") | $(ratio "bulk-$leaf" "bulk-$best_ssh") | ratio ≥ 1 | $(meets "$(ratio "bulk-$leaf" "bulk-$best_ssh" | grep -v —)" ge 1) |"
        echo "| setup ms: \`tether ssh … true\` vs \`ssh -J bastion … true\` | $(summary setup-tether) | $(summary setup-ssh-bastion) | $(ratio setup-tether setup-ssh-bastion) | ratio ≤ 1 | $(meets "$(ratio setup-tether setup-ssh-bastion | grep -v —)" le 1) |"
        [ -z "$FEDERATION_SKIP" ] && echo "| setup ms: root → leaf vs \`ssh -J bastion\` | $(summary setup-tether-leaf) | $(summary setup-ssh-bastion) | $(ratio setup-tether-leaf setup-ssh-bastion) | ratio ≤ 1 | $(meets "$(ratio setup-tether-leaf setup-ssh-bastion | grep -v —)" le 1) |"
        echo "| KiB private memory per idle tunnel (proxy / bastion) | $(summary idle-tether-private) | $(summary idle-ssh-private) | $(ratio idle-tether-private idle-ssh-private) | ≤ 32 KiB | $(meets "$(median idle-tether-private)" le 32) |"
        echo "| s until the far end notices a dead tunnel (proxy / bastion, defaults) | $(summary cut-tether-far) | $(summary cut-ssh-far) | — | ≤ 15 s | $(meets "$(median cut-tether-far)" le 15) |"
        echo "| s until the tunnel is back after the path is restored | $(summary cut-tether-back) | $(summary cut-ssh-ka-back) (ClientAlive bastion) | — | ≤ 2 s | $(meets "$(median cut-tether-back)" le 2) |"
        echo "| logins/s: certificate issuance (renewal, trusted-cluster translation) | $(summary certs) | — | — | ≥ 500 | $(meets "$(median certs)" ge 500) |"
        echo "| logins/s: password login, server path (scrypt-bound by design) | $(summary login-http) | — | — | — | — |"
        [ -s "$RAW/load-up" ] && echo "| load: $LOAD_COUNT concurrent sessions root → leaf → $LOAD_NODES tunnel nodes, errors | $(summary load-errors) | — | — | 0, all audited in the leaf | $(meets "$(median load-errors)" le 0) |"
        [ -s "$RAW/slow-attempted" ] && echo "| slowloris: logins and sessions failed during $STALL_COUNT stalled handshakes | $(failed_under_attack) of $((SLOW_LOGINS + SLOW_SESSIONS)) | — | — | 0 | $(meets "$(failed_under_attack)" le 0) |"
        echo
        echo "## Bulk throughput, $BULK_MIB MiB client → \`cat > /dev/null\` on the node"
        echo
        echo "CPU s/GiB: CPU time of the processes on the path (client with its children, proxies, node or sshds with the session's processes) per GiB moved."
        echo
        echo "| path | MB/s | CPU s/GiB | ratio to ${PATH_LABEL[$best_ssh]} | CPU s/GiB per process |"
        echo "| --- | --- | --- | --- | --- |"
        for path in $(active_paths); do
            echo "| ${PATH_LABEL[$path]} | $(summary "bulk-$path") | $(summary "cpu-$path") | $(ratio "bulk-$path" "bulk-$best_ssh") | $(cpu_split "$path") |"
        done
        echo
        echo "## Session setup, \`… true\`, ms"
        echo
        echo "| path | ms | ratio to ${PATH_LABEL[ssh-bastion]} |"
        echo "| --- | --- | --- |"
        for path in $(active_paths setup); do
            echo "| ${PATH_LABEL[$path]} | $(summary "setup-$path") | $(ratio "setup-$path" setup-ssh-bastion) |"
        done
        echo
        echo "## 1-byte echo through \`cat\`, µs (median over rounds of each round's percentile)"
        echo
        echo "| path | p50 | p99 |"
        echo "| --- | --- | --- |"
        for path in $(active_paths); do
            echo "| ${PATH_LABEL[$path]} | $(summary "echo50-$path") | $(summary "echo99-$path") |"
        done
        echo
        echo "## Idle tunnels"
        echo
        echo "| | tunnels | KiB private / tunnel | KiB RSS / tunnel | processes / tunnel | CPU % of a core at rest, before → after |"
        echo "| --- | --- | --- | --- | --- | --- |"
        echo "| Tether proxy (auth+proxy process), in-process agents | $(summary idle-tether-n) | $(summary idle-tether-private) | $(summary idle-tether-rss) | 0 | $(sed 's/ / → /' "$RAW/idle-tether-cpu" 2>/dev/null || echo —) |"
        echo "| OpenSSH bastion, \`ssh -N -R\` each | $(summary idle-ssh-n) | $(summary idle-ssh-private) | $(summary idle-ssh-rss) | $(summary idle-ssh-procs) | $(sed 's/ / → /' "$RAW/idle-ssh-cpu" 2>/dev/null || echo —) |"
        echo
        echo "OpenSSH per-tunnel figures are measured on $IDLE_SSH connections; they scale linearly (one process pair per connection)."
        echo
        echo "## Dead tunnel: path cut for $BLACKOUT s without FIN/RST, then restored (s)"
        echo
        echo "| tunnel | far end noticed (proxy / bastion) | near end noticed (node side) | back after restore |"
        echo "| --- | --- | --- | --- |"
        echo "| Tether, defaults (keepalive 5 s × 3) | $(summary cut-tether-far) | $(summary cut-tether-near) | $(summary cut-tether-back) |"
        echo "| ssh -R ServerAlive 5/3, default bastion | $(summary cut-ssh-far) | $(summary cut-ssh-near) | $(summary cut-ssh-back) |"
        echo "| ssh -R ServerAlive 5/3, bastion ClientAlive 5/3 | $(summary cut-ssh-ka-far) | $(summary cut-ssh-ka-near) | $(summary cut-ssh-ka-back) |"
        echo
        echo "\"back\" waits at most $BACK_TIMEOUT s. The ssh -R client is restarted 0.25 s after it exits."
        echo
        echo "## Logins"
        echo
        echo "| what | result |"
        echo "| --- | --- |"
        echo "| full \`tether login\` (process, keys, CA discovery, scrypt), ms each, sequential | $(summary login-full-ms) |"
        echo "| POST /v1/login through the proxy, $(nproc) at a time, logins/s | $(summary login-http) |"
        echo "| SSH certificate issuance in process, certificates/s | $(summary certs) |"
        [ -s "$RAW/load-up" ] && load_report
        [ -s "$RAW/slow-attempted" ] && slowloris_report
    } >"$out"
    cat "$out"
    say "written to $out (raw series: $RAW)"
}

load_report() {
    echo
    echo "## Load: $LOAD_COUNT concurrent sessions, root → leaf → $LOAD_NODES tunnel nodes"
    echo
    echo "One profile logged in at the root; \`tether-bench sessions\` opens them in process as \`tether ssh --cluster leaf\` does (node looked up each time), $LOAD_OPENING being set up at a time; each runs \`echo up; exec cat\` and is held until all are up, then all get EOF. Setup: from the call to the first byte of output."
    echo
    echo "| sessions up | errors | setup p50 ms | setup p99 ms | setup max ms | all up or failed after s | all closed after s | audited in the leaf | CPU s during the run |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    echo "| $(summary load-up) | $(summary load-errors) | $(summary load-p50_ms) | $(summary load-p99_ms) | $(summary load-max_ms) | $(summary load-all_up_s) | $(summary load-all_closed_s) | $(cat "$RAW/load-audited" 2>/dev/null || echo —) | $(cat "$RAW/load-cpu" 2>/dev/null || echo —) |"
    if [ -s "$RAW/load-error-messages" ]; then
        echo
        echo "Errors (count × sentence):"
        echo
        head -n 10 "$RAW/load-error-messages" | sed 's/^/    /'
    fi
}

failed_under_attack() { cat "$RAW/slow-login-during" "$RAW/slow-session-during" 2>/dev/null | grep -c '^never$' || true; }

slowloris_report() {
    echo
    echo "## Slowloris: $STALL_COUNT stalled TLS handshakes from $STALL_SOURCES addresses, held $STALL_SECONDS s"
    echo
    echo "Each sends the first 16 bytes of a ClientHello and stops; one the proxy closes after a second or more is replaced. Logins and sessions from 127.0.0.1, ms; \"never\" counts failures."
    echo
    echo "| | before the attack | during the attack |"
    echo "| --- | --- | --- |"
    echo "| full \`tether login\`, ms | $(summary slow-login-before) | $(summary slow-login-during) |"
    echo "| \`tether ssh robot true\`, ms | $(summary slow-session-before) | $(summary slow-session-during) |"
    echo "| proxy's open descriptors | $(summary slow-fds-before) | $(summary slow-fds-attack) once stalled, $(summary slow-fds-after-round) after the round |"
    echo
    echo "| connections tried | connected | connect failed | dropped at once (< 1 s) | closed later | close after s: first / median / last | open at the end | oldest open at the end, s |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    echo "| $(summary slow-attempted) | $(summary slow-connected) | $(summary slow-connect_failed) | $(summary slow-dropped_at_once) | $(summary slow-closed_later) | $(summary slow-first_close_s) / $(summary slow-median_close_s) / $(summary slow-last_close_s) | $(summary slow-open_at_end) | $(summary slow-oldest_open_s) |"
}
