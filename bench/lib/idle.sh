# Idle cost per tunnel where the tunnels end: the Tether proxy process
# (auth+proxy of cluster solo) holding N tunnels from in-process agents, and
# the OpenSSH bastion holding M `ssh -N -R` connections (one sshd process
# pair per connection, so M is smaller and the figure per tunnel). Memory is
# the process tree's RSS and private memory (smaps_rollup); CPU is ticks over
# IDLE_SECONDS at rest. Sourced by bench/run.

tree_kib() {  # PID FIELD(rss|private): summed over PID and its descendants
    local pid value total=0
    for pid in $(process_tree "$1"); do
        value=$("${2}_kib" "$pid" 2>/dev/null)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

tree_ticks() {  # PID
    local pid value total=0
    for pid in $(process_tree "$1"); do
        value=$(cpu_jiffies "$pid" 2>/dev/null)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

# CPU percent of one core used by PID's tree over IDLE_SECONDS.
idle_cpu_percent() {  # PID
    local before
    before=$(tree_ticks "$1")
    sleep "$IDLE_SECONDS"
    calc "($(tree_ticks "$1") - $before) * 100 / $HZ / $IDLE_SECONDS" 2
}

measure_idle_tether() {
    say "idle tunnels, Tether: $IDLE_TETHER agents hold tunnels to the solo proxy (${IDLE_SECONDS} s at rest each side)"
    local pid rss0 private0 cpu0 rss1 private1 cpu1 agents
    pid=$(tether_proxy_pid solo)
    sleep 2
    rss0=$(tree_kib "$pid" rss)
    private0=$(tree_kib "$pid" private)
    cpu0=$(idle_cpu_percent "$pid")
    spawn tunnels "$WORK/tunnels.log" "$BIN/tether-bench" tunnels "$WORK/solo/data" solo "127.0.0.1:${PROXY_PORT[solo]}" "$IDLE_TETHER"
    agents=$SPAWNED
    eventually 300 grep -q "^connected $IDLE_TETHER\$" "$WORK/tunnels.log" \
        || fail "the $IDLE_TETHER bench agents did not all connect within 300 s; see $WORK/tunnels.log"
    sleep 5  # let connection set-up garbage settle
    rss1=$(tree_kib "$pid" rss)
    private1=$(tree_kib "$pid" private)
    cpu1=$(idle_cpu_percent "$pid")
    grep -q disconnected "$WORK/tunnels.log" && note "some bench tunnels dropped during the hold; see $WORK/tunnels.log"
    end_group "$agents"
    record idle-tether-n "$IDLE_TETHER"
    record idle-tether-rss "$(calc "($rss1 - $rss0) / $IDLE_TETHER" 1)"
    record idle-tether-private "$(calc "($private1 - $private0) / $IDLE_TETHER" 1)"
    record idle-tether-cpu "$cpu0 $cpu1"
    note "proxy process: RSS $rss0 → $rss1 KiB, private $private0 → $private1 KiB, CPU at rest $cpu0% → $cpu1%"
}

measure_idle_openssh() {
    say "idle tunnels, OpenSSH: $IDLE_SSH \`ssh -N -R\` connections to the bastion"
    local pid rss0 private0 cpu0 rss1 private1 cpu1 procs0 procs1 i port
    local -a ports=() clients=()
    pid=$(awk '$2 == "sshd-bastion" { print $1 }' "$WORK/pids")
    rss0=$(tree_kib "$pid" rss)
    private0=$(tree_kib "$pid" private)
    procs0=$(process_tree "$pid" | wc -l)
    cpu0=$(idle_cpu_percent "$pid")
    for i in $(seq 1 "$IDLE_SSH"); do
        port=$(free_port)
        ports+=("$port")
        ossh_reverse_tunnel "idle-ssh-$i" bastion "$port"
        clients+=("$SPAWNED")
    done
    for port in "${ports[@]}"; do
        eventually 120 port_listening "$port" || fail "an idle ssh -R to the bastion (port $port) never came up; see $WORK/ossh/idle-ssh-*.log"
    done
    sleep 2
    rss1=$(tree_kib "$pid" rss)
    private1=$(tree_kib "$pid" private)
    procs1=$(process_tree "$pid" | wc -l)
    cpu1=$(idle_cpu_percent "$pid")
    for pid in "${clients[@]}"; do end_group "$pid"; done
    record idle-ssh-n "$IDLE_SSH"
    record idle-ssh-rss "$(calc "($rss1 - $rss0) / $IDLE_SSH" 1)"
    record idle-ssh-private "$(calc "($private1 - $private0) / $IDLE_SSH" 1)"
    record idle-ssh-procs "$(calc "($procs1 - $procs0) / $IDLE_SSH" 1)"
    record idle-ssh-cpu "$cpu0 $cpu1"
    note "bastion: $procs0 → $procs1 processes, RSS $rss0 → $rss1 KiB, private $private0 → $private1 KiB, CPU at rest $cpu0% → $cpu1%"
}
