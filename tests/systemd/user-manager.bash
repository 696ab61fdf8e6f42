# SPDX-License-Identifier: Apache-2.0
# -*- bash -*-
#
# A real, standalone `systemd --user` manager for tests, on hosts where PID 1 is not systemd
# (../shared/TESTING.md, "A real systemd without systemd as PID 1"). Load with
# `load ../systemd/user-manager` (or `load user-manager` from tests/systemd/). Needs root: the harness
# creates the unprivileged test user, its cgroups and a private mount namespace, then runs the manager as
# that user.
#
#   user_manager_require                 skip the test unless root, systemd, util-linux tools and a
#                                        name=systemd or cgroup2 hierarchy are there
#   user_manager_setup                   create the user and this test's directories (no manager yet);
#                                        sets UM_USER UM_UID UM_GID UM_ROOT UM_HOME UM_CONFIG_HOME
#                                        UM_RUNTIME_DIR UM_GENERATOR_DIR UM_LOG (see below)
#   user_manager_start                   start the manager, wait for it to be running; sets UM_PID
#   user_manager_stop                    stop it, kill what is left, remove its cgroups and directories;
#                                        fails if a process or a cgroup is left behind, or if a sanitizer
#                                        report is in the log
#   user_systemctl ARG...                `systemctl --user ARG...` as the user, against this manager
#   user_exec CMD...                     run CMD as the user, in the manager's environment and namespace
#   user_wait_state UNIT STATE [SECS]    wait until `systemctl --user show -P ActiveState UNIT` is STATE
#   user_wait_file FILE [SECS]           wait until FILE exists
#   user_manager_leftovers               print processes and cgroups of this manager still present
#
# Layout of one test's manager (all under UM_ROOT, a fresh directory in /tmp owned by the user):
#   UM_HOME=$UM_ROOT/home               the user's HOME for the manager and everything it runs
#   UM_CONFIG_HOME=$UM_HOME/.config     XDG_CONFIG_HOME: containers/systemd/ and systemd/user/ go here,
#                                       so "~/.config/containers/systemd" is the quadlet directory
#   UM_RUNTIME_DIR=$UM_ROOT/run         XDG_RUNTIME_DIR (0700); systemd/private is the manager's socket
#   UM_GENERATOR_DIR=$UM_ROOT/generators  first in SYSTEMD_GENERATOR_PATH (the trailing ':' keeps
#                                       systemd's own); holds skiff-generator when it is built (copied from
#                                       $SKIFF_GENERATOR, or $SKIFF_BUILDDIR/src/systemd-generator/, as
#                                       skiff-user-generator, its installed user-mode name)
#   UM_LOG=$UM_ROOT/manager.log         everything: the manager's stdout/stderr, which units and
#                                       generators inherit (--default-standard-output=inherit: there is
#                                       no journal), and the manager's own messages ("<30>systemd[PID]:
#                                       Started x.service.") and generators' kernel-log lines, through a
#                                       FIFO bound over /dev/kmsg inside the manager's mount namespace
#
# How it runs (each step is what keeps the host safe):
# 1. A cgroup of its own, UM_CGROUP (skiff-um-<pid>-<test>-<random>), is made under the caller's
#    cgroup in the name=systemd, unified (cgroup2), cpu, memory and pids hierarchies (whichever exist),
#    owned by the user, and the launching process moves into it before anything else: a manager started
#    from the root cgroup would make /init.scope and move every process of the root cgroup, PID 1
#    included, into it.
# 2. `unshare --mount --propagation private`; inside, a tmpfs over /run/systemd with an empty
#    /run/systemd/system (systemd 252 refuses a user manager on a host not booted with systemd without
#    it), and the log FIFO bound over /dev/kmsg. Nothing outside the namespace sees any of it.
# 3. setpriv to the user, `env -i` with only HOME, USER, LOGNAME, SHELL, PATH, XDG_RUNTIME_DIR,
#    XDG_CONFIG_HOME, SYSTEMD_GENERATOR_PATH (and the SKIFF* and *SAN_OPTIONS variables tests set), then
#    `/lib/systemd/systemd --user`. Ready when $XDG_RUNTIME_DIR/systemd/private answers and
#    SystemState is running (or degraded: a test may start it with a failing unit on purpose).
# 4. Stop: SIGTERM (the user manager runs exit.target, stopping every unit), then SIGKILL after
#    UM_STOP_TIMEOUT (10) seconds; SIGKILL whatever is still in the cgroups; rmdir them depth first.

UM_USER=${UM_USER:-skiff-test}
UM_SUBID_START=100000
UM_SUBID_COUNT=65536
UM_SYSTEMD=${UM_SYSTEMD:-/lib/systemd/systemd}
UM_START_TIMEOUT=${UM_START_TIMEOUT:-10}
UM_STOP_TIMEOUT=${UM_STOP_TIMEOUT:-10}
UM_PID=
UM_CGROUP=
UM_LOG_READER=

_um_die() {
        echo "user-manager: $*" >&2
        return 1
}

user_manager_require() {
        if (($(id -u) != 0)); then
                skip "needs root: creates the test user, its cgroups and a mount namespace for systemd --user"
        fi
        if [[ ! -x $UM_SYSTEMD ]]; then
                skip "no $UM_SYSTEMD (systemd not installed)"
        fi
        local c
        for c in setpriv unshare nsenter useradd usermod systemctl flock; do
                command -v "$c" >/dev/null || skip "$c not installed"
        done
        if [[ ! -d /sys/fs/cgroup/systemd && ! -f /sys/fs/cgroup/cgroup.procs && ! -d /sys/fs/cgroup/unified ]]; then
                skip "no name=systemd or cgroup2 hierarchy under /sys/fs/cgroup"
        fi
}

# The test user, with a home directory and subordinate ids for rootless containers. Idempotent, and safe
# when several test files run at once (one lock around the check and the change).
_um_ensure_user() {
        (
                flock -w 30 9 || _um_die "lock /run/lock/skiff-test-user.lock: timed out" || exit 1
                if ! id -u "$UM_USER" >/dev/null 2>&1; then
                        useradd --create-home --shell /bin/sh --user-group "$UM_USER" ||
                                _um_die "useradd $UM_USER: failed" || exit 1
                fi
                local home
                home=$(getent passwd "$UM_USER" | cut -d: -f6)
                if [[ -n $home && ! -d $home ]]; then
                        mkdir -p "$home" && chown "$UM_USER:" "$home" && chmod 0700 "$home"
                fi
                local range="$UM_SUBID_START-$((UM_SUBID_START + UM_SUBID_COUNT - 1))"
                if ! grep -qE "^($UM_USER|$(id -u "$UM_USER")):$UM_SUBID_START:$UM_SUBID_COUNT\$" /etc/subuid 2>/dev/null; then
                        usermod --add-subuids "$range" "$UM_USER" || _um_die "usermod --add-subuids $range $UM_USER: failed" || exit 1
                fi
                if ! grep -qE "^($UM_USER|$(id -u "$UM_USER")):$UM_SUBID_START:$UM_SUBID_COUNT\$" /etc/subgid 2>/dev/null; then
                        usermod --add-subgids "$range" "$UM_USER" || _um_die "usermod --add-subgids $range $UM_USER: failed" || exit 1
                fi
        ) 9>>/run/lock/skiff-test-user.lock
}

user_manager_setup() {
        _um_ensure_user || return 1
        UM_UID=$(id -u "$UM_USER")
        UM_GID=$(id -g "$UM_USER")
        UM_ROOT=$(mktemp -d /tmp/skiff-um.XXXXXX) || return 1
        UM_HOME=$UM_ROOT/home
        UM_CONFIG_HOME=$UM_HOME/.config
        UM_RUNTIME_DIR=$UM_ROOT/run
        UM_GENERATOR_DIR=$UM_ROOT/generators
        UM_LOG=$UM_ROOT/manager.log
        mkdir -p "$UM_CONFIG_HOME/containers/systemd" "$UM_CONFIG_HOME/systemd/user" \
                "$UM_RUNTIME_DIR" "$UM_GENERATOR_DIR" "$UM_HOME/.local/share"
        chmod 0700 "$UM_RUNTIME_DIR"
        chmod 0755 "$UM_ROOT"
        local gen=${SKIFF_GENERATOR:-}
        if [[ -z $gen && -n ${SKIFF_BUILDDIR:-} ]]; then
                gen=$SKIFF_BUILDDIR/src/systemd-generator/skiff-generator
        fi
        if [[ -n $gen && -x $gen ]]; then
                # A copy the user can surely read, under the name meson installs it as in systemd's
                # user-generators directory (the name tells it to run in user mode).
                cp "$gen" "$UM_GENERATOR_DIR/skiff-user-generator"
        fi
        : >"$UM_LOG"
        chown -R "$UM_UID:$UM_GID" "$UM_ROOT"
}

# user_has_generator: is skiff-generator in this manager's generator path?
user_has_generator() {
        [[ -x $UM_GENERATOR_DIR/skiff-user-generator ]]
}

# Hierarchies to make our cgroup in: "mountpoint caller-path" lines.
_um_hierarchies() {
        local line id ctrls path mnt
        while IFS= read -r line; do
                id=${line%%:*}
                line=${line#*:}
                ctrls=${line%%:*}
                path=${line#*:}
                case $id:$ctrls in
                0:) mnt=/sys/fs/cgroup/unified ;;
                *:name=systemd) mnt=/sys/fs/cgroup/systemd ;;
                *:cpu | *:cpu,cpuacct) mnt=/sys/fs/cgroup/$ctrls ;;
                *:memory | *:pids) mnt=/sys/fs/cgroup/$ctrls ;;
                *) continue ;;
                esac
                # A pure cgroup2 host mounts it at /sys/fs/cgroup itself.
                if [[ $id == 0 && ! -f $mnt/cgroup.procs && -f /sys/fs/cgroup/cgroup.procs ]]; then
                        mnt=/sys/fs/cgroup
                fi
                [[ -f $mnt/cgroup.procs ]] || continue
                [[ $path == / ]] && path=
                echo "$mnt$path"
        done </proc/self/cgroup
}

_um_make_cgroups() {
        UM_CGROUP=skiff-um-$$-${BATS_TEST_NUMBER:-0}-$RANDOM
        UM_CGROUP_DIRS=()
        local parent dir
        for parent in $(_um_hierarchies); do
                dir=$parent/$UM_CGROUP
                mkdir "$dir" || {
                        _um_die "mkdir $dir: failed"
                        return 1
                }
                UM_CGROUP_DIRS+=("$dir")
                # The manager makes its own sub-cgroups and moves its children between them.
                chown "$UM_UID:$UM_GID" "$dir" "$dir/cgroup.procs"
                [[ -f $dir/tasks ]] && chown "$UM_UID:$UM_GID" "$dir/tasks"
                [[ -f $dir/cgroup.subtree_control ]] && chown "$UM_UID:$UM_GID" "$dir/cgroup.subtree_control"
                [[ -f $dir/cgroup.threads ]] && chown "$UM_UID:$UM_GID" "$dir/cgroup.threads"
        done
        ((${#UM_CGROUP_DIRS[@]} > 0)) || _um_die "no cgroup hierarchy found in /proc/self/cgroup"
}

# The manager's environment (also used by user_exec and user_systemctl).
_um_env() {
        local -a e=(
                "HOME=$UM_HOME" "USER=$UM_USER" "LOGNAME=$UM_USER" "SHELL=/bin/sh"
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                "XDG_RUNTIME_DIR=$UM_RUNTIME_DIR" "XDG_CONFIG_HOME=$UM_CONFIG_HOME"
                "SYSTEMD_GENERATOR_PATH=$UM_GENERATOR_DIR:"
                "LANG=C.UTF-8"
        )
        local v
        # Tests pass skiff's own settings (which binary the units run, where its storage is) through.
        for v in $(compgen -e SKIFF) ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
                [[ -n ${!v+set} ]] && e+=("$v=${!v}")
        done
        printf '%s\0' "${e[@]}"
}

user_manager_start() {
        [[ -n ${UM_ROOT:-} ]] || user_manager_setup || return 1
        [[ -z $UM_PID ]] || _um_die "a manager is already running (pid $UM_PID)" || return 1
        # The host must let the user run programs at all: say so plainly rather than through the
        # manager's "libc.so.6: Permission denied" (seen when another test chmod'ed / to 0700).
        if ! setpriv --reuid="$UM_UID" --regid="$UM_GID" --init-groups -- /bin/true 2>/dev/null; then
                _um_die "user $UM_USER cannot run /bin/true on this host (/ is $(stat -c %A /)): host permissions changed?"
                return 1
        fi
        _um_make_cgroups || return 1

        local -a env
        mapfile -d '' -t env < <(_um_env)
        local dir
        # The manager's own messages: with no journal it logs to the kernel log, which the user may not
        # write. Inside the namespace a FIFO is bound over /dev/kmsg; a reader that also holds it open
        # for writing (so it never sees EOF and never leaves a writer blocked) appends to the log.
        local fifo=$UM_ROOT/kmsg.fifo
        rm -f "$fifo"
        mkfifo -m 0600 "$fifo"
        chown "$UM_UID:$UM_GID" "$fifo"
        (
                exec 5<>"$fifo"
                exec cat <&5 >>"$UM_LOG"
        ) </dev/null 2>/dev/null 3>&- &
        UM_LOG_READER=$!
        (
                # 1. Our own cgroup everywhere, before anything else runs.
                for dir in "${UM_CGROUP_DIRS[@]}"; do
                        echo "$BASHPID" >"$dir/cgroup.procs" || exit 1
                done
                # 2.+3. Private mount namespace, tmpfs /run/systemd, then the manager as the user.
                exec unshare --mount --propagation private -- /bin/sh -c '
                        mount -t tmpfs -o mode=0755 tmpfs /run/systemd || exit 1
                        mkdir /run/systemd/system || exit 1
                        mount --bind "$0" /dev/kmsg || echo "user-manager: no /dev/kmsg, no manager log" >&2
                        exec "$@"' "$fifo" \
                        setpriv --reuid="$UM_UID" --regid="$UM_GID" --init-groups --reset-env -- \
                        env -i "${env[@]}" \
                        "$UM_SYSTEMD" --user --log-target=kmsg \
                        --default-standard-output=inherit --default-standard-error=inherit
        ) </dev/null >>"$UM_LOG" 2>&1 3>&- &
        UM_PID=$!

        local i sock=$UM_RUNTIME_DIR/systemd/private state=
        for ((i = 0; i < UM_START_TIMEOUT * 50; i++)); do
                if ! kill -0 "$UM_PID" 2>/dev/null; then
                        _um_die "systemd --user exited while starting; its log ($UM_LOG):"
                        sed 's/^/# /' "$UM_LOG" >&2
                        UM_PID=
                        kill "$UM_LOG_READER" 2>/dev/null || true
                        wait "$UM_LOG_READER" 2>/dev/null || true
                        UM_LOG_READER=
                        _um_remove_cgroups
                        return 1
                fi
                if [[ -S $sock ]]; then
                        state=$(user_systemctl show -P SystemState 2>/dev/null) || state=
                        [[ $state == running || $state == degraded ]] && return 0
                fi
                sleep 0.02
        done
        _um_die "systemd --user (pid $UM_PID) not running after ${UM_START_TIMEOUT}s (SystemState '$state'); log $UM_LOG"
        return 1
}

# user_exec CMD...: CMD as the user, with the manager's environment, in its mount namespace when it runs
# (so that it sees the same /run/systemd as the manager and the units).
user_exec() {
        local -a env ns=()
        mapfile -d '' -t env < <(_um_env)
        if [[ -n $UM_PID ]] && kill -0 "$UM_PID" 2>/dev/null; then
                ns=(nsenter --target "$UM_PID" --mount --)
        fi
        "${ns[@]}" setpriv --reuid="$UM_UID" --regid="$UM_GID" --init-groups --reset-env -- \
                env -i "${env[@]}" "$@" 3>&-
}

user_systemctl() {
        user_exec systemctl --user --no-pager "$@"
}

user_wait_state() {
        local unit=$1 want=$2 secs=${3:-10} i state=
        for ((i = 0; i < secs * 20; i++)); do
                state=$(user_systemctl show -P ActiveState "$unit" 2>/dev/null) || state=
                [[ $state == "$want" ]] && return 0
                # failed is final until someone acts: no point waiting for another state.
                [[ $state == failed ]] && break
                sleep 0.05
        done
        echo "user-manager: $unit is '$state', expected '$want' (waited up to ${secs}s)" >&2
        user_systemctl status "$unit" >&2 || true
        return 1
}

user_wait_file() {
        local file=$1 secs=${2:-10} i
        for ((i = 0; i < secs * 20; i++)); do
                [[ -e $file ]] && return 0
                sleep 0.05
        done
        echo "user-manager: no $file after ${secs}s" >&2
        return 1
}

# Every process below our cgroups, and every process carrying this manager's XDG_RUNTIME_DIR (in case one
# escaped the cgroups).
_um_pids() {
        local dir
        for dir in "${UM_CGROUP_DIRS[@]}"; do
                [[ -d $dir ]] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null
        done
        [[ -n ${UM_RUNTIME_DIR:-} ]] || return 0
        local p
        for p in /proc/[0-9]*; do
                grep -qzx "XDG_RUNTIME_DIR=$UM_RUNTIME_DIR" "$p/environ" 2>/dev/null && echo "${p#/proc/}"
        done
        return 0
}

user_manager_leftovers() {
        local pid dir
        for pid in $(_um_pids | sort -un); do
                echo "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        done
        for dir in "${UM_CGROUP_DIRS[@]}"; do
                [[ -d $dir ]] && find "$dir" -depth -type d -printf 'cgroup %p\n'
        done
        return 0
}

_um_remove_cgroups() {
        local dir sub tries
        for dir in "${UM_CGROUP_DIRS[@]}"; do
                [[ -d $dir ]] || continue
                # Depth first: a cgroup can only go once its children are gone.
                while IFS= read -r sub; do
                        for ((tries = 0; tries < 50; tries++)); do
                                rmdir "$sub" 2>/dev/null && break
                                [[ -d $sub ]] || break
                                sleep 0.02
                        done
                done < <(find "$dir" -depth -type d)
        done
}

user_manager_stop() {
        local rc=0 i pid
        if [[ -n $UM_PID ]]; then
                kill -TERM "$UM_PID" 2>/dev/null
                for ((i = 0; i < UM_STOP_TIMEOUT * 40; i++)); do
                        kill -0 "$UM_PID" 2>/dev/null || break
                        sleep 0.025
                done
                if kill -0 "$UM_PID" 2>/dev/null; then
                        echo "user-manager: systemd --user (pid $UM_PID) still there ${UM_STOP_TIMEOUT}s after SIGTERM: SIGKILL" >&2
                        kill -KILL "$UM_PID" 2>/dev/null
                fi
                wait "$UM_PID" 2>/dev/null || true
                UM_PID=
        fi
        if [[ -n ${UM_LOG_READER:-} ]]; then
                kill "$UM_LOG_READER" 2>/dev/null || true
                wait "$UM_LOG_READER" 2>/dev/null || true
                UM_LOG_READER=
        fi
        # Whatever the manager left behind (it should have stopped every unit).
        for ((i = 0; i < 100; i++)); do
                local -a left
                mapfile -t left < <(_um_pids | sort -un)
                ((${#left[@]} == 0)) && break
                for pid in "${left[@]}"; do
                        kill -KILL "$pid" 2>/dev/null || true
                done
                sleep 0.02
        done
        _um_remove_cgroups
        # Generators and units write to the log: a sanitizer report there (an ASan build of
        # skiff-generator or skiff run by the manager) fails the test, whatever the units' states.
        if [[ -n ${UM_LOG:-} && -f $UM_LOG ]] &&
                grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|:[0-9]+:[0-9]+: runtime error: ' "$UM_LOG"; then
                echo "user-manager: sanitizer report in $UM_LOG:" >&2
                grep -E -A20 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|:[0-9]+:[0-9]+: runtime error: ' "$UM_LOG" | sed 's/^/#   /' >&2
                rc=1
        fi
        local leftovers
        leftovers=$(user_manager_leftovers)
        if [[ -n $leftovers ]]; then
                echo "user-manager: left behind after stopping the manager:" >&2
                echo "$leftovers" | sed 's/^/#   /' >&2
                rc=1
        fi
        if [[ -n ${UM_ROOT:-} && -d $UM_ROOT && -z ${UM_KEEP:-} ]]; then
                # Rootless containers leave files owned by sub-uids; root removes them all the same.
                rm -rf "$UM_ROOT"
        fi
        UM_ROOT=
        UM_CGROUP_DIRS=()
        return $rc
}
