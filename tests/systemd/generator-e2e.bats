#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Issue 6 end to end: quadlet files in the user's ~/.config/containers/systemd/, a real standalone
# `systemd --user` (user-manager.bash) running skiff-generator on daemon-reload and at start, and the
# units it writes started, checked from the container side, stopped.
#
# What needs only the generator and systemd runs as soon as skiff-generator is built: the units
# daemon-reload produces, their names, sources and dependencies as systemd itself sees them, a bad file
# reported while the good ones are still there, [Install] applied at manager start. What needs the runtime
# skips, naming the issue, until `skiff run`, `skiff pod`, `skiff kube play` / `kube down` and
# `skiff image load` answer --help: the tests switch themselves on when the runtime lands.

load user-manager

E2E_IMAGE=localhost/busybox:e2e
E2E_WEB_PORT=${E2E_WEB_PORT:-18080}

setup() {
        user_manager_require
        local gen=${SKIFF_GENERATOR:-${SKIFF_BUILDDIR:+$SKIFF_BUILDDIR/src/systemd-generator/skiff-generator}}
        if [[ -z $gen || ! -x $gen ]]; then
                skip "needs skiff-generator (issue 6): not built${gen:+ at $gen}"
        fi
        [[ -n ${SKIFF:-} && -x $SKIFF ]] || skip "SKIFF is not set to the skiff binary"
        # The generator writes this skiff into ExecStart= (its run-time override of the install path).
        export SKIFF_GENERATOR_BINARY=$SKIFF
        user_manager_setup
        user_has_generator
        Q=$UM_CONFIG_HOME/containers/systemd
        GEN=$UM_RUNTIME_DIR/systemd/generator
}

teardown() {
        if [[ -n ${UM_ROOT:-} ]]; then
                # Containers the units left (they should not): remove them before the manager goes, so a
                # failure here is reported rather than hidden by the harness's kill.
                if [[ -n $UM_PID ]] && _e2e_has run; then
                        user_systemctl stop web.service site.service app-pod.service kube.service boot.service fail.service \
                                >/dev/null 2>&1 || true
                fi
                if [[ -n $BATS_TEST_COMPLETED ]]; then :; else
                        echo "# manager and unit output ($UM_LOG):" >&2
                        sed 's/^/#   /' "$UM_LOG" >&2 || true
                fi
                user_manager_stop
        fi
}

# _e2e_has VERB...: does this skiff have the verb (does `skiff VERB... --help` succeed)?
_e2e_has() {
        "$SKIFF" "$@" --help >/dev/null 2>&1
}

needs_run() {
        _e2e_has run || skip "needs skiff run (issue 4)"
        _e2e_has image load || skip "needs skiff image load (issue 3) for the test image"
        _e2e_has ps || skip "needs skiff ps (issue 4)"
        _e2e_has exec || skip "needs skiff exec (issue 4)"
}
needs_volume() { _e2e_has volume create || skip "needs skiff volume create (issue 4)"; }
# Published ports need the networking work (netavark/pasta); until then skiff refuses --publish by name.
needs_publish() {
        if "$SKIFF" --root "$BATS_TEST_TMPDIR/probe-root" --runroot "$BATS_TEST_TMPDIR/probe-run" \
                run --rm --publish 127.0.0.1:1:1 localhost/no-such-image true 2>&1 | grep -q 'not supported yet'; then
                skip "needs published ports (skiff run --publish: networking is not there yet)"
        fi
}
needs_pod() { _e2e_has pod create || skip "needs skiff pod create/start (issue 5)"; }
needs_kube() {
        _e2e_has kube down || skip "needs skiff kube play/down running pods (issue 5)"
        "$SKIFF" kube play --help 2>&1 | grep -q -- --service-container \
                || skip "needs kube play --service-container, the pod supervisor as a unit's main process (issue 7)"
}
# Rootless port publishing goes through pasta, which needs /dev/net/tun (0600 without udev here).
needs_tun() {
        [[ -c /dev/net/tun ]] || skip "no /dev/net/tun for rootless port publishing"
        chmod 666 /dev/net/tun
}

# quadlet FILE CONTENT: a file in the user's ~/.config/containers/systemd/.
quadlet() {
        printf '%s\n' "$2" >"$Q/$1"
        chown "$UM_UID:$UM_GID" "$Q/$1"
}

skiff_as_user() {
        user_exec "$SKIFF" "$@"
}

load_image() {
        "$BATS_TEST_DIRNAME/make-image.sh" "$UM_ROOT/busybox.tar" "$E2E_IMAGE"
        chown "$UM_UID:$UM_GID" "$UM_ROOT/busybox.tar"
        run skiff_as_user image load -i "$UM_ROOT/busybox.tar"
        echo "$output"
        [[ $status == 0 ]]
}

# The set of files the tests use: a container publishing a port with a named volume, a pod with two
# containers talking over its loopback, a kube file, a container that fails.
write_units() {
        quadlet web.container "[Unit]
Description=e2e web server

[Container]
Image=$E2E_IMAGE
ContainerName=e2e-web
Environment=GREETING=hello-from-web
PublishPort=127.0.0.1:$E2E_WEB_PORT:8080
Volume=data.volume:/data
Exec=sh -c 'echo \"\$GREETING \$0\" > /data/index.html && exec httpd -f -p 8080 -h /data' arg-one
Pull=never"
        quadlet data.volume "[Volume]
Label=test=e2e"
        quadlet app.pod "[Pod]
PodName=e2e-app"
        quadlet app-server.container "[Container]
Image=$E2E_IMAGE
Pod=app.pod
Pull=never
Exec=sh -c 'mkdir -p /www && echo server-in-pod > /www/index.html && exec httpd -f -p 8081 -h /www'"
        quadlet app-client.container "[Container]
Image=$E2E_IMAGE
Pod=app.pod
Pull=never
Environment=TARGET=http://127.0.0.1:8081/
Exec=sleep 100000"
        quadlet kube.yaml "apiVersion: v1
kind: Pod
metadata:
  name: e2e-kube
spec:
  containers:
  - name: sleeper
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sleep, '100000']
    env:
    - name: FROM_KUBE
      value: kube-value"
        quadlet kube.kube "[Kube]
Yaml=kube.yaml"
        quadlet fail.container "[Container]
Image=$E2E_IMAGE
Pull=never
Exec=sh -c 'exit 7'"
}

# show UNIT PROPERTY: systemd's view of one property.
show() {
        user_systemctl show -P "$2" "$1"
}

# has_word LIST WORD: is WORD one of the space-separated LIST?
has_word() {
        [[ " $1 " == *" $2 "* ]] || {
                echo "'$2' not in '$1'" >&2
                return 1
        }
}

@test "daemon-reload turns the quadlet directory into units" {
        user_manager_start
        # Nothing yet.
        run show web.service LoadState
        [[ $output == not-found ]]

        write_units
        user_systemctl daemon-reload

        local unit src
        for unit in web:web.container data-volume:data.volume app-pod:app.pod app-server:app-server.container \
                app-client:app-client.container kube:kube.kube fail:fail.container; do
                src=${unit#*:}
                unit=${unit%%:*}.service
                run show "$unit" LoadState
                is_loaded "$unit" "$output"
                run show "$unit" FragmentPath
                [[ $output == "$GEN/$unit" ]]
                run show "$unit" SourcePath
                [[ $output == "$Q/$src" ]]
        done

        # systemd reads what the generator wrote; its form is quadlet's, running skiff.
        run user_systemctl cat web.service
        echo "$output"
        [[ $status == 0 ]]
        [[ $output == *"# $GEN/web.service"* ]]
        [[ $output == *"[X-Container]"* ]]
        [[ $output == *"Description=e2e web server"* ]]
        local exec
        exec=$(grep '^ExecStart=' <<<"$output")
        [[ $exec =~ ^ExecStart=/[^\ ]*skiff\ run\  ]]
        [[ $exec == *" --name e2e-web "* ]]
        [[ $exec == *" --cidfile=%t/%N.cid "* ]]
        [[ $exec == *" --publish 127.0.0.1:$E2E_WEB_PORT:8080 "* ]]
        [[ $exec == *" -v systemd-data:/data "* ]]
        [[ $exec == *" --env GREETING=hello-from-web "* ]]
        [[ $exec == *" $E2E_IMAGE sh -c "* ]]
        [[ $exec == *" arg-one" ]]

        # The properties systemd derives from it.
        run show web.service Type
        [[ $output == notify ]]
        run show web.service NotifyAccess
        [[ $output == all ]]
        run show web.service KillMode
        [[ $output == mixed ]]
        run show web.service Delegate
        [[ $output == yes ]]
        run show web.service Environment
        [[ $output == *"PODMAN_SYSTEMD_UNIT=web.service"* ]]
        run show data-volume.service Type
        [[ $output == oneshot ]]
        run show data-volume.service RemainAfterExit
        [[ $output == yes ]]
        run user_systemctl cat data-volume.service
        [[ $output =~ ExecStart=/[^\ ]*skiff\ volume\ create\ .*systemd-data ]]
        run user_systemctl cat app-pod.service
        [[ $output =~ skiff\ pod\ create\ .*--name\ e2e-app ]]
        run user_systemctl cat kube.service
        [[ $output =~ ExecStart=/[^\ ]*skiff\ kube\ play\ .*$Q/kube.yaml ]]

        # And systemd's own checker, as this user, accepts every one of them together.
        run user_exec systemd-analyze --user verify "$GEN"/*.service
        echo "$output"
        [[ $status == 0 ]]
        [[ -z $output ]]
}

is_loaded() {
        [[ $2 == loaded ]] || {
                echo "$1: LoadState '$2', expected loaded" >&2
                return 1
        }
}

@test "references between units become the dependencies systemd sees" {
        write_units
        user_manager_start

        # Volume=data.volume:/data
        has_word "$(show web.service Requires)" data-volume.service
        has_word "$(show web.service After)" data-volume.service
        # Pod=app.pod, both ways: the container is bound to the pod, the pod pulls its containers in.
        local c
        for c in app-server app-client; do
                has_word "$(show $c.service BindsTo)" app-pod.service
                has_word "$(show $c.service After)" app-pod.service
                has_word "$(show app-pod.service Wants)" $c.service
                has_word "$(show app-pod.service Before)" $c.service
        done
        # A unit that references nothing depends on nothing of ours.
        run show fail.service Requires
        [[ $output != *-volume.service* && $output != *-pod.service* ]]
}

@test "a bad file is reported, skipped, and every good file is still generated" {
        write_units
        # No Image=, an unknown key, a reference to a volume that does not exist.
        quadlet noimage.container "[Container]
Exec=true"
        quadlet typo.container "[Container]
Image=$E2E_IMAGE
Imagge=oops"
        quadlet dangling.container "[Container]
Image=$E2E_IMAGE
Volume=nosuch.volume:/x"
        user_manager_start
        user_systemctl daemon-reload

        local bad good
        for bad in noimage typo dangling; do
                run show $bad.service LoadState
                [[ $output == not-found ]]
                [[ ! -e $GEN/$bad.service ]]
        done
        for good in web data-volume app-pod app-server app-client kube fail; do
                run show $good.service LoadState
                is_loaded $good.service "$output"
        done
        # The generator's messages reach the manager's stderr (which this harness logs), FILE:LINE first.
        grep -E "noimage\.container(:[0-9]+)?: .*Image" "$UM_LOG"
        grep -E "typo\.container:3: .*Imagge" "$UM_LOG"
        grep -E "dangling\.container:3: .*nosuch\.volume" "$UM_LOG"

        # Fixing the file and reloading brings the unit in; nothing else changes.
        quadlet typo.container "[Container]
Image=$E2E_IMAGE
Exec=true"
        user_systemctl daemon-reload
        run show typo.service LoadState
        is_loaded typo.service "$output"
        run show web.service LoadState
        is_loaded web.service "$output"
}

boot_unit() {
        quadlet boot.container "[Container]
Image=$E2E_IMAGE
Pull=never
Exec=sleep 100000

[Install]
WantedBy=default.target"
}

@test "drop-ins, templates and removed files, as systemd sees them after daemon-reload" {
        write_units
        mkdir -p "$Q/web.container.d"
        printf '[Container]\nEnvironment=FROM_DROPIN=yes\n' >"$Q/web.container.d/10-env.conf"
        quadlet worker@.container "[Container]
Image=$E2E_IMAGE
Exec=sleep 100000 %i"
        ln -s worker@.container "$Q/worker@one.container"
        chown -hR "$UM_UID:$UM_GID" "$Q"
        user_manager_start

        # The drop-in is merged into the unit.
        run user_systemctl cat web.service
        [[ $output == *"--env FROM_DROPIN=yes"* ]]
        # The template and its instance both reach systemd.
        run show worker@one.service LoadState
        is_loaded worker@one.service "$output"
        run user_systemctl cat worker@.service
        [[ $output =~ ExecStart=/[^\ ]*skiff\ run\ .*sleep\ 100000\ %i ]]
        # systemd expands the instance name, not the generator.
        run show worker@two.service LoadState
        is_loaded worker@two.service "$output"

        # A file taken away takes its unit with it on the next reload; the others stay.
        rm "$Q/kube.kube"
        user_systemctl daemon-reload
        run show kube.service LoadState
        [[ $output == not-found ]]
        run show web.service LoadState
        is_loaded web.service "$output"
}

@test "[Install] WantedBy=default.target: the generator links the unit and the manager starts it" {
        boot_unit
        user_manager_start

        # Generated units cannot be enabled: the generator wrote the .wants link itself.
        [[ -L $GEN/default.target.wants/boot.service ]]
        has_word "$(show boot.service WantedBy)" default.target
        has_word "$(show default.target Wants)" boot.service
        # systemd started it with default.target, nobody asked: it left the inactive state (whether its
        # container then runs is the next test's business).
        local i exit_ts=0
        for ((i = 0; i < 100; i++)); do
                exit_ts=$(show boot.service InactiveExitTimestampMonotonic)
                ((exit_ts > 0)) && break
                sleep 0.05
        done
        ((exit_ts > 0))
        # A unit without [Install] is not started.
        quadlet idle.container "[Container]
Image=$E2E_IMAGE
Exec=sleep 100000"
        user_systemctl daemon-reload
        run show idle.service InactiveExitTimestampMonotonic
        [[ $output == 0 ]]
}

@test "[Install] WantedBy=default.target: the container runs once the manager is up" {
        needs_run
        boot_unit
        load_image
        user_manager_start

        user_wait_state boot.service active 30
        run skiff_as_user ps --format json
        [[ $output == *'"systemd-boot"'* ]]
        user_systemctl stop boot.service
        run skiff_as_user ps -a --format json
        [[ $output != *'"systemd-boot"'* ]]
}

# A container with settings to check from inside, serving over its own loopback: published ports (the
# web unit above) need the networking work, so this one publishes nothing and is reached with
# `skiff exec` over 127.0.0.1 inside its network namespace.
site_unit() {
        quadlet site.container "[Unit]
Description=e2e site

[Container]
Image=$E2E_IMAGE
ContainerName=e2e-site
Environment=GREETING=hello-from-site
Label=e2e.role=site
Volume=data.volume:/data
User=nobody
WorkingDir=/tmp
Exec=sh -c 'echo \"\$GREETING \$0\" > index.html && exec httpd -f -p 8080 -h .' arg-one
Pull=never"
}

@test "a container runs with its settings, answers over its loopback, and stop removes it" {
        needs_run
        needs_volume
        write_units
        site_unit
        load_image
        user_manager_start

        user_systemctl start site.service
        user_wait_state site.service active 30
        # The volume unit ran first and made the named volume.
        run show data-volume.service ActiveState
        [[ $output == active ]]
        run skiff_as_user volume ls --format json
        [[ $output == *'"systemd-data"'* ]]

        run skiff_as_user ps --format json
        echo "$output"
        [[ $output == *'"e2e-site"'* ]]
        # Label=, as skiff recorded it.
        run skiff_as_user inspect e2e-site
        echo "$output"
        [[ $status == 0 ]]
        [[ $output =~ \"e2e\.role\":\ *\"site\" ]]
        # Environment=, seen from inside.
        run skiff_as_user exec e2e-site env
        [[ $output == *GREETING=hello-from-site* ]]
        # User= and WorkingDir=: the container's PID 1 (httpd, exec'd by sh) runs as nobody in /tmp.
        run skiff_as_user exec e2e-site grep '^Uid:' /proc/1/status
        echo "$output"
        [[ $output =~ ^Uid:[[:space:]]+65534[[:space:]] ]]
        run skiff_as_user exec e2e-site ls -l /proc/1/cwd
        echo "$output"
        [[ $output == *"-> /tmp" ]]
        # Volume=data.volume:/data: a file put into the volume on the host is seen inside.
        local mp
        run skiff_as_user volume inspect systemd-data
        mp=$(sed -n 's/.*"Mountpoint": *"\([^"]*\)".*/\1/p' <<<"$output")
        echo "mountpoint: '$mp'"
        [[ -n $mp && -d $mp ]]
        echo from-the-host >"$mp/marker"
        chown "$UM_UID:$UM_GID" "$mp/marker"
        run skiff_as_user exec e2e-site cat /data/marker
        [[ $output == from-the-host ]]
        # Exec= and its argument, served by httpd over the container's own loopback (it may take a
        # moment to listen).
        local i
        for ((i = 0; i < 50; i++)); do
                run skiff_as_user exec e2e-site wget -q -O - http://127.0.0.1:8080/index.html
                [[ $status == 0 ]] && break
                sleep 0.1
        done
        echo "$output"
        [[ $status == 0 ]]
        [[ $output == "hello-from-site arg-one" ]]
        # The unit's main process is skiff's supervisor, and the container is in the unit's cgroup.
        local pid
        pid=$(show site.service MainPID)
        ((pid > 0))
        grep -q "/site.service" "/proc/$pid/cgroup"

        user_systemctl stop site.service
        run show site.service ActiveState
        [[ $output == inactive ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"e2e-site"'* ]]
        run skiff_as_user exec e2e-site true
        [[ $status != 0 ]]
}

@test "PublishPort= becomes --publish in ExecStart, as quadlet writes it" {
        write_units
        quadlet ports.container "[Container]
Image=$E2E_IMAGE
PublishPort=127.0.0.1:$E2E_WEB_PORT:8080
PublishPort=8443:443/tcp
PublishPort=[::1]:5353:53/udp
PublishPort=9000
Exec=true"
        user_manager_start
        local exec
        exec=$(grep '^ExecStart=' "$GEN/ports.service")
        echo "$exec"
        # quadlet: one --publish VALUE pair per key, in file order, the value as written.
        [[ $exec == *" --publish 127.0.0.1:$E2E_WEB_PORT:8080 --publish 8443:443/tcp --publish [::1]:5353:53/udp --publish 9000 "* ]]
        [[ $(grep -o -- '--publish' <<<"$exec" | wc -l) == 4 ]]
        exec=$(grep '^ExecStart=' "$GEN/web.service")
        [[ $exec == *" --publish 127.0.0.1:$E2E_WEB_PORT:8080 "* ]]
}

# Only the published port itself waits for networking: everything else about a running container is
# the test above.
@test "a published port answers on 127.0.0.1, and stop closes it" {
        needs_run
        needs_volume
        needs_publish
        needs_tun
        write_units
        load_image
        user_manager_start

        user_systemctl start web.service
        user_wait_state web.service active 30
        run curl -sS --max-time 5 "http://127.0.0.1:$E2E_WEB_PORT/index.html"
        echo "$output"
        [[ $status == 0 ]]
        [[ $output == "hello-from-web arg-one" ]]

        user_systemctl stop web.service
        run skiff_as_user ps -a --format json
        [[ $output != *'"e2e-web"'* ]]
        run curl -sS --max-time 2 "http://127.0.0.1:$E2E_WEB_PORT/"
        [[ $status != 0 ]]
}

@test "a pod with two containers: they share its loopback, and stopping the pod removes them" {
        needs_run
        needs_pod
        write_units
        load_image
        user_manager_start

        user_systemctl start app-pod.service
        user_wait_state app-pod.service active 30
        user_wait_state app-server.service active 30
        user_wait_state app-client.service active 30
        run skiff_as_user pod ps --format json
        [[ $output == *'"e2e-app"'* ]]
        run skiff_as_user ps --format json
        [[ $output == *'"systemd-app-server"'* && $output == *'"systemd-app-client"'* ]]

        # The client reaches the server over the pod's loopback (httpd may take a moment to listen).
        local i
        for ((i = 0; i < 50; i++)); do
                run skiff_as_user exec systemd-app-client sh -c 'wget -q -O - "$TARGET"'
                [[ $status == 0 ]] && break
                sleep 0.1
        done
        [[ $output == server-in-pod ]]

        user_systemctl stop app-pod.service
        user_wait_state app-server.service inactive 30
        user_wait_state app-client.service inactive 30
        run skiff_as_user ps -a --format json
        [[ $output != *'"systemd-app-'* ]]
        run skiff_as_user pod ps --format json
        [[ $output != *'"e2e-app"'* ]]
}

@test "a .kube unit plays its YAML and stopping it takes the pod down" {
        needs_run
        needs_kube
        write_units
        load_image
        user_manager_start

        user_systemctl start kube.service
        user_wait_state kube.service active 30
        run skiff_as_user ps --format json
        [[ $output == *'"e2e-kube-sleeper"'* ]]
        run skiff_as_user exec e2e-kube-sleeper env
        [[ $output == *FROM_KUBE=kube-value* ]]

        user_systemctl stop kube.service
        run skiff_as_user ps -a --format json
        [[ $output != *'"e2e-kube-sleeper"'* ]]
}

@test "a container that exits non-zero leaves its unit failed" {
        needs_run
        write_units
        load_image
        user_manager_start

        run user_systemctl start fail.service
        user_wait_state fail.service failed 30
        run show fail.service Result
        [[ $output == exit-code ]]
        run show fail.service ExecMainStatus
        [[ $output != 0 ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"systemd-fail"'* ]]
}
