#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff kube play --dry-run: inputs (files, stdin, several files, --configmap), output formats and
# exit statuses, as a user drives them.
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers

pod_using_config() {
        cat <<'EOF2'
apiVersion: v1
kind: Pod
metadata:
  name: uses-config
spec:
  containers:
    - name: c
      image: localhost/busybox
      env:
        - name: COLOR
          valueFrom:
            configMapKeyRef:
              name: colors
              key: favourite
EOF2
}

colors_configmap() {
        cat <<'EOF2'
apiVersion: v1
kind: ConfigMap
metadata:
  name: colors
data:
  favourite: blue
EOF2
}

@test "kube play --dry-run reads standard input" {
        pod_using_config >"$BATS_TEST_TMPDIR/pod.yaml"
        colors_configmap >>"$BATS_TEST_TMPDIR/cm.yaml"
        SKIFF_STDIN=$BATS_TEST_TMPDIR/pod.yaml run_skiff 0 kube play --dry-run --configmap "$BATS_TEST_TMPDIR/cm.yaml" -
        is "$stdout" ".*pod uses-config  \(Pod at <stdin>:1\).*" "the plan names stdin as the source"
        is "$stdout" '.*COLOR="blue"  \(configMap colors key favourite\).*' "the env comes from the --configmap file"
}

@test "kube play without the ConfigMap names the dangling reference and exits 1" {
        pod_using_config >"$BATS_TEST_TMPDIR/pod.yaml"
        cd "$BATS_TEST_TMPDIR"
        run_skiff 1 kube play --dry-run pod.yaml
        is "$stderr" 'pod.yaml:13:21: spec.containers\[0\].env\[0\].valueFrom.configMapKeyRef.name: ConfigMap "colors" not found.*' \
                "error names file, line, column, field and the missing ConfigMap"
        is "$stdout" "" "no plan is printed for invalid input"
}

@test "kube play joins several files into one set" {
        pod_using_config >"$BATS_TEST_TMPDIR/pod.yaml"
        colors_configmap >"$BATS_TEST_TMPDIR/cm.yaml"
        run_skiff 0 kube play --dry-run "$BATS_TEST_TMPDIR/pod.yaml" "$BATS_TEST_TMPDIR/cm.yaml"
        is "$stdout" '.*COLOR="blue".*' "a reference into another file resolves"
}

@test "--configmap files may only hold ConfigMaps" {
        pod_using_config >"$BATS_TEST_TMPDIR/pod.yaml"
        cd "$BATS_TEST_TMPDIR"
        run_skiff 1 kube play --dry-run --configmap pod.yaml pod.yaml
        is "$stderr" ".*pod.yaml:2:7: kind: --configmap files may only hold ConfigMaps, got a Pod.*" "names the offending kind"
}

@test "an input with nothing to play is an error" {
        colors_configmap >"$BATS_TEST_TMPDIR/cm.yaml"
        run_skiff 1 kube play --dry-run "$BATS_TEST_TMPDIR/cm.yaml"
        is "$stderr" ".*no Pod, Deployment or PersistentVolumeClaim.*" "says what is missing"
        run_skiff 1 kube play --dry-run -
        is "$stderr" ".*no Pod, Deployment or PersistentVolumeClaim.*" "empty standard input too"
}

@test "kube play --format json prints the plan as JSON" {
        command -v jq >/dev/null || skip "jq is not installed"
        run_skiff 0 kube play --dry-run --format json "$SKIFF_SRCDIR/examples/deployment.yaml"
        is "$(jq -r '.pods[0].name' <<<"$stdout")" "counter-pod" "a Deployment's pod is NAME-pod"
        is "$(jq -r '.pods[0].containers[0].argv.rule' <<<"$stdout")" "image-entrypoint\+args" "args alone keep the image Entrypoint"
        is "$(jq -r '.pods[0].containers[0].security.capDrop[0]' <<<"$stdout")" "ALL" "capabilities are carried"
        is "$(jq -r '.pods[0].containers[0].security.runAsUser' <<<"$stdout")" "1000" "pod runAsUser reaches the container"
}

@test "kube play --format rejects unknown formats" {
        run_skiff 1 kube play --dry-run --format yaml "$SKIFF_SRCDIR/examples/deployment.yaml"
        is "$stderr" ".*invalid --format 'yaml'.*" "names the bad value"
}

@test "secrets are masked unless --show-secrets" {
        run_skiff 0 kube play --dry-run "$SKIFF_SRCDIR/examples/config-and-secret.yaml"
        is "$stdout" '.*DB_PASSWORD="\(secret\)".*' "masked by default"
        [[ $stdout != *s3cr3t* ]] || die "the secret value leaked into the plan"
        run_skiff 0 kube play --dry-run --show-secrets "$SKIFF_SRCDIR/examples/config-and-secret.yaml"
        is "$stdout" '.*DB_PASSWORD="s3cr3t".*' "shown with --show-secrets (base64 decoded)"
}

@test "warnings go to stderr and do not fail; --quiet hides them" {
        cat >"$BATS_TEST_TMPDIR/w.yaml" <<'EOF2'
apiVersion: v1
kind: Pod
metadata:
  name: w
spec:
  containers:
    - name: c
      image: localhost/busybox
      imagePullPolicyy: Never
EOF2
        cd "$BATS_TEST_TMPDIR"
        run_skiff 0 kube play --dry-run w.yaml
        is "$stderr" 'w.yaml:9:7: warning: spec.containers\[0\].imagePullPolicyy: unknown field, ignoring \(did you mean "imagePullPolicy"\?\)' \
                "an unknown field is a warning with a suggestion"
        run_skiff 0 kube play --dry-run --quiet w.yaml
        is "$stderr" "" "--quiet hides warnings"
}

@test "kube --help lists play and down; kube down --help" {
        run_skiff 0 kube --help
        is "$stdout" ".*  play  .*" "play is listed"
        is "$stdout" ".*  down  .*" "down is listed"
        run_skiff 0 kube down --help
        is "$stdout" "Usage: skiff kube down.*--force.*" "down has its own help"
        run_skiff 1 kube down
        is "$stderr" "skiff: kube down: no input: give one or more YAML files, or - for standard input" "no input"
}

@test "play kube is an alias of kube play" {
        run_skiff 0 play kube --dry-run "$SKIFF_SRCDIR/examples/deployment.yaml"
        is "$stdout" ".*pod counter-pod.*" "same plan"
}

@test "every example plays in dry-run without a warning" {
        local f
        for f in "$SKIFF_SRCDIR"/examples/*.yaml; do
                run_skiff 0 kube play --dry-run "$f"
                is "$stderr" "" "$f: no warnings"
        done
}
