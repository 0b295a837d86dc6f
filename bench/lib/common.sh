# Helpers shared by the bench/run scripts: processes we start (and only
# those), ports, waiting, clocks and statistics. Sourced, not run.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
fail() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# Microseconds / milliseconds since the epoch, without forking.
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
now_ms() { local t; t=$(now_us); echo $((t / 1000)); }

# A free TCP port on 127.0.0.1 that this run has not handed out yet.
declare -A USED_PORTS=()
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        [ -z "${USED_PORTS[$port]:-}" ] || continue
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        USED_PORTS[$port]=1
        echo "$port"
        return
    done
}

wait_for_port() {  # WHAT PORT LOG
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
        sleep 0.1
    done
    fail "$1 did not start listening on 127.0.0.1:$2; see $3"
}

# Runs a command in the background in its own process group, logging to LOG
# (stdin: $SPAWN_IN or nothing); cleanup() ends exactly these groups. Sets
# SPAWNED to its pid.
spawn() {  # NAME LOG COMMAND...
    local name=$1 log=$2
    shift 2
    setsid "$@" >"$log" 2>&1 <"${SPAWN_IN:-/dev/null}" &
    SPAWNED=$!
    echo "$SPAWNED $name" >>"$WORK/pids"
}

# Ends one spawned group and whatever its processes forked into sessions of
# their own (sshd's per-connection children).
end_group() {  # PID
    local pid=$1 child
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
}

cleanup() {
    [ -f "$WORK/pids" ] || return 0
    local pid name
    tac "$WORK/pids" | while read -r pid name; do end_group "$pid"; done
    sleep 0.5
    # Whatever ignored SIGTERM, if its pid still names one of ours (not a reused pid).
    tac "$WORK/pids" | while read -r pid name; do
        if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -e "$WORK" -e "$BIN"; then
            kill -9 -- "-$pid" 2>/dev/null || true
        fi
    done
    rm -f "$WORK/pids"
}

# Waits until COMMAND succeeds, up to SECONDS; returns non-zero if it never does.
eventually() {  # SECONDS COMMAND...
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# "median min max n" of the numbers in FILE (one a line); "- - - 0" if none.
stats() {
    sort -g "$1" 2>/dev/null | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "- - - 0"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s %s %s %d\n", m, v[1], v[NR], NR
        }'
}

# Appends VALUE to the raw series NAME (results/raw/NAME).
record() { echo "$2" >>"$RAW/$1"; }

# Process accounting from /proc: CPU jiffies (utime+stime) and memory in KiB.
cpu_jiffies() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
private_kib() { awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup"; }
HZ=$(getconf CLK_TCK)

# PID and all its descendants.
process_tree() {  # PID
    local pid=$1 child
    echo "$pid"
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do process_tree "$child"; done
}

# Arithmetic on decimals.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
