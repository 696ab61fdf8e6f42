#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff kube generate (issue 7 part 3), as root with real pods:
#   - golden: the YAML generated for the pods of tests/data/kube-generate/*.yaml (and one `skiff run`
#     container) is compared byte for byte with the .expected files: the output holds no ids or times;
#   - round trip: every file of examples/ is played, generated, taken down, and the generated YAML played
#     again: `pod inspect` (minus ids, times and file names: pod-inspect-filter.py) must be the same, and
#     generating again must give the same bytes;
#   - schema: the generated YAML passes Kubernetes' OpenAPI schemas (npm's kubernetes-models, installed
#     by the test into a cache dir; skipped when the npm registry cannot be reached), and the same check
#     rejects a broken Pod.

load helpers
load container-helpers

DATA=$SKIFF_SRCDIR/tests/data/kube-generate
FILTER=$SKIFF_SRCDIR/tests/cli/pod-inspect-filter.py
NPM_DIR=${SKIFF_TEST_NPM_DIR:-/var/cache/skiff-test/npm}

setup_file() {
        container_setup_file
        local pause=${SKIFF_PAUSE:-$(dirname "$SKIFF")/../pause/skiff-pause}
        if readelf -l "$pause" 2>/dev/null | grep -q 'program interpreter'; then
                echo "skiff-pause ($pause) is dynamically linked (a sanitizer build?): set SKIFF_PAUSE to a static one" \
                        >"$BATS_FILE_TMPDIR/no-pause"
        fi
        # The examples name localhost/busybox:latest and run httpd and wget: the busybox image plus a
        # layer with those two applets.
        python3 - "$BATS_FILE_TMPDIR/applets.tar" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for a in ("httpd", "wget"):
        i = tarfile.TarInfo("bin/" + a)
        i.type, i.linkname, i.mode = tarfile.SYMTYPE, "busybox", 0o777
        t.addfile(i)
EOF
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$BATS_FILE_TMPDIR/ex.tar" \
                --name localhost/busybox:latest --cmd '["sh"]' --raw-layer "$BATS_FILE_TMPDIR/applets.tar" >/dev/null
        "$SKIFF" image load -i "$BATS_FILE_TMPDIR/ex.tar" >/dev/null
        export SKIFF_TEST_BACKOFF_MS=200
        : >"$BATS_FILE_TMPDIR/played"
}

teardown_file() {
        if [[ -n ${SKIFF_ROOT:-} && -f $BATS_FILE_TMPDIR/played ]]; then
                local f
                while read -r f; do
                        kill_supervisors "$f"
                        "$SKIFF" kube down --force "$f" >/dev/null 2>&1 || true
                done <"$BATS_FILE_TMPDIR/played"
        fi
        container_teardown_file
}

setup() {
        [[ -n ${SKIFF_ROOT:-} ]] || skip "kube generate tests need root (real pods)"
        require_spawn
        if [[ -f $BATS_FILE_TMPDIR/no-pause ]]; then
                skip "$(<"$BATS_FILE_TMPDIR/no-pause")"
        fi
}

# play FILE: kube play in this file's cgroups, remembered for teardown_file (--replace: what an earlier
# failed test left does not fail this one)
play() {
        echo "$1" >>"$BATS_FILE_TMPDIR/played"
        run_ctr 0 kube play --replace "$1"
}

# down FILE: kube down, fast. The examples' `sh -c` and `sleep` run as PID 1 of their containers and
# ignore SIGTERM, so a graceful stop waits out each pod's 30 s grace period (and `skiff pod stop -t`
# does not shorten it yet): the pods' supervisors are SIGKILLed first, and kube down then removes what
# a killed supervisor left, as it does after a crash.
kill_supervisors() {
        local pod pid i
        while read -r pod; do
                pid=$("$SKIFF" pod inspect "$pod" 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["state"].get("supervisorPid") or 0)' 2>/dev/null) || pid=0
                if ((pid > 0)) && grep -qE "/$CTR_CGROUP(/|\$)" "/proc/$pid/cgroup" 2>/dev/null; then
                        kill -KILL "$pid" 2>/dev/null || true
                        # gone, or a zombie (PID 1 here does not reap)
                        for ((i = 0; i < 50; i++)); do
                                [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) =~ ^(Z|)$ ]] && break
                                sleep 0.1
                        done
                fi
        done < <(pods_of "$1")
}

down() {
        kill_supervisors "$1"
        run_ctr 0 kube down "$1"
}

# pods_of FILE: the names of the pods FILE runs, one per line
pods_of() {
        "$SKIFF" kube play --dry-run --format json "$1" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["pods"]:
    print(p["name"])'
}

# gen_args FILE: the "# kube-generate-args: …" line of a golden input
gen_args() {
        sed -n 's/^# kube-generate-args: //p' "$1"
}

# pod_snapshot POD: pod inspect without what differs between two plays
pod_snapshot() {
        "$SKIFF" pod inspect "$1" | python3 "$FILTER"
}

@test "kube generate: --help, usage errors, unknown names" {
        run_skiff 0 kube generate --help
        is "$stdout" "Usage: skiff kube generate .*" "help"
        run_skiff 0 kube --help
        is "$stdout" ".*generate   Print Kubernetes YAML.*" "listed by kube --help"
        run_skiff 1 kube generate
        is "$stderr" "skiff: kube generate: name at least one pod or container. See 'skiff kube generate --help'." "no args"
        run_skiff 1 kube generate --type daemonset x
        is "$stderr" "skiff: kube generate: --type daemonset: must be pod or deployment" "bad type"
        run_skiff 1 kube generate no-such-pod
        is "$stderr" "skiff: kube generate no-such-pod: no such pod or container" "unknown name"
}

@test "kube generate: golden pods give the expected YAML, byte for byte" {
        local f name pods args
        for f in "$DATA"/*.yaml; do
                name=$(basename "$f" .yaml)
                play "$f"
                mapfile -t pods < <(pods_of "$f")
                read -ra args <<<"$(gen_args "$f")"
                run_skiff 0 kube generate "${args[@]}" "${pods[@]}"
                printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/$name.generated"
                if ! diff -u "$DATA/$name.expected" "$BATS_FILE_TMPDIR/$name.generated"; then
                        die "$name: kube generate differs from $DATA/$name.expected (see the diff above)"
                fi
                # and -f writes the same bytes, refusing to overwrite
                run_skiff 0 kube generate "${args[@]}" -f "$BATS_FILE_TMPDIR/$name.f.yaml" "${pods[@]}"
                cmp "$DATA/$name.expected" "$BATS_FILE_TMPDIR/$name.f.yaml" || die "$name: -f wrote other bytes"
                run_skiff 125 kube generate -f "$BATS_FILE_TMPDIR/$name.f.yaml" "${pods[0]}"
                is "$stderr" "skiff: kube generate: --filename $BATS_FILE_TMPDIR/$name.f.yaml: File exists" "no overwrite"
                down "$f"
        done
}

@test "kube generate: a skiff run container becomes a pod (golden)" {
        run_ctr 0 run -d --name kgen-solo -e FOO=bar -e 'DOLLAR=$(FOO)' -v kgen-vol:/data -v /etc:/host-etc:ro \
                --memory 32m --cpus 0.5 --cap-add SYS_TIME --cap-drop CHOWN -w /tmp --restart on-failure \
                --tmpfs /scratch -u 1000:1000 --label app=solo localhost/busybox:latest sleep 1000
        run_skiff 0 kube generate kgen-solo
        printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/run-container.generated"
        diff -u "$DATA/run-container.expected" "$BATS_FILE_TMPDIR/run-container.generated" \
                || die "differs from $DATA/run-container.expected (see the diff above)"
        # and it plays: the same argv, env and user in the pod's container
        cp "$BATS_FILE_TMPDIR/run-container.generated" "$BATS_FILE_TMPDIR/solo.yaml"
        run_ctr 0 rm -f -t 0 kgen-solo
        play "$BATS_FILE_TMPDIR/solo.yaml"
        run_skiff 0 pod inspect kgen-solo-pod
        python3 - "$stdout" <<'EOF' || die "the replayed container is not the same"
import json, sys
c = json.loads(sys.argv[1])[0]["plan"]["containers"][0]
assert c["argv"] == {"rule": "image-entrypoint+args", "args": ["sleep", "1000"]}, c["argv"]
env = {e["name"]: e["value"] for e in c["env"]}
assert env == {"FOO": "bar", "DOLLAR": "$(FOO)"}, env
assert c["security"]["runAsUser"] == 1000 and c["security"]["capAdd"] == ["CAP_SYS_TIME"], c["security"]
assert c["security"]["capDrop"] == ["CAP_CHOWN"], c["security"]
assert c["resources"] == {"memoryLimitBytes": 33554432, "cpuLimitMillicores": 500}, c["resources"]
EOF
        down "$BATS_FILE_TMPDIR/solo.yaml"
}

@test "kube generate: a pod made by pod create, with a container joined by run --pod (golden)" {
        run_ctr 0 pod create --name kgen-made --label team=a --add-host db:10.9.8.7 --hostname made-host
        run_ctr 0 pod start kgen-made
        run_ctr 0 run -d --pod kgen-made --name kgen-made-web -e MODE=x localhost/busybox:latest sleep 1000
        run_skiff 0 kube generate kgen-made
        printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/pod-create.generated"
        diff -u "$DATA/pod-create.expected" "$BATS_FILE_TMPDIR/pod-create.generated" \
                || die "differs from $DATA/pod-create.expected (see the diff above)"
        # the joined container is named through its pod, not on its own
        run_skiff 1 kube generate kgen-made-web
        is "$stderr" "skiff: kube generate: container kgen-made-web: belongs to pod [0-9a-f]{12}: generate the pod instead"
        run_ctr 0 rm -f -t 0 kgen-made-web
        run_ctr 0 pod rm -f kgen-made
}

@test "kube generate: round trip of every example (play, generate, down, play the generated YAML)" {
        local f pod kind type n=0
        for f in "$SKIFF_SRCDIR"/examples/*.yaml; do
                play "$f"
                local pods=() gens=()
                mapfile -t pods < <(pods_of "$f")
                for pod in "${pods[@]}"; do
                        pod_snapshot "$pod" >"$BATS_FILE_TMPDIR/$pod.before"
                        kind=$("$SKIFF" pod inspect "$pod" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["kind"])')
                        type=pod
                        [[ $kind == Deployment ]] && type=deployment
                        run_skiff 0 kube generate --type "$type" "$pod"
                        printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/$pod.gen.yaml"
                        gens+=("$BATS_FILE_TMPDIR/$pod.gen.yaml")
                done
                down "$f"
                for pod in "${pods[@]}"; do
                        run_skiff '?' pod inspect "$pod"
                        is "$stderr" "skiff: pod inspect $pod: no such pod" "kube down removed $pod"
                done
                for pod in "${pods[@]}"; do
                        play "$BATS_FILE_TMPDIR/$pod.gen.yaml"
                        pod_snapshot "$pod" >"$BATS_FILE_TMPDIR/$pod.after"
                        if ! diff -u "$BATS_FILE_TMPDIR/$pod.before" "$BATS_FILE_TMPDIR/$pod.after"; then
                                die "$f: pod $pod played from the generated YAML differs (see the diff above)"
                        fi
                        # a fixpoint: the replayed pod generates the same bytes
                        run_skiff 0 kube generate --type "$type" "$pod"
                        [[ "$stdout"$'\n' == "$(<"$BATS_FILE_TMPDIR/$pod.gen.yaml")"$'\n' ]] \
                                || die "$f: generating pod $pod again gave other YAML"
                        n=$((n + 1))
                done
                for g in "${gens[@]}"; do
                        down "$g"
                done
        done
        ((n >= 4)) || die "only $n pods went round"
}

# The validator: kubernetes-models (its classes check objects against ajv validators compiled from
# Kubernetes' OpenAPI schemas) and js-yaml from the npm registry, installed once into $NPM_DIR.
k8s_validator() {
        command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are not installed"
        local want=5.1.0
        mkdir -p "$NPM_DIR"
        (
                flock 9
                if [[ $(node -p "require('$NPM_DIR/node_modules/kubernetes-models/package.json').version" 2>/dev/null) != "$want" ]]; then
                        if ! timeout 60 npm ping >"$BATS_FILE_TMPDIR/npm-ping.log" 2>&1; then
                                exit 3
                        fi
                        timeout 300 npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error \
                                "kubernetes-models@$want" js-yaml@4 >&2 || exit 4
                fi
        ) 9>"$NPM_DIR/.lock"
        case $? in
        0) ;;
        3) skip "the npm registry cannot be reached: $(tail -1 "$BATS_FILE_TMPDIR/npm-ping.log")" ;;
        *) die "npm install of kubernetes-models into $NPM_DIR failed" ;;
        esac
}

validate() {
        run env K8S_NODE_MODULES="$NPM_DIR/node_modules" node "$SKIFF_SRCDIR/tests/cli/k8s-validate.mjs" "$@"
        echo "$output"
}

@test "schema: the validator rejects broken objects" {
        k8s_validator
        cat >"$BATS_FILE_TMPDIR/broken.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers: 5
EOF
        validate "$BATS_FILE_TMPDIR/broken.yaml"
        ((status == 1)) || die "a Pod with containers: 5 passed validation"
        is "$output" ".*document 1 \\(Pod broken\\): data/spec/containers must be array" "why"
        cat >"$BATS_FILE_TMPDIR/broken2.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: broken2
spec:
  containers:
  - image: x
    ports:
    - containerPort: "80"
---
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports: {}
EOF
        validate "$BATS_FILE_TMPDIR/broken2.yaml"
        ((status == 1)) || die "a Pod without a container name passed validation"
        is "$output" ".*data/spec/containers/0 must have required property name.*" "missing name"
        is "$output" ".*containerPort must be integer.*" "string port"
        is "$output" ".*document 2 \\(Service s\\): data/spec/ports must be array.*" "second document checked too"
        # and a good one passes (the check is not failing everything)
        validate "$SKIFF_SRCDIR/examples/web-sidecar.yaml"
        ((status == 0)) || die "examples/web-sidecar.yaml failed the schema"
}

@test "schema: the YAML generated for every example and golden pod passes Kubernetes' schemas" {
        k8s_validator
        local f pod kind files=()
        for f in "$SKIFF_SRCDIR"/examples/*.yaml "$DATA"/*.yaml; do
                play "$f"
                while read -r pod; do
                        kind=$("$SKIFF" pod inspect "$pod" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["kind"])')
                        run_skiff 0 kube generate --service "$pod"
                        printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/schema-$pod.yaml"
                        files+=("$BATS_FILE_TMPDIR/schema-$pod.yaml")
                        if [[ $kind == Deployment ]]; then
                                run_skiff 0 kube generate --service --type deployment "$pod"
                                printf '%s\n' "$stdout" >"$BATS_FILE_TMPDIR/schema-$pod-deployment.yaml"
                                files+=("$BATS_FILE_TMPDIR/schema-$pod-deployment.yaml")
                        fi
                done < <(pods_of "$f")
                down "$f"
        done
        files+=("$DATA"/*.expected)
        validate "${files[@]}"
        ((status == 0)) || die "generated YAML failed Kubernetes' schema (see above)"
        local valid
        valid=$(grep -c 'documents valid$' <<<"$output")
        ((valid == ${#files[@]})) || die "only $valid of ${#files[@]} files reported valid"
}
