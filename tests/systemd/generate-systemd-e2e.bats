#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Issue 7 end to end: `skiff generate systemd --new --files` for a pod that `skiff kube play` made, run
# by a real standalone `systemd --user` (user-manager.bash) as the unprivileged test user, rootless:
# `systemctl --user enable --now` on the unit copied into ~/.config/systemd/user/ brings the pod up with
# its supervisor as the unit's main process, a restart of the manager (stop, then start, keeping the
# user's files; its runtime directory is emptied as a reboot would) brings it up again, and
# `systemctl --user stop` removes the pod. Also: a unit for an existing container (its monitor is the
# main process; stop stops it), and --new for a pod made by `pod create`.

load user-manager

E2E_IMAGE=localhost/busybox:gensd

setup() {
        user_manager_require
        [[ -n ${SKIFF:-} && -x $SKIFF ]] || skip "SKIFF is not set to the skiff binary"
        "$SKIFF" generate systemd --help >/dev/null 2>&1 || skip "this skiff has no generate systemd"
        user_manager_setup
}

teardown() {
        if [[ -n ${UM_ROOT:-} ]]; then
                if [[ -n $UM_PID ]]; then
                        user_systemctl stop pod-gse2e.service pod-gse2e-p.service container-gse2e-ctr.service >/dev/null 2>&1 || true
                fi
                if [[ -z $BATS_TEST_COMPLETED ]]; then
                        echo "# manager and unit output ($UM_LOG):" >&2
                        sed 's/^/#   /' "$UM_LOG" >&2 || true
                fi
                # the pod played before the unit existed, if the test stopped before the unit replaced it
                user_exec "$SKIFF" pod rm -f --ignore gse2e gse2e-p >/dev/null 2>&1 || true
                user_exec "$SKIFF" rm -f --ignore gse2e-ctr >/dev/null 2>&1 || true
                user_manager_stop
        fi
}

skiff_as_user() {
        user_exec "$SKIFF" "$@"
}

# The manager stopped and started again the way user_manager_stop/start do it, but keeping the user's
# home (skiff's storage, the enabled unit): user_manager_stop removes UM_ROOT unless UM_KEEP is set, and
# forgets the layout, which is put back for user_manager_start. The runtime directory is emptied, as a
# reboot empties XDG_RUNTIME_DIR.
restart_manager() {
        local root=$UM_ROOT home=$UM_HOME config=$UM_CONFIG_HOME run=$UM_RUNTIME_DIR gen=$UM_GENERATOR_DIR log=$UM_LOG
        UM_KEEP=1 user_manager_stop
        find "$run" -mindepth 1 -delete
        UM_ROOT=$root UM_HOME=$home UM_CONFIG_HOME=$config UM_RUNTIME_DIR=$run UM_GENERATOR_DIR=$gen UM_LOG=$log
        user_manager_start
}

# pod_field FIELD: a field of the pod's state in `skiff pod inspect gse2e`, as the user.
pod_state() {
        skiff_as_user pod inspect gse2e 2>/dev/null |
                python3 -c 'import json,sys; p=json.load(sys.stdin)[0]["state"]; print(p.get(sys.argv[1], ""))' "$1"
}

@test "generate systemd --new --files for a played pod: enable --now, manager restart, stop" {
        "$BATS_TEST_DIRNAME/make-image.sh" "$UM_ROOT/busybox.tar" "$E2E_IMAGE"
        chown "$UM_UID:$UM_GID" "$UM_ROOT/busybox.tar"
        run skiff_as_user image load -i "$UM_ROOT/busybox.tar"
        echo "$output"
        [[ $status == 0 ]]
        cat >"$UM_HOME/gse2e.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gse2e
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: sleeper
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sleep, '100000']
    env:
    - name: FROM_KUBE
      value: kube-value
EOF
        mkdir -p "$UM_HOME/units"
        chown -R "$UM_UID:$UM_GID" "$UM_HOME/gse2e.yaml" "$UM_HOME/units"
        user_manager_start

        # 1. The pod, played by hand, rootless; then its unit, as podman's users make them.
        run skiff_as_user kube play "$UM_HOME/gse2e.yaml"
        echo "$output"
        [[ $status == 0 ]]
        [[ $(pod_state status) == Running ]]
        run user_exec sh -c "cd '$UM_HOME/units' && '$SKIFF' generate systemd --new --files --name gse2e"
        echo "$output"
        [[ $status == 0 ]]
        [[ $output == "$UM_HOME/units/pod-gse2e.service" ]]
        cat "$UM_HOME/units/pod-gse2e.service"
        grep -q '^ExecStart=.*skiff kube play --replace --service-container=true .*/systemd/pod-gse2e.service.yaml$' \
                "$UM_HOME/units/pod-gse2e.service"
        user_exec cp "$UM_HOME/units/pod-gse2e.service" "$UM_CONFIG_HOME/systemd/user/"

        # 2. enable --now: the unit replaces the hand-played pod with its own; active once the pod runs,
        # with the pod's supervisor as its main process.
        user_systemctl daemon-reload
        run user_systemctl enable --now pod-gse2e.service
        echo "$output"
        [[ $status == 0 ]]
        user_wait_state pod-gse2e.service active 60
        [[ $(user_systemctl is-enabled pod-gse2e.service) == enabled ]]
        [[ $(pod_state status) == Running ]]
        local main sup
        main=$(user_systemctl show -P MainPID pod-gse2e.service)
        sup=$(pod_state supervisorPid)
        echo "MainPID $main, supervisor $sup"
        ((main > 0))
        [[ $main == "$sup" ]]
        grep -q "/$UM_CGROUP/.*/pod-gse2e.service" "/proc/$main/cgroup"
        run skiff_as_user exec gse2e-sleeper env
        [[ $output == *FROM_KUBE=kube-value* ]]

        # 3. The manager goes and comes back (the unit is enabled: WantedBy=default.target): the pod runs
        # again, under a new supervisor that is the unit's main process.
        restart_manager
        user_wait_state pod-gse2e.service active 60
        [[ $(pod_state status) == Running ]]
        main=$(user_systemctl show -P MainPID pod-gse2e.service)
        [[ $main == "$(pod_state supervisorPid)" ]]
        ((main != sup))
        run skiff_as_user exec gse2e-sleeper env
        [[ $output == *FROM_KUBE=kube-value* ]]

        # 4. stop removes the pod: its record and its containers' are gone, the supervisor has exited.
        user_systemctl stop pod-gse2e.service
        run user_systemctl show -P ActiveState pod-gse2e.service
        [[ $output == inactive ]]
        run skiff_as_user pod inspect gse2e
        [[ $status != 0 ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"gse2e-sleeper"'* ]]
        if kill -0 "$main" 2>/dev/null; then
                echo "supervisor $main still runs after systemctl stop" >&2
                false
        fi
}

# load_image: the test image into the user's store.
load_image() {
        "$BATS_TEST_DIRNAME/make-image.sh" "$UM_ROOT/busybox.tar" "$E2E_IMAGE"
        chown "$UM_UID:$UM_GID" "$UM_ROOT/busybox.tar"
        run skiff_as_user image load -i "$UM_ROOT/busybox.tar"
        echo "$output"
        [[ $status == 0 ]]
}

# generate_unit ARG...: `skiff generate systemd --files ARG...` as the user, the units installed in
# ~/.config/systemd/user/ and the manager reloaded; prints the paths.
generate_unit() {
        mkdir -p "$UM_HOME/units"
        chown "$UM_UID:$UM_GID" "$UM_HOME/units"
        user_exec sh -c "cd '$UM_HOME/units' && '$SKIFF' generate systemd --files $*" || return 1
        user_exec sh -c "cp '$UM_HOME'/units/*.service '$UM_CONFIG_HOME/systemd/user/'" || return 1
        user_systemctl daemon-reload
}

@test "generate systemd for an existing container: the unit starts it, its monitor is the main process, stop stops it" {
        load_image
        user_manager_start
        run skiff_as_user create --name gse2e-ctr "$E2E_IMAGE" sleep 100000
        echo "$output"
        [[ $status == 0 ]]
        generate_unit --name gse2e-ctr
        cat "$UM_CONFIG_HOME/systemd/user/container-gse2e-ctr.service"

        user_systemctl start container-gse2e-ctr.service
        user_wait_state container-gse2e-ctr.service active 30
        run skiff_as_user inspect --format '{{.State.Status}} {{.State.ConmonPid}}' gse2e-ctr
        echo "$output"
        local st=${output% *} mon=${output#* }
        [[ $st == running ]]
        [[ $(user_systemctl show -P MainPID container-gse2e-ctr.service) == "$mon" ]]

        user_systemctl stop container-gse2e-ctr.service
        run user_systemctl show -P ActiveState container-gse2e-ctr.service
        [[ $output == inactive ]]
        # the container is still there, stopped (not --new: the unit does not own it)
        run skiff_as_user inspect --format '{{.State.Status}}' gse2e-ctr
        [[ $output == exited ]]
        if kill -0 "$mon" 2>/dev/null; then
                echo "monitor $mon still runs after systemctl stop" >&2
                false
        fi
        run skiff_as_user rm gse2e-ctr
        [[ $status == 0 ]]
}

@test "generate systemd --new for a pod made by pod create: the unit creates it, stop removes it" {
        load_image
        user_manager_start
        run skiff_as_user pod create --name gse2e-p --label e2e=yes
        echo "$output"
        [[ $status == 0 ]]
        generate_unit --new --name gse2e-p
        cat "$UM_CONFIG_HOME/systemd/user/pod-gse2e-p.service"

        user_systemctl start pod-gse2e-p.service
        user_wait_state pod-gse2e-p.service active 30
        run skiff_as_user pod inspect gse2e-p
        local status sup
        status=$(python3 -c 'import json,sys; p=json.load(sys.stdin)[0]; print(p["state"]["status"], p["state"]["supervisorPid"], "e2e=yes" in p["labels"])' <<<"$output")
        echo "$status"
        [[ $status == "Running "*" True" ]]
        sup=$(echo "$status" | cut -d' ' -f2)
        [[ $(user_systemctl show -P MainPID pod-gse2e-p.service) == "$sup" ]]

        user_systemctl stop pod-gse2e-p.service
        run skiff_as_user pod inspect gse2e-p
        [[ $status != 0 ]]
        [[ ! -e $UM_RUNTIME_DIR/pod-gse2e-p.service.pod-id ]]
}
