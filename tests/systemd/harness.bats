#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The standalone `systemd --user` harness itself (user-manager.bash): before trusting the generator's
# end-to-end tests to it, prove that it runs a real manager that starts, stops, times and fails units,
# runs generators from its path, and leaves nothing behind.

load user-manager

setup() {
        user_manager_require
        user_manager_setup
}

teardown() {
        user_manager_stop
}

# unit NAME CONTENT: write a user unit into $XDG_CONFIG_HOME/systemd/user.
unit() {
        printf '%s\n' "$2" >"$UM_CONFIG_HOME/systemd/user/$1"
        chown "$UM_UID:$UM_GID" "$UM_CONFIG_HOME/systemd/user/$1"
}

@test "the manager starts as the test user and answers systemctl --user" {
        user_manager_start

        run user_systemctl show -P SystemState
        [[ $status == 0 ]]
        [[ $output == running ]]

        # It runs as the unprivileged user, not root, in the cgroup the harness made for it.
        [[ $(stat -c %u "/proc/$UM_PID") == "$UM_UID" ]]
        [[ $(tr '\0' ' ' <"/proc/$UM_PID/cmdline") == *"systemd --user"* ]]
        grep -q "/$UM_CGROUP" "/proc/$UM_PID/cgroup"
        # The host's /run/systemd is untouched: no system/ directory appeared outside the namespace.
        [[ ! -e /run/systemd/system ]]
        # Inside the manager's namespace there is one.
        nsenter --target "$UM_PID" --mount -- test -d /run/systemd/system

        run user_systemctl show -P Environment
        [[ $output == *"XDG_RUNTIME_DIR=$UM_RUNTIME_DIR"* ]]

        run user_systemctl is-active default.target
        [[ $output == active ]]
}

@test "a plain unit starts, runs as the user, and stops" {
        unit loop.service "[Service]
ExecStart=/bin/sh -c 'id -u > %h/loop.uid; while :; do sleep 1; done'"
        user_manager_start

        user_systemctl start loop.service
        user_wait_state loop.service active
        user_wait_file "$UM_HOME/loop.uid"
        [[ $(<"$UM_HOME/loop.uid") == "$UM_UID" ]]
        local pid
        pid=$(user_systemctl show -P MainPID loop.service)
        ((pid > 0))
        kill -0 "$pid"
        # Its process is in the unit's cgroup, below the harness's.
        grep -q "/$UM_CGROUP/.*/loop.service" "/proc/$pid/cgroup"

        user_systemctl stop loop.service
        run user_systemctl show -P ActiveState loop.service
        [[ $output == inactive ]]
        if kill -0 "$pid" 2>/dev/null; then false; fi
}

@test "a timer fires" {
        unit tick.service "[Service]
Type=oneshot
ExecStart=/bin/sh -c 'date +%%s.%%N >> %h/ticks'"
        unit tick.timer "[Timer]
OnActiveSec=300ms
AccuracySec=10ms"
        user_manager_start

        user_systemctl start tick.timer
        run user_systemctl is-active tick.timer
        [[ $output == active ]]
        [[ ! -e $UM_HOME/ticks ]]
        user_wait_file "$UM_HOME/ticks" 5
        run user_systemctl show -P Result tick.service
        [[ $output == success ]]
}

@test "a generated unit with WantedBy=default.target starts with the manager" {
        # A stand-in generator (the way skiff-generator applies [Install]: generated units cannot be
        # enabled, so the generator writes the .wants link itself).
        cat >"$UM_GENERATOR_DIR/test-generator" <<'EOF'
#!/bin/sh
out=${1:?}
echo "test-generator: $# output dirs, SYSTEMD_SCOPE=$SYSTEMD_SCOPE" >&2
cat > "$out/from-generator.service" <<UNIT
[Service]
ExecStart=/bin/sh -c 'echo \$\$ > \$HOME/from-generator.pid; exec sleep 1000'
[Install]
WantedBy=default.target
UNIT
mkdir -p "$out/default.target.wants"
ln -s ../from-generator.service "$out/default.target.wants/from-generator.service"
EOF
        chmod 755 "$UM_GENERATOR_DIR/test-generator"
        user_manager_start

        # Nobody asked for it: default.target pulled it in when the manager started.
        user_wait_state from-generator.service active
        user_wait_file "$UM_HOME/from-generator.pid"
        run user_systemctl show -P FragmentPath from-generator.service
        [[ $output == "$UM_RUNTIME_DIR/systemd/generator/from-generator.service" ]]
        run user_systemctl show -P WantedBy from-generator.service
        [[ $output == *default.target* ]]
        # Generators run with the manager's environment and stderr: their messages land in UM_LOG.
        grep -qx "test-generator: 3 output dirs, SYSTEMD_SCOPE=user" "$UM_LOG"

        # daemon-reload runs the generators again, and a new unit they write appears.
        sed -i 's/from-generator/from-reload/g' "$UM_GENERATOR_DIR/test-generator"
        user_systemctl daemon-reload
        run user_systemctl show -P LoadState from-reload.service
        [[ $output == loaded ]]
}

@test "a failing unit shows failed" {
        unit fails.service "[Service]
ExecStart=/bin/sh -c 'exit 3'"
        user_manager_start

        run user_systemctl start fails.service
        user_wait_state fails.service failed
        run user_systemctl is-failed fails.service
        [[ $output == failed ]]
        run user_systemctl show -P Result fails.service
        [[ $output == exit-code ]]
        run user_systemctl show -P ExecMainStatus fails.service
        [[ $output == 3 ]]
        run user_systemctl show -P SystemState
        [[ $output == degraded ]]
}

@test "stopping the manager leaves no process and no cgroup behind" {
        unit busy.service "[Service]
ExecStart=/bin/sh -c 'sleep 1000 & sleep 1000 & wait'"
        # A unit whose main process ignores SIGTERM: the manager has to SIGKILL it on the way out.
        unit stubborn.service "[Service]
ExecStart=/bin/sh -c 'trap \"\" TERM; while :; do sleep 0.2; done'
TimeoutStopSec=1"
        user_manager_start
        user_systemctl start busy.service stubborn.service
        user_wait_state busy.service active
        user_wait_state stubborn.service active

        local pids dirs
        pids=$(_um_pids | sort -un)
        # The manager and its units: at least the manager, two sleeps and a shell, and the stubborn loop.
        (($(wc -w <<<"$pids") >= 5))
        dirs=("${UM_CGROUP_DIRS[@]}")
        # The manager made its own cgroup tree below ours, which teardown must take apart depth first.
        find "${dirs[@]}" -mindepth 2 -type d -name busy.service | grep -q .

        user_manager_stop

        local p d
        for p in $pids; do
                ! kill -0 "$p" 2>/dev/null || {
                        echo "process $p still alive" >&2
                        false
                }
        done
        for d in "${dirs[@]}"; do
                [[ ! -e $d ]] || {
                        echo "cgroup $d still there" >&2
                        false
                }
        done
        [[ -z $(user_manager_leftovers) ]]
}
