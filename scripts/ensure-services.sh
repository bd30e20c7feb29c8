#!/usr/bin/env bash
# Makes sure the servers and tools the tests talk to are there: PostgreSQL and NATS with
# JetStream on their standard loopback ports, ffmpeg and Chromium. Starts what is installed but
# stopped; as root, installs what is missing from Debian's packages; otherwise says what
# to do and fails.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*"; }
is_root() { [ "$(id -u)" = "0" ]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=""
apt_install() {
	if ! is_root; then
		log "missing: $*. Install it (Debian: apt-get install $*) or run this script as root."
		exit 1
	fi
	if [ -z "$apt_updated" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		apt_updated=1
	fi
	log "installing $* from Debian's packages"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for_port() {
	for _ in $(seq 1 60); do
		port_open "$1" && return 0
		sleep 0.5
	done
	log "nothing answers on 127.0.0.1:$1 after 30 s"
	exit 1
}

ensure_postgres() {
	if port_open 5432; then return; fi
	if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
		apt_install postgresql
		local version
		version=$(ls /etc/postgresql | sort -n | tail -1)
		# A test machine's own server: trust loopback connections, as the tests expect.
		sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "/etc/postgresql/$version/main/pg_hba.conf"
	fi
	local version
	version=$(ls /etc/postgresql | sort -n | tail -1)
	log "starting PostgreSQL $version"
	pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
	wait_for_port 5432
}

ensure_nats() {
	if port_open 4222; then return; fi
	command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || apt_install nats-server
	local binary store
	binary=$(command -v nats-server || echo /usr/sbin/nats-server)
	store="${NATS_STORE_DIR:-/tmp/etude-nats}"
	mkdir -p "$store"
	log "starting NATS with JetStream"
	nohup "$binary" -a 127.0.0.1 -p 4222 -js -sd "$store" >"$store/nats.log" 2>&1 &
	wait_for_port 4222
}

ensure_ffmpeg() {
	command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || apt_install ffmpeg
}

# The app's end-to-end tests drive Debian's Chromium (browser downloads are not possible here).
ensure_chromium() {
	[ -x /usr/bin/chromium ] || apt_install chromium
}

ensure_postgres
ensure_nats
ensure_ffmpeg
ensure_chromium
log "PostgreSQL, NATS, ffmpeg and Chromium are ready"
