#!/bin/sh
# skiff-pause as PID 1 of a new pid namespace (unshare -fp, root): reaps orphans, exits 0 on SIGTERM in
# pause mode; with a command, forwards SIGTERM/SIGUSR1, reaps, and exits with the command's status.
# TAP; exit 77 when not root or unshare is missing.
set -u
PAUSE=${1:?usage: test-pause.sh PATH/TO/skiff-pause}

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
        echo "1..0 # SKIP needs root and unshare(1)"
        exit 77
fi
if ! unshare -fp --mount-proc true 2>/dev/null; then
        echo "1..0 # SKIP cannot create a pid namespace here"
        exit 77
fi

T=$(mktemp -d /tmp/test-pause.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { # check DESC WANT GOT
        if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $2" "got:  $3"; fi
}

# The host pid of the namespace's PID 1: the only child of `unshare -f`.
ns_init() {
        for i in $(seq 50); do
                c=$(cat /proc/$1/task/$1/children 2>/dev/null | awk '{print $1}')
                [ -n "$c" ] && { echo "$c"; return; }
                sleep 0.02
        done
}

echo "1..8"

# 1-2: pause mode reaps orphans re-parented to it. An orphan is made by a process that enters the
# namespace (nsenter), double-forks and exits: the grandchild's parent becomes the namespace's PID 1.
unshare -fp --mount-proc "$PAUSE" &
U=$!
P=$(ns_init $U)
nsenter -t "$P" -p -m sh -c '(sleep 0.2 & exit 0); exit 0'
# The orphan is a child of P until it exits; then P must reap it. Wait (up to 5 s, the machine may be
# loaded) for P to have no children at all; a zombie that stays is the failure.
left=unknown
for i in $(seq 100); do
        left=$(for c in $(cat /proc/$P/task/$P/children 2>/dev/null); do awk '{print $2 $3}' /proc/$c/stat; done | tr '\n' ' ')
        [ -z "$left" ] && break
        sleep 0.05
done
check "pause: orphans re-parented to PID 1 are reaped" "" "$left"
kill -TERM "$P"
wait $U
check "pause: SIGTERM ends it with status 0" 0 $?

# 3: SIGINT too; other signals are ignored (the pause survives SIGHUP and SIGUSR1)
unshare -fp --mount-proc "$PAUSE" &
U=$!
P=$(ns_init $U)
kill -HUP "$P"; kill -USR1 "$P"; sleep 0.2
alive=$(kill -0 "$P" 2>/dev/null && echo alive || echo dead)
kill -INT "$P"
wait $U
check "pause: survives SIGHUP/SIGUSR1, SIGINT ends it with 0" "alive 0" "$alive $?"

# 4: with a command, SIGTERM is forwarded and the command's exit code comes back
cat > "$T/cmd.sh" <<'EOS'
trap 'echo usr1 >> "$1/log"' USR1
trap 'echo term >> "$1/log"; exit 42' TERM
echo started > "$1/log"
while :; do sleep 0.05; done
EOS
unshare -fp --mount-proc "$PAUSE" -- sh "$T/cmd.sh" "$T" &
U=$!
P=$(ns_init $U)
for i in $(seq 50); do [ -s "$T/log" ] && break; sleep 0.02; done
kill -USR1 "$P"
sleep 0.3
kill -TERM "$P"
wait $U
rc=$?
check "init: SIGTERM forwarded, exit status is the command's" 42 "$rc"
check "init: SIGUSR1 forwarded" "started usr1 term" "$(tr '\n' ' ' < "$T/log" | sed 's/ $//')"

# 6: killed by a signal: 128+N
unshare -fp --mount-proc "$PAUSE" -- sh -c 'kill -KILL $$'
check "init: a command killed by SIGKILL gives 137" 137 $?

# 7: orphans of the command are reaped while it runs (no zombie visible from inside)
# Inside the namespace: wait until the orphan has gone entirely (no process named sleep, no zombie);
# a zombie that stays 5 s is the failure.
unshare -fp --mount-proc "$PAUSE" -- sh -c '(sleep 0.1 &); i=0
        while [ $i -lt 100 ]; do
                st=$(cat /proc/[0-9]*/stat 2>/dev/null | awk "\$2 == \"(sleep)\" || \$3 == \"Z\"")
                [ -z "$st" ] && exit 0
                i=$((i + 1)); sleep 0.05
        done; echo "# left: $st"; exit 1'
check "init: orphans are reaped while the command runs" 0 $?

# 8: a missing command: 127, with a message
out=$(unshare -fp --mount-proc "$PAUSE" -- /nonexistent/cmd 2>&1)
check "init: missing command gives 127 and names it" "127 skiff-pause: exec /nonexistent/cmd: No such file or directory" "$? $out"

[ $fails = 0 ]
