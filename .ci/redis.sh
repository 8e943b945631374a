#!/usr/bin/env bash
# Makes sure a Redis answers on REDIS_HOST:REDIS_PORT (127.0.0.1:6379 by
# default): uses the one running, else starts redis-server, installing it
# with apt-get when it is missing. The integration tests need a real server.
set -euo pipefail
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6379}

ping() {
	# Speak RESP over bash's /dev/tcp, so no redis-cli is needed.
	exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
	printf 'PING\r\n' >&3
	local reply
	IFS= read -r -t 2 reply <&3 || { exec 3>&-; return 1; }
	exec 3>&-
	[[ $reply == +PONG* ]]
}

if ping; then
	echo "redis: answering on $host:$port"
	exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
	echo "redis: not installed; installing redis-server with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq redis-server >/dev/null
fi
echo "redis: starting redis-server on $host:$port"
dir=$(mktemp -d)
redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no \
	--dir "$dir" --logfile "$dir/redis.log"
for _ in $(seq 1 50); do
	if ping; then
		echo "redis: answering on $host:$port"
		exit 0
	fi
	sleep 0.2
done
echo "redis: redis-server did not answer on $host:$port; see $dir/redis.log" >&2
exit 1
