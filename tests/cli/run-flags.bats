#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The effect of every `skiff run` flag of issue 4, checked from inside the container (and, for cgroup
# limits, in the container's own cgroup files on the host): /proc/self/status, mountinfo, uid_map,
# hostname, env, cwd, id, ulimit, read-only and masked paths. `exec` lands in the same namespaces.
# As root, with a busybox image built by the test (container-helpers.bash).

load helpers
load container-helpers

setup_file() {
        container_setup_file
}

teardown_file() {
        container_teardown_file
}

setup() {
        require_spawn
}

# Runs a shell script in a new --rm container with extra run flags: ctr_sh [FLAGS...] -- SCRIPT
ctr_sh() {
        local flags=()
        while [[ $1 != -- ]]; do
                flags+=("$1")
                shift
        done
        shift
        run_ctr run --rm "${flags[@]}" "$CTR_IMAGE" sh -c "$1"
}

# The default capability set of podman (the 11 of containers.conf), as /proc/self/status prints it.
DEFAULT_CAPEFF=00000000800405fb

@test "defaults: podman's 11 capabilities, seccomp filter, no no_new_privs, PID 1, own namespaces" {
        ctr_sh -- 'grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status; echo pid=$$;
                   for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done'
        is "$(grep CapEff <<<"$stdout")" "CapEff:	$DEFAULT_CAPEFF"
        is "$(grep CapBnd <<<"$stdout")" "CapBnd:	$DEFAULT_CAPEFF"
        is "$(grep NoNewPrivs <<<"$stdout")" "NoNewPrivs:	0"
        is "$(grep Seccomp: <<<"$stdout")" "Seccomp:	2"
        is "$(grep pid= <<<"$stdout")" "pid=1"
        for n in mnt pid ipc uts net; do
                host=$(readlink /proc/self/ns/$n)
                ! grep -Fqx "$host" <<<"$stdout" || die "the container shares the host's $n namespace"
        done
}

@test "--name and --hostname: hostname, /etc/hostname, /etc/hosts" {
        ctr_sh --name flagname -- 'hostname; cat /etc/hostname; grep -c flagname /etc/hosts'
        [[ ${lines[0]} =~ ^[0-9a-f]{12}$ ]] || die "default hostname '${lines[0]}' is not a 12-digit id"
        is "${lines[1]}" "${lines[0]}"
        is "${lines[2]}" "1" "the name is in /etc/hosts"
        ctr_sh --hostname web1 -- 'hostname; cat /etc/hostname; grep web1 /etc/hosts'
        is "${lines[0]}" "web1"
        is "${lines[1]}" "web1"
        is "${lines[2]}" "127.0.1.1	web1( .*)?"
}

@test "-e, --env-file, --env-host: values and precedence" {
        printf '# comment\nFROM_FILE=1\nBOTH=file\nHOST_VAR\n' >"$BATS_TEST_TMPDIR/env"
        export HOST_VAR=from-host BOTH=host
        ctr_sh -e BOTH=flag -e HOST_VAR -e NOT_SET_ANYWHERE --env-file "$BATS_TEST_TMPDIR/env" -- 'env | sort'
        grep -qx FROM_FILE=1 <<<"$stdout" || die "--env-file value missing"
        grep -qx BOTH=flag <<<"$stdout" || die "-e does not win over --env-file"
        grep -qx HOST_VAR=from-host <<<"$stdout" || die "-e NAME does not take the host's value"
        ! grep -q NOT_SET_ANYWHERE <<<"$stdout" || die "-e NAME unset on the host was passed"
        grep -qx container=podman <<<"$stdout" || die "container= missing"
        export SKIFF_ENV_HOST_TEST=yes
        ctr_sh --env-host -- 'echo $SKIFF_ENV_HOST_TEST'
        is "$stdout" "yes"
}

@test "-w, -u, --group-add: cwd, uid, gid and groups from the image's files" {
        ctr_sh -w /srv/app -- 'pwd'
        is "$stdout" "/srv/app"
        ctr_sh -u 65534 --group-add 10 -- 'id -u; id -g; id -G; grep CapEff /proc/self/status'
        is "${lines[0]}" "65534"
        is "${lines[2]}" "65534 10|0 10"
        is "${lines[3]}" "CapEff:	0000000000000000" "a non-root user has no effective capabilities"
        run_ctr 125 run --rm -u nobody2 "$CTR_IMAGE" true
        is "$stderr" "skiff: run $CTR_IMAGE: --user nobody2: no user \"nobody2\" in the image's /etc/passwd"
}

@test "--entrypoint: replaces, '' clears, JSON array" {
        run_ctr run --rm --entrypoint /bin/echo "$CTR_IMAGE" hello
        is "$stdout" "hello"
        run_ctr run --rm --entrypoint '["/bin/echo","-n","a"]' "$CTR_IMAGE"
        is "$stdout" "a"
        run_ctr run --rm --entrypoint '' "$CTR_IMAGE" echo cleared
        is "$stdout" "cleared"
}

@test "--cap-add, --cap-drop, --privileged" {
        ctr_sh --cap-drop all --cap-add net_admin -- 'grep -E "^Cap(Eff|Bnd):" /proc/self/status'
        is "${lines[0]}" "CapEff:	0000000000001000"
        is "${lines[1]}" "CapBnd:	0000000000001000"
        ctr_sh --cap-drop chown -- 'grep CapEff /proc/self/status'
        is "$stdout" "CapEff:	00000000800405fa"
        ctr_sh --privileged -- 'grep -E "^(CapEff|Seccomp):" /proc/self/status; grep -c " /proc/keys " /proc/self/mountinfo;
                               awk "\$5 == \"/sys\"" /proc/self/mountinfo | grep -c " rw,"'
        is "${lines[0]}" "CapEff:	$(awk '/^CapBnd/ { print $2 }' /proc/self/status)" "all of our capabilities"
        is "${lines[1]}" "Seccomp:	0"
        is "${lines[2]}" "0" "--privileged masks nothing"
        is "${lines[3]}" "1" "--privileged: /sys is read-write"
        local hostdev
        hostdev=$(find /dev -maxdepth 1 \( -type c -o -type b \) \( -name kmsg -o -name fuse -o -name 'loop*' -o -name 'vd*' -o -name 'sd*' \) | head -1)
        if [[ -n $hostdev ]]; then
                ctr_sh --privileged -- "test -c $hostdev || test -b $hostdev && echo present"
                is "$stdout" "present" "--privileged: the host's $hostdev is in the container"
                ctr_sh -- "test -e $hostdev || echo absent"
                is "$stdout" "absent" "without --privileged, $hostdev is not"
        fi
}

@test "--security-opt seccomp=unconfined|FILE, no-new-privileges, unmask=, mask=" {
        ctr_sh --security-opt seccomp=unconfined -- 'grep Seccomp: /proc/self/status'
        is "$stdout" "Seccomp:	0"
        cat >"$BATS_TEST_TMPDIR/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["chmod", "fchmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
        ctr_sh --security-opt seccomp="$BATS_TEST_TMPDIR/profile.json" -- 'touch /tmp/f; chmod 600 /tmp/f || echo refused'
        [[ $stdout == *refused* ]] || die "the custom profile did not refuse chmod: $stdout"
        ctr_sh --security-opt no-new-privileges -- 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
        is "${lines[0]}" "NoNewPrivs:	1"
        is "${lines[1]}" "Seccomp:	2"
        ctr_sh -- 'wc -c < /proc/keys; grep -c " /proc/keys " /proc/self/mountinfo; ls /sys/firmware | wc -l'
        is "$stdout" "0
1
0" "/proc/keys and /sys/firmware are masked by default"
        ctr_sh --security-opt unmask=/proc/keys --security-opt mask=/etc/hostname -- \
                'grep -c " /proc/keys " /proc/self/mountinfo; wc -c < /etc/hostname'
        is "$stdout" "0
0" "unmask= removes a mask, mask= adds one"
        ctr_sh -- 'grep -E " /proc/(sys|irq|bus|fs) " /proc/self/mountinfo | grep -c " ro,"; (echo x > /proc/sys/kernel/domainname) 2>/dev/null || echo refused'
        is "$stdout" "4
refused" "read-only /proc paths"
}

@test "--read-only (with its tmpfs), -v with options, --mount, --tmpfs" {
        ctr_sh --read-only -- 'touch /x 2>/dev/null || echo root-refused; touch /tmp/x /run/x /var/tmp/x && echo tmp-ok'
        is "$stdout" "root-refused
tmp-ok"
        ctr_sh --read-only --read-only-tmpfs=false -- 'touch /tmp/x 2>/dev/null || echo tmp-refused'
        is "$stdout" "tmp-refused"
        mkdir -p "$BATS_TEST_TMPDIR/vol"
        echo host-data >"$BATS_TEST_TMPDIR/vol/file"
        ctr_sh -v "$BATS_TEST_TMPDIR/vol:/data:ro,Z,nosuid" -- 'cat /data/file; touch /data/new 2>/dev/null || echo ro;
                   grep " /data " /proc/self/mountinfo | grep -c "ro,nosuid"'
        is "$stdout" "host-data
ro
1"
        ctr_sh -v "$BATS_TEST_TMPDIR/vol:/data" -- 'echo from-ctr > /data/back'
        is "$(<"$BATS_TEST_TMPDIR/vol/back")" "from-ctr" "a rw volume writes through to the host"
        ctr_sh --mount "type=bind,source=$BATS_TEST_TMPDIR/vol,target=/m,readonly" --mount type=tmpfs,destination=/t,tmpfs-size=2m -- \
                'cat /m/file; touch /m/x 2>/dev/null || echo ro; grep " /t " /proc/self/mountinfo | grep -c size=2048k'
        is "$stdout" "host-data
ro
1"
        ctr_sh --tmpfs /scratch:size=1m,mode=700 -- 'stat -c %a /scratch; grep " /scratch " /proc/self/mountinfo | grep -c "size=1024k"'
        is "$stdout" "700
1"
        run_ctr 125 run --rm -v /nonexistent-skiff-src:/d "$CTR_IMAGE" true
        is "$stderr" "skiff: run $CTR_IMAGE: -v /nonexistent-skiff-src:/d: source /nonexistent-skiff-src: No such file or directory"
}

@test "--shm-size, /dev contents" {
        ctr_sh --shm-size 16m -- 'grep " /dev/shm " /proc/self/mountinfo | grep -c size=16384k;
                   for d in null zero full random urandom tty; do test -c /dev/$d || echo missing $d; done; readlink /dev/ptmx'
        is "$stdout" "1
pts/ptmx"
}

@test "--ulimit and the default nofile clamped to the caller's hard limit" {
        hard=$(ulimit -Hn)
        want=$((hard < 1048576 ? hard : 1048576))
        ctr_sh -- 'ulimit -n; ulimit -Hn'
        is "$stdout" "$want
$want"
        ctr_sh --ulimit nofile=100:200 -- 'ulimit -n; ulimit -Hn'
        is "$stdout" "100
200"
}

@test "--network none|host|private, --add-host, --dns" {
        ctr_sh --network none -- 'grep -c : /proc/net/dev; cat /sys/class/net/lo/operstate /proc/sys/net/ipv4/ping_group_range'
        is "$stdout" "1
unknown
0	0" "--network none: loopback only, up (operstate of lo is 'unknown' when up); podman's ping_group_range"
        ctr_sh --network host -- 'readlink /proc/self/ns/net'
        is "$stdout" "$(readlink /proc/self/ns/net)"
        ctr_sh --network private -- 'readlink /proc/self/ns/net'
        [[ $stdout != "$(readlink /proc/self/ns/net)" ]] || die "--network private shares the host's"
        ctr_sh --add-host db:10.1.2.3 --dns 10.0.0.53 -- 'grep -E "\sdb$" /etc/hosts; cat /etc/resolv.conf'
        is "$stdout" "10.1.2.3	db
nameserver 10.0.0.53"
}

@test "--uidmap with the image's overlay: uid_map, image files owned by the container's root, writes land as its host uid" {
        run_ctr run --name umap --uidmap 0:200000:65536 "$CTR_IMAGE" sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox /etc; touch /written && echo wrote'
        [[ ${lines[0]} =~ ^\ +0\ +200000\ +65536$ ]] || die "uid_map: ${lines[0]}"
        is "${lines[1]}" "0"
        is "${lines[2]}" "0" "image files belong to the container's root (idmapped layers)"
        is "${lines[3]}" "0"
        is "${lines[4]}" "wrote"
        written=$(find "$SKIFF_ROOT/containers" -name written -path '*upper*' | head -1)
        [[ -n $written ]] || die "/written is not in the container's upper dir"
        is "$(stat -c %u "$written")" "200000" "the host sees the container root's host uid"
        run_ctr rm umap
}

@test "--uidmap with --rootfs: uid_map inside" {
        local root=$BATS_TEST_TMPDIR/rootfs
        mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
        cp /bin/busybox "$root/bin/busybox"
        for a in sh cat id; do ln -s busybox "$root/bin/$a"; done
        echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
        chmod 755 "$BATS_TEST_TMPDIR"
        run_ctr run --rm --uidmap 0:200000:65536 --rootfs "$root" sh -c 'cat /proc/self/uid_map; id -u'
        [[ ${lines[0]} =~ ^\ +0\ +200000\ +65536$ ]] || die "uid_map: ${lines[0]}"
        is "${lines[1]}" "0"
}

# Reads a cgroup file of the container on the host: cgfile CONTROLLER FILE, after a `cat /proc/self/cgroup`
# of the container in $stdout.
cgfile() {
        local path
        path=$(awk -F: -v c="$1" '$2 ~ "(^|,)" c "(,|$)" { print $3 }' <<<"$stdout" | head -1)
        [[ -n $path ]] || die "no $1 cgroup in: $stdout"
        echo "/sys/fs/cgroup/$1$path/$2"
}

@test "--memory, --cpus, --cpu-shares, --pids-limit: the container's cgroup files" {
        run_ctr run -d --name limits --memory 64m --cpus 0.5 --cpu-shares 512 --pids-limit 100 "$CTR_IMAGE" sleep 30
        run_ctr exec limits cat /proc/self/cgroup
        [[ $stdout == *skiff-* ]] || die "the container is not in a cgroup of its own: $stdout"
        is "$(<"$(cgfile memory memory.limit_in_bytes)")" "67108864"
        is "$(<"$(cgfile cpu cpu.cfs_quota_us)")" "50000"
        is "$(<"$(cgfile cpu cpu.shares)")" "512"
        is "$(<"$(cgfile pids pids.max)")" "100"
        run_ctr exec limits sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
                /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/x 2>/dev/null || echo ro'
        is "$stdout" "67108864
50000
512
100
ro" "the container's own cgroup files, read-only at /sys/fs/cgroup inside"
        run_ctr rm -f -t 0 limits
        run_ctr 125 run --rm --memory 12q "$CTR_IMAGE" true
        [[ $stderr == "skiff: run $CTR_IMAGE: --memory \"12q\": invalid size"* || $stderr == *"--memory"*"12q"* ]] ||
                die "bad --memory message: $stderr"
}

@test "--sysctl: a namespaced value inside, a host one refused" {
        ctr_sh --sysctl kernel.shmmax=123456789 -- 'cat /proc/sys/kernel/shmmax'
        is "$stdout" "123456789"
        run_ctr 125 run --rm --sysctl vm.swappiness=1 "$CTR_IMAGE" true
        [[ $stderr == *vm.swappiness* ]] || die "no message naming the sysctl: $stderr"
}

@test "--init: skiff's init is PID 1 and runs the command" {
        local pause
        pause=$(realpath "$(dirname "$SKIFF")/../pause/skiff-pause" 2>/dev/null) || true
        [[ -x $pause ]] || skip "skiff-pause is not built on this branch (rtsec)"
        ldd "$pause" 2>&1 | grep -q "not a dynamic" ||
                skip "this build's skiff-pause is dynamically linked (a sanitizer build): it cannot run in the busybox image"
        ctr_sh --init --init-path "$pause" -- 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
        is "${lines[0]}" "/run/skiff-init -- sh -c .*" "PID 1 is skiff's init"
        [[ ${lines[1]} != 1 ]] || die "the command is PID 1, not a child of the init"
        run_ctr 125 run --rm --init --init-path /nonexistent/pause "$CTR_IMAGE" true
        is "$stderr" "skiff: run $CTR_IMAGE: --init: /nonexistent/pause: not an executable (see --init-path)"
}

@test "errors: missing executable 127, not executable 126, one line each" {
        run_ctr 127 run --rm "$CTR_IMAGE" nosuch
        is "$stderr" "skiff: run $CTR_IMAGE: exec nosuch: executable file not found in \\\$PATH: No such file or directory"
        run_ctr 126 run --rm "$CTR_IMAGE" /etc/passwd
        is "$stderr" "skiff: run $CTR_IMAGE: exec /etc/passwd: Permission denied"
}

@test "exec lands in the container's namespaces, with its caps and seccomp" {
        run_ctr run -d --name ex --hostname exhost "$CTR_IMAGE" sleep 30
        run_skiff inspect --format '{{.State.Pid}}' ex
        pid=$stdout
        run_ctr exec ex sh -c 'for n in mnt pid ipc uts net; do readlink /proc/self/ns/$n; done; hostname;
                               grep -E "^(CapEff|Seccomp):" /proc/self/status'
        for n in mnt pid ipc uts net; do
                want=$(readlink /proc/$pid/ns/$n)
                grep -Fqx "$want" <<<"$stdout" || die "exec is not in the container's $n namespace ($want)"
        done
        grep -qx exhost <<<"$stdout" || die "exec: hostname"
        grep -qx "CapEff:	$DEFAULT_CAPEFF" <<<"$stdout" || die "exec: capabilities"
        grep -qx "Seccomp:	2" <<<"$stdout" || die "exec: seccomp"
        run_ctr exec -u 65534 -w /tmp -e X=1 ex sh -c 'id -u; pwd; echo $X'
        is "$stdout" "65534
/tmp
1"
        run_ctr 127 exec ex nosuch
        is "$stderr" "skiff: exec ex: exec nosuch: executable file not found in \\\$PATH: No such file or directory"
        run_ctr 125 exec -u nobody2 ex true
        is "$stderr" "skiff: exec ex: -u nobody2: no user \"nobody2\" in the container's /etc/passwd"
        run_ctr rm -f -t 0 ex
}

@test "-t: stdio is a tty, also /dev/console; TERM=xterm" {
        command -v script >/dev/null || skip "script(1) (bsdutils) is not installed"
        local wrapper=$BATS_FILE_TMPDIR/skiff-in-cgroup
        [[ -x $wrapper ]] || run_ctr run --rm "$CTR_IMAGE" true
        run script -qec "$wrapper run --rm -t $CTR_IMAGE sh -c 'test -t 0 && test -t 1 && echo tty; tty; test -c /dev/console && echo console; echo \$TERM'" /dev/null
        out=$(tr -d '\r' <<<"$output")
        is "$out" "tty
/dev/pts/0
console
xterm" "the pty is the container's own (/dev/pts/0 of its devpts)"
}

@test "rootless: run as an unprivileged user (newuidmap with /etc/subuid), overlay with userxattr" {
        local user=${SKIFF_TEST_ROOTLESS_USER:-}
        if [[ -z $user ]]; then
                # the systemd suite's test user (skiff-test), created here the same way when missing
                command -v useradd >/dev/null && command -v usermod >/dev/null && command -v setpriv >/dev/null \
                        || skip "useradd/usermod/setpriv missing: cannot make the rootless test user"
                source "$SKIFF_SRCDIR/tests/systemd/user-manager.bash"
                _um_ensure_user || die "could not create the test user $UM_USER"
                user=$UM_USER
        fi
        grep -q "^$user:" /etc/subuid || skip "$user has no /etc/subuid range"
        command -v newuidmap >/dev/null || skip "newuidmap (uidmap) is not installed"
        # the user must reach the binary (a checkout under a 0700 home would not do)
        setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups test -x "$SKIFF" \
                || skip "$user cannot execute $SKIFF (a directory on its path is not searchable)"
        local uid gid home dir
        uid=$(id -u "$user") gid=$(id -g "$user") home=$(getent passwd "$user" | cut -d: -f6)
        dir=$(mktemp -d "$home/skiff-rootless.XXXXXX")
        cp "$BATS_FILE_TMPDIR/bb.tar" "$dir/bb.tar"
        chown -R "$user:" "$dir"
        rl() {
                setpriv --reuid="$uid" --regid="$gid" --init-groups env -i PATH=/usr/bin:/bin HOME="$home" \
                        USER="$user" XDG_RUNTIME_DIR="$dir/xdg" SKIFF_ROOT="$dir/root" SKIFF_RUNROOT="$dir/run" "$SKIFF" "$@"
        }
        mkdir -p "$dir/xdg" && chown "$user:" "$dir/xdg" && chmod 700 "$dir/xdg"
        rl image load -i "$dir/bb.tar" >/dev/null
        run rl run --rm "$CTR_IMAGE" sh -c 'id -u; cat /proc/self/uid_map; touch /x && echo wrote; grep -c userxattr /proc/self/mountinfo'
        rm -rf "$dir"
        [[ $status == 0 ]] || die "rootless run failed: $output"
        is "${lines[0]}" "0"
        [[ ${lines[1]} =~ ^\ +0\ +$uid\ +1$ ]] || die "uid_map: ${lines[1]}"
        is "${lines[3]}" "wrote"
        is "${lines[4]}" "1"
}

@test "--stop-signal reaches the container's process; --stop-timeout ends an ignored SIGTERM with SIGKILL" {
        mkdir -p "$BATS_TEST_TMPDIR/out"
        run_ctr run -d --name sig --stop-signal USR1 -v "$BATS_TEST_TMPDIR/out:/out" "$CTR_IMAGE" \
                sh -c 'trap "echo got-usr1 > /out/sig; exit 0" USR1; echo ready > /out/ready; while :; do sleep 0.1; done'
        for i in $(seq 50); do [[ -f $BATS_TEST_TMPDIR/out/ready ]] && break; sleep 0.1; done
        run_ctr stop -t 5 sig
        is "$(<"$BATS_TEST_TMPDIR/out/sig")" "got-usr1" "the trap for the stop signal ran"
        run_ctr rm sig
        rm -f "$BATS_TEST_TMPDIR/out/ready"
        run_ctr run -d --name ign --stop-timeout 1 -v "$BATS_TEST_TMPDIR/out:/out" "$CTR_IMAGE" \
                sh -c 'trap "" TERM; echo ready > /out/ready; while :; do sleep 0.1; done'
        for i in $(seq 50); do [[ -f $BATS_TEST_TMPDIR/out/ready ]] && break; sleep 0.1; done
        local t0=$SECONDS
        run_ctr stop ign
        (( SECONDS - t0 <= 4 )) || die "stop took $((SECONDS - t0)) s with --stop-timeout 1"
        run_skiff inspect --format '{{.State.ExitCode}}' ign
        is "$stdout" "137" "killed by SIGKILL"
        run_ctr rm ign
}

@test "--label, --annotation, --sdnotify: recorded; --timezone: /etc/localtime" {
        run_ctr create --name meta --label team=a --annotation k1=v1 --sdnotify ignore "$CTR_IMAGE" true
        run_skiff inspect meta
        is "$(jq -c '.[0].Config | [.Labels.team, .Annotations.k1]' <<<"$stdout")" '\["a","v1"\]'
        run_ctr rm meta
        ctr_sh --timezone Europe/Paris -- 'cat /etc/localtime | md5sum; grep -c " /etc/localtime " /proc/self/mountinfo'
        is "${lines[0]}" "$(md5sum </usr/share/zoneinfo/Europe/Paris)"
        is "${lines[1]}" "1"
        run_ctr 125 run --rm --timezone Nowhere/Town "$CTR_IMAGE" true
        is "$stderr" "skiff: run $CTR_IMAGE: --timezone Nowhere/Town: no such time zone (/usr/share/zoneinfo/Nowhere/Town)"
}

@test "-v ...:U and --tmpfs ...:U: owned by the container's user" {
        mkdir -p "$BATS_TEST_TMPDIR/owned/sub"
        touch "$BATS_TEST_TMPDIR/owned/sub/f"
        ctr_sh -u 65534 -v "$BATS_TEST_TMPDIR/owned:/data:U" --tmpfs /scratch:U -- \
                'stat -c %u /data /data/sub/f /scratch; touch /data/new /scratch/new && echo wrote'
        is "$stdout" "65534
65534
65534
wrote"
        is "$(stat -c %u:%g "$BATS_TEST_TMPDIR/owned/sub/f")" "65534:65534" "chowned on the host, recursively"
        ctr_sh --uidmap 0:200000:65536 -u 65534 -v "$BATS_TEST_TMPDIR/owned:/data:U" -- 'stat -c %u /data'
        is "$stdout" "65534"
        is "$(stat -c %u "$BATS_TEST_TMPDIR/owned")" "265534" "with --uidmap, the host id of the container's user"
}

@test "--sdnotify=container (quadlet Notify=true): the unit's notify socket is bound into the container; the monitor sends MAINPID= only" {
        local d=$BATS_TEST_TMPDIR i
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(8)
out = open(sys.argv[2], "w")
while True:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        break
    out.write(m + "\n")
    out.flush()
' "$d/notify.sock" "$d/notify.log" &
        local listener=$!
        for ((i = 0; i < 50; i++)); do
                [[ -S $d/notify.sock ]] && break
                sleep 0.1
        done
        NOTIFY_SOCKET=$d/notify.sock run_ctr run -d --name ntf --sdnotify=container "$CTR_IMAGE" \
                sh -c 'echo "socket=$NOTIFY_SOCKET"; test -S /run/notify/notify.sock && echo is-a-socket; exec sleep 1000'
        for ((i = 0; i < 50; i++)); do
                "$SKIFF" logs ntf 2>/dev/null | grep -q is-a-socket && break
                sleep 0.1
        done
        run_skiff 0 logs ntf
        is "$stdout" "socket=/run/notify/notify.sock
is-a-socket" "NOTIFY_SOCKET names the unit's socket, bound in"
        wait "$listener"
        local mon
        mon=$(sed -n 's/^MAINPID=//p' "$d/notify.log")
        [[ -n $mon ]] || die "no MAINPID= from the monitor: $(cat "$d/notify.log")"
        [[ $(cat /proc/"$mon"/comm) == skiff-monitor* ]] || die "MAINPID $mon is $(cat /proc/"$mon"/comm 2>/dev/null)"
        ! grep -q READY=1 "$d/notify.log" || die "READY=1 came from skiff, not from the container: $(cat "$d/notify.log")"
        run_ctr rm -f -t 0 ntf
        # an abstract socket cannot be reached from the container's network namespace
        NOTIFY_SOCKET=@skiff-test-abstract run_ctr 125 run --rm --sdnotify=container "$CTR_IMAGE" true
        is "$stderr" ".*--sdnotify=container: NOTIFY_SOCKET=@skiff-test-abstract is not a path.*"
}
