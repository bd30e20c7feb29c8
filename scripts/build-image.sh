#!/usr/bin/env bash
# Builds the Etude image (Dockerfile) with podman, then proves it: a container of it must answer
# /api/health. See docs/deploy.md.
#
# With an image registry: NODE_IMAGE=docker.io/library/node:20-bookworm-slim scripts/build-image.sh
# Without one (this machine): the Node base is made here instead, from Debian's packages:
#   1. debootstrap --variant=minbase bookworm → a rootfs tarball, cached in ETUDE_IMAGE_CACHE;
#   2. podman import → localhost/debian:bookworm-minbase;
#   3. this machine's Node 20 (node, npm, headers) laid out as the official image has them
#      (/usr/local, user node uid 1000) → localhost/etude-node:20-bookworm-slim.
# Needs root (debootstrap), podman, and network access to Debian's mirror and the npm registry.
#
# Variables: IMAGE (default localhost/etude:latest), NODE_IMAGE, ETUDE_IMAGE_CACHE (default
# ~/.cache/etude-image), DEBIAN_MIRROR (default http://deb.debian.org/debian), SKIP_SMOKE_TEST=1,
# BUILD_CA_BUNDLE (default NODE_EXTRA_CA_CERTS).
#
# Sandboxes (this machine's VM among them) may allow neither crun's cgroup setup on a hybrid
# cgroup hierarchy nor raising rlimits: when a trivial container fails with podman's defaults,
# the script retries with runc, cgroupfs and rlimits at or below the current ones, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/etude:latest}
CACHE_DIR=${ETUDE_IMAGE_CACHE:-$HOME/.cache/etude-image}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_BASE=localhost/debian:bookworm-minbase
LOCAL_NODE_IMAGE=localhost/etude-node:20-bookworm-slim

say() { printf '\n=== %s\n' "$1"; }

podman_global=()
podman_limits=()
choose_podman_profile() {
	if podman run --rm "$1" true >/dev/null 2>&1; then return; fi
	podman_global=(--runtime runc --cgroup-manager cgroupfs)
	podman_limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
	if ! podman "${podman_global[@]}" run --rm "${podman_limits[@]}" "$1" true; then
		echo "podman cannot run a container here, neither with its defaults nor with: ${podman_global[*]} ${podman_limits[*]}" >&2
		exit 1
	fi
	echo "podman's defaults cannot start a container here; using: ${podman_global[*]} ${podman_limits[*]}"
}

build_debian_base() {
	local tarball="$CACHE_DIR/debian-bookworm-minbase.tar"
	if [ ! -f "$tarball" ]; then
		say "debootstrap bookworm (minbase) into $CACHE_DIR"
		mkdir -p "$CACHE_DIR"
		local rootfs
		rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
		debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR"
		cat >"$rootfs/etc/apt/sources.list" <<-SOURCES
			deb $DEBIAN_MIRROR bookworm main
			deb $DEBIAN_MIRROR bookworm-updates main
			deb ${DEBIAN_MIRROR%/debian}/debian-security bookworm-security main
		SOURCES
		# What the official slim images leave out: downloaded packages, package lists, docs.
		rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
		tar -C "$rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
		rm -rf "$rootfs"
	fi
	say "podman import $tarball → $DEBIAN_BASE"
	podman import --change 'CMD ["bash"]' "$tarball" "$DEBIAN_BASE" >/dev/null
}

build_node_base() {
	local context node_bin npm_dir
	node_bin=$(command -v node)
	npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
	case "$("$node_bin" --version)" in
		v20.*) ;;
		*) echo "This machine's node is $("$node_bin" --version); the image needs Node 20 LTS" >&2 && exit 1 ;;
	esac
	context=$(mktemp -d)
	trap 'rm -rf "$context"' RETURN
	cp "$node_bin" "$context/node"
	cp -r "$npm_dir" "$context/npm"
	# Node's headers, where the official image has them, for native addons built in the image.
	cp -r "$(dirname "$(dirname "$node_bin")")/include/node" "$context/include"
	cat >"$context/Containerfile" <<-CONTAINERFILE
		FROM $DEBIAN_BASE
		COPY node /usr/local/bin/node
		COPY npm /usr/local/lib/node_modules/npm
		COPY include /usr/local/include/node
		RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
			&& ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
			&& groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
			&& node --version && npm --version
		CMD ["node"]
	CONTAINERFILE
	say "Node $("$node_bin" --version) base → $LOCAL_NODE_IMAGE"
	podman "${podman_global[@]}" build "${podman_limits[@]}" --quiet -t "$LOCAL_NODE_IMAGE" "$context" >/dev/null
}

if [ -z "${NODE_IMAGE:-}" ]; then
	podman image exists "$DEBIAN_BASE" || build_debian_base
	choose_podman_profile "$DEBIAN_BASE"
	podman image exists "$LOCAL_NODE_IMAGE" || build_node_base
	NODE_IMAGE=$LOCAL_NODE_IMAGE
else
	podman pull "$NODE_IMAGE"
	choose_podman_profile "$NODE_IMAGE"
fi

say "podman build $IMAGE (on $NODE_IMAGE)"
started=$(date +%s)
# Host networking: the build's apt-get and npm ci reach Debian's mirror and the npm registry.
# A CA bundle this machine trusts (NODE_EXTRA_CA_CERTS, e.g. a TLS-inspecting proxy's) is lent to
# npm ci as a build secret, so it is in no layer of the image.
ca_secret=()
if [ -n "${BUILD_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}" ]; then ca_secret=(--secret "id=build_ca,src=${BUILD_CA_BUNDLE:-$NODE_EXTRA_CA_CERTS}"); fi
# Docker format: OCI image configs have no HEALTHCHECK.
podman "${podman_global[@]}" build "${podman_limits[@]}" "${ca_secret[@]}" --format docker --network host --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$IMAGE" .
echo "built in $(($(date +%s) - started)) s; $(podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"

if [ "${SKIP_SMOKE_TEST:-}" = 1 ]; then exit 0; fi

say "smoke test: the embedded default in a container answers /api/health"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
container=$(podman "${podman_global[@]}" run "${podman_limits[@]}" -d -p "127.0.0.1:$port:3000" -e JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" "$IMAGE")
trap 'podman "${podman_global[@]}" rm -f "$container" >/dev/null 2>&1 || true' EXIT
answered=
for _ in $(seq 1 120); do
	if body=$(curl -fsS "http://127.0.0.1:$port/api/health" 2>/dev/null); then answered=1 && break; fi
	sleep 1
done
if [ -z "$answered" ]; then
	echo "The container did not answer /api/health within 120 s:" >&2
	podman "${podman_global[@]}" logs "$container" >&2
	exit 1
fi
echo "GET /api/health: $body"
podman "${podman_global[@]}" exec "$container" node scripts/healthcheck.mjs && echo "HEALTHCHECK command: healthy"
curl -fsS -o /dev/null -w 'GET / (web app): %{http_code}\n' -H 'Accept: text/html' "http://127.0.0.1:$port/"
echo "runs as: $(podman "${podman_global[@]}" exec "$container" id)"
say "SIGTERM drains and exits 0"
stop_started=$(date +%s%N)
podman "${podman_global[@]}" stop --time 20 "$container" >/dev/null
echo "stopped in $((($(date +%s%N) - stop_started) / 1000000)) ms, exit code $(podman "${podman_global[@]}" inspect "$container" --format '{{.State.ExitCode}}')"
podman "${podman_global[@]}" logs "$container" 2>&1 | grep -o '"msg":"SIGTERM received[^"]*"'
[ "$(podman "${podman_global[@]}" inspect "$container" --format '{{.State.ExitCode}}')" = 0 ]
