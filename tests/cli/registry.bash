# SPDX-License-Identifier: Apache-2.0
# -*- bash -*-
#
# Helpers for tests that pull from a real registry: Debian's docker-registry (distribution 2.8) on
# 127.0.0.1, optionally behind tests/cli/registry-proxy.py (Bearer tokens, injected faults, throttling),
# and images built from busybox-static with tests/cli/make-oci-image.py and pushed with skopeo.
# Load with `load registry` after `load helpers`. Ports come from 5100–5199 (this project's range).

REGISTRY_PY=${REGISTRY_PY:-/usr/bin/python3}
REGISTRY_HELPERS=${SKIFF_SRCDIR:-$(dirname "$BATS_TEST_FILENAME")/../..}/tests/cli

# Skips the test when a tool it needs is missing (never a silent pass).
registry_require_tools() {
        local t
        for t in docker-registry skopeo curl "$REGISTRY_PY"; do
                command -v "$t" >/dev/null || skip "$t is not installed (scripts/packages.txt)"
        done
        [[ -x /bin/busybox ]] || skip "busybox-static is not installed"
}

# Prints a TCP port in 5100–5199 that nothing listens on. Another test may take it before we bind:
# the callers retry.
registry_free_port() {
        "$REGISTRY_PY" - <<'EOF'
import random, socket
ports = list(range(5100, 5200))
random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

# Remembers a PID to kill in registry_stop_all (file scope: setup_file; test scope: $1=test).
_registry_track() {
        echo "$1" >>"${2:-$BATS_FILE_TMPDIR}/.registry-pids"
}

# Waits until http://127.0.0.1:PORT/v2/ answers (any HTTP status), up to 10 s.
_registry_wait() {
        local port=$1 pid=$2 i
        for ((i = 0; i < 100; i++)); do
                if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/v2/"; then
                        return 0
                fi
                kill -0 "$pid" 2>/dev/null || return 1
                sleep 0.1
        done
        return 1
}

# registry_start DIR [HTPASSWD_FILE]: runs docker-registry with its data in DIR; prints the port.
registry_start() {
        local dir=$1 htpasswd=${2:-} port pid try auth=""
        mkdir -p "$dir/data"
        if [[ -n $htpasswd ]]; then
                auth="auth: {htpasswd: {realm: skiff-test, path: $htpasswd}}"
        fi
        for try in 1 2 3 4 5; do
                port=$(registry_free_port)
                cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
$auth
EOF
                docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null 3>&- &
                pid=$!
                _registry_track "$pid" "${REGISTRY_PID_DIR:-}"
                if _registry_wait "$port" "$pid"; then
                        echo "$port"
                        return 0
                fi
                kill "$pid" 2>/dev/null || true
        done
        echo "docker-registry did not start: $(cat "$dir/registry.log")" >&2
        return 1
}

# registry_proxy_start UPSTREAM_PORT LOGFILE [proxy options...]: prints the proxy's port.
registry_proxy_start() {
        local upstream=$1 logf=$2 port pid try
        shift 2
        for try in 1 2 3 4 5; do
                port=$(registry_free_port)
                "$REGISTRY_PY" "$REGISTRY_HELPERS/registry-proxy.py" --port "$port" \
                        --upstream "127.0.0.1:$upstream" --log "$logf" "$@" \
                        >"$logf.out" 2>&1 </dev/null 3>&- &
                pid=$!
                _registry_track "$pid" "${REGISTRY_PID_DIR:-}"
                if _registry_wait "$port" "$pid"; then
                        echo "$port"
                        return 0
                fi
                kill "$pid" 2>/dev/null || true
        done
        echo "registry-proxy did not start: $(cat "$logf.out")" >&2
        return 1
}

# Kills every registry and proxy started with the PID file in DIR (default: the file's).
registry_stop_all() {
        local f=${1:-$BATS_FILE_TMPDIR}/.registry-pids pid
        [[ -f $f ]] || return 0
        while read -r pid; do
                kill "$pid" 2>/dev/null || true
        done <"$f"
        while read -r pid; do
                while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        done <"$f"
        rm -f "$f"
}

# image_build LAYOUT TAG [make-oci-image.py options]: adds an image to an OCI layout; prints the digest
# of what index.json names (a manifest, or an index with several --platform).
image_build() {
        "$REGISTRY_PY" "$REGISTRY_HELPERS/make-oci-image.py" "$@"
}

# image_push LAYOUT TAG PORT NAME[:TAG]: pushes (with --all, so an index stays a manifest list).
image_push() {
        skopeo copy -q --all --dest-tls-verify=false "oci:$1:$2" "docker://127.0.0.1:$3/$4" >/dev/null
}

# registry_manifest PORT NAME REF: prints the manifest (as the registry serves it to skiff).
registry_manifest() {
        curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json" \
                "http://127.0.0.1:$1/v2/$2/manifests/$3"
}

# registry_digest PORT NAME REF: the manifest digest (Docker-Content-Digest) of NAME:REF.
registry_digest() {
        registry_manifest "$@" | sha256sum | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
}

# registry_image_id PORT NAME REF [ARCH]: the config digest's hex (the image id) of NAME:REF, for ARCH
# when REF is a manifest list.
registry_image_id() {
        local port=$1 name=$2 ref=$3 arch=${4:-amd64} m
        m=$(registry_manifest "$port" "$name" "$ref")
        if [[ $m == *'"manifests"'* ]]; then
                ref=$(echo "$m" | "$REGISTRY_PY" -c "import json,sys; d=json.load(sys.stdin); print([x['digest'] for x in d['manifests'] if x['platform']['architecture']=='$arch'][0])")
                m=$(registry_manifest "$port" "$name" "$ref")
        fi
        echo "$m" | "$REGISTRY_PY" -c "import json,sys; print(json.load(sys.stdin)['config']['digest'].split(':')[1])"
}

# The digests of a manifest's layers, one per line.
registry_layer_digests() {
        registry_manifest "$@" | "$REGISTRY_PY" -c "import json,sys; [print(l['digest']) for l in json.load(sys.stdin)['layers']]"
}

# Stored blobs (as sha256:HEX lines, sorted) of the store at $1.
store_blobs() {
        local f
        for f in "$1"/blobs/sha256/*; do
                [[ -f $f ]] && echo "sha256:${f##*/}"
        done | sort
}

# Staging leftovers (temporary files or dirs) in the store at $1.
store_tmp_entries() {
        if [[ -d $1/tmp ]]; then
                find "$1/tmp" -mindepth 1 -maxdepth 1 | sort
        fi
}

# Writes a registries.conf at $1 with the given body.
registries_conf() {
        local f=$1
        shift
        printf '%s\n' "$@" >"$f"
}
