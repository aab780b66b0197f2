# Shared by scripts/test and scripts/run: the machine dialgate needs, made ready idempotently.
# Sourced, not executed. Every step says what it does, so a CI log explains itself.

say() { printf '==> %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root (CI containers), through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# libsystemd-dev: the headers and pkg-config file CSystemd builds against.
# systemd: systemd-journald, journalctl, systemd-analyze, systemd-socket-activate, systemd-id128.
# socat: the human-typable client of the daemon's socket, used by integration tests.
DIALGATE_PACKAGES=(libsystemd-dev systemd socat)
# gcc (tests only): builds Tests/FrozenClock, the preload library that freezes the wall clock
# of the daemons under test at a known Monday morning (a CHECK is always about now).
DIALGATE_TEST_PACKAGES=(gcc kamailio kamailio-lua-modules lua5.1 lua-socket sip-tester)

# Installs the Debian packages that `dpkg -s` says are missing, and nothing when none is.
dialgate_install_dependencies() {
    local missing=() package
    for package in "${DIALGATE_PACKAGES[@]}" "$@"; do
        if ! dpkg -s "$package" >/dev/null 2>&1; then missing+=("$package"); fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "dependencies present: ${DIALGATE_PACKAGES[*]} $*"
        return
    fi
    say "installing missing packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

DIALGATE_JOURNALD_DROPIN=/etc/systemd/journald.conf.d/dialgate-tests.conf
DIALGATE_JOURNALD_SOCKET=/run/systemd/journal/socket
# The pid of a journald this script started, so a later run may restart it (and only it).
DIALGATE_JOURNALD_PIDFILE=/run/dialgate-tests-journald.pid
DIALGATE_JOURNALD_LOG=/run/dialgate-tests-journald.log
DIALGATE_JOURNALD_DROPIN_WRITTEN=no

# journald drops a service's messages beyond 10,000 per 30 s by default; the flood test counts
# every decision, so the test journald runs with rate limiting off. journald.conf(5), systemd 252:
# "To turn off any kind of rate limiting, set either value to 0." We set both.
dialgate_journald_without_rate_limit() {
    local wanted
    wanted=$'# Written by dialgate scripts/test: the audit tests count every entry, so nothing may be dropped.\n[Journal]\nRateLimitIntervalSec=0\nRateLimitBurst=0'
    if [ -f "$DIALGATE_JOURNALD_DROPIN" ] && [ "$(cat "$DIALGATE_JOURNALD_DROPIN")" = "$wanted" ]; then
        say "journald rate limiting already off ($DIALGATE_JOURNALD_DROPIN)"
        return
    fi
    say "turning journald rate limiting off: writing $DIALGATE_JOURNALD_DROPIN"
    as_root mkdir -p "$(dirname "$DIALGATE_JOURNALD_DROPIN")"
    printf '%s\n' "$wanted" | as_root tee "$DIALGATE_JOURNALD_DROPIN" >/dev/null
    DIALGATE_JOURNALD_DROPIN_WRITTEN=yes
}

# The pid recorded in the pid file, when that process is still a journald; empty otherwise.
dialgate_own_journald_pid() {
    local pid
    [ -f "$DIALGATE_JOURNALD_PIDFILE" ] || return 0
    pid=$(cat "$DIALGATE_JOURNALD_PIDFILE")
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "systemd-journal" ]; then
        echo "$pid"
    fi
}

# Succeeds when a journald answers on its sockets. A socket file alone proves nothing: a journald
# that was killed leaves its sockets behind, and writes to them are refused (ECONNREFUSED).
# systemd-cat opens a stream to journald before it runs its command, and fails when it cannot.
dialgate_journald_answers() {
    systemd-cat -t dialgate-tests -p debug true >/dev/null 2>&1
}

# Makes sure a real systemd-journald answers on its socket, starting one when none does.
# In a plain container there is no PID 1 systemd; journald runs fine on its own as root.
dialgate_start_journald() {
    local own_pid
    own_pid=$(dialgate_own_journald_pid)
    if [ -n "$own_pid" ] && [ "$DIALGATE_JOURNALD_DROPIN_WRITTEN" = yes ]; then
        # journald 252 reads its configuration only at start (SIGHUP reloads it only from 254 on),
        # so the new drop-in takes effect only through a restart. Restart only a journald we started.
        say "restarting the journald this script started (pid $own_pid) to apply the drop-in"
        as_root kill "$own_pid"
        for _ in $(seq 1 100); do [ -d "/proc/$own_pid" ] || break; sleep 0.1; done
    elif [ "$DIALGATE_JOURNALD_DROPIN_WRITTEN" = yes ] && dialgate_journald_answers; then
        say "WARNING: journald was already running and was not started by this script; it keeps"
        say "WARNING: its rate limit until restarted (journald 252 does not reload on SIGHUP)"
    fi
    if dialgate_journald_answers; then
        say "journald is running (it answers on $DIALGATE_JOURNALD_SOCKET)"
        return
    fi
    if [ -e "$DIALGATE_JOURNALD_SOCKET" ]; then
        say "no journald answers on $DIALGATE_JOURNALD_SOCKET (left by one that died); removing it"
        as_root rm -f "$DIALGATE_JOURNALD_SOCKET"
    fi
    say "starting /lib/systemd/systemd-journald in the background (log: $DIALGATE_JOURNALD_LOG)"
    # setsid -f: journald forks into its own session at once, so it outlives this script and holds
    # none of its output pipes (a CI log reader would otherwise wait for journald to exit).
    as_root setsid -f /lib/systemd/systemd-journald </dev/null >"$DIALGATE_JOURNALD_LOG" 2>&1
    for _ in $(seq 1 100); do
        if dialgate_journald_answers; then break; fi
        sleep 0.1
    done
    if ! dialgate_journald_answers; then
        say "ERROR: journald did not answer on $DIALGATE_JOURNALD_SOCKET within 10 s; its log:"
        cat "$DIALGATE_JOURNALD_LOG" >&2 || true
        return 1
    fi
    local pid
    pid=$(pgrep -x -n systemd-journal || true)
    echo "$pid" | as_root tee "$DIALGATE_JOURNALD_PIDFILE" >/dev/null
    say "journald is running (pid $pid)"
}

# Ends systemd sandboxes (scripts/systemd-sandbox) that an interrupted earlier test run left
# behind: the tests kill theirs, but a killed test process cannot. Killing a sandbox's PID 1
# ends everything in it.
dialgate_stop_leftover_sandboxes() {
    local unshare_pid child
    for unshare_pid in $(pgrep -f 'systemd-sandbox --inside' || true); do
        for child in $(cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null); do
            say "ending a systemd sandbox left by an earlier run (pid $child)"
            as_root kill -9 "$child" 2>/dev/null || true
        done
    done
}
