#!/bin/bash
# Print the path of a runnable reference quadlet (Debian 13's podman 5), fetching it first if needed.
#
#   bench/lib/get-quadlet.sh
#
# The quadlet binary comes from a minimal debootstrapped trixie rootfs kept in a cache directory outside
# the repository (SKIFF_BENCH_CACHE, default /var/cache/skiff-bench; the rootfs is $SKIFF_BENCH_CACHE/trixie).
# The mirror is the one this machine's apt uses (SKIFF_DEBIAN_MIRROR overrides it). The first run takes
# about a minute and needs root; later runs only print the path.
#
# On these hosts (Debian 12) trixie's quadlet runs directly: it is a Go binary that needs only libc,
# and bookworm's glibc is new enough. If it ever does not, the script falls back to a wrapper that runs
# it with the rootfs's own dynamic loader and libraries, and prints the wrapper's path instead.
#
# Note: podman 5.4's quadlet wants absolute QUADLET_UNIT_DIRS; a relative one is rejected ("in not a
# valid file path") and nothing is generated.
set -euo pipefail

cache=${SKIFF_BENCH_CACHE:-/var/cache/skiff-bench}
root=${SKIFF_QUADLET_ROOTFS:-$cache/trixie}
quadlet=$root/usr/libexec/podman/quadlet

die() { echo "get-quadlet: $*" >&2; exit 1; }

mirror() {
	if [[ -n ${SKIFF_DEBIAN_MIRROR:-} ]]; then echo "$SKIFF_DEBIAN_MIRROR"; return; fi
	# deb822 (URIs: ...) and one-line (deb URI suite ...) sources; take the first Debian main archive.
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }
		     /^deb[ \t]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' |
		grep -E '/debian/?$' | grep -v -- '-security' | head -n1)
	echo "${m:-http://deb.debian.org/debian}"
}

runs() {  # does "$@" translate a trivial directory?
	local d
	d=$(mktemp -d)
	mkdir "$d/in"
	printf '[Container]\nImage=localhost/probe\n' >"$d/in/probe.container"
	local ok=1
	# podman 5's quadlet ignores relative QUADLET_UNIT_DIRS ("not a valid file path"): pass it absolute.
	QUADLET_UNIT_DIRS=$d/in "$@" -no-kmsg-log -dryrun 2>/dev/null | grep -q '^ExecStart=.*localhost/probe' || ok=0
	rm -rf "$d"
	((ok))
}

if [[ ! -x $quadlet ]]; then
	[[ $(id -u) == 0 ]] || die "$quadlet missing and debootstrap needs root"
	# One fetch at a time: a second caller waits for the first one's rootfs.
	mkdir -p "$cache"
	exec 9>>"$cache/.lock"
	flock -w 600 9 || die "waited 10 minutes for $cache/.lock"
fi
if [[ ! -x $quadlet ]]; then
	command -v debootstrap >/dev/null || die "debootstrap not installed (apt-get install debootstrap)"
	m=$(mirror)
	tmp=$root.partial
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	echo "get-quadlet: debootstrap trixie from $m into $root (about a minute)" >&2
	debootstrap --variant=minbase --include=podman trixie "$tmp" "$m" >"$tmp.log" 2>&1 ||
		die "debootstrap failed, see $tmp.log"
	rm -rf "$root"
	mv "$tmp" "$root"
	rm -f "$tmp.log"
	[[ -x $quadlet ]] || die "no $quadlet after debootstrap"
fi

if runs "$quadlet"; then
	echo "$quadlet"
	exit 0
fi

# Fallback: run it with the rootfs's loader and libraries.
wrapper=$cache/quadlet
loader=$(ls "$root"/usr/lib64/ld-linux-x86-64.so.2 "$root"/lib64/ld-linux-x86-64.so.2 2>/dev/null | head -n1)
[[ -n $loader ]] || die "$quadlet does not run here and $root has no dynamic loader"
cat >"$wrapper" <<WRAP
#!/bin/sh
exec "$loader" --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" "$quadlet" "\$@"
WRAP
chmod 755 "$wrapper"
runs "$wrapper" || die "$quadlet does not run on this host, not even through $wrapper"
echo "$wrapper"
