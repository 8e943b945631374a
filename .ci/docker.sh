#!/usr/bin/env bash
# Makes sure a Docker daemon answers: uses the one running, else starts
# dockerd, installing Debian's docker.io with apt-get when it is missing.
# No registry is reachable here, so images build FROM scratch and run with
# --network host; the daemon is started without bridge networking or
# iptables, which those need none of.
#
# When this script starts dockerd it prints "docker: started dockerd pid=N"
# and writes N to $DOCKERD_PIDFILE, so whoever asked can stop it again.
set -euo pipefail
pidfile=${DOCKERD_PIDFILE:-/tmp/journeybot-dockerd.pid}

answers() { docker info >/dev/null 2>&1; }

if answers; then
	echo "docker: answering"
	exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
	echo "docker: dockerd not installed; installing docker.io with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq docker.io >/dev/null
fi
if ! command -v docker >/dev/null 2>&1; then
	echo "docker: no docker command after installing docker.io" >&2
	exit 1
fi
log=$(mktemp -t dockerd.XXXXXX.log)
echo "docker: starting dockerd (log $log)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo dockerd --iptables=false --ip6tables=false --bridge=none >"$log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"
for _ in $(seq 1 150); do
	if answers; then
		echo "docker: started dockerd pid=$pid"
		exit 0
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		break
	fi
	sleep 0.2
done
echo "docker: dockerd did not answer; its log:" >&2
tail -n 30 "$log" >&2
exit 1
