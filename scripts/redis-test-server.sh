#!/usr/bin/env bash
# redis-test-server.sh: a throwaway Redis for the tests.
#
#   scripts/redis-test-server.sh start DIR   start redis-server on 127.0.0.1 at a free port,
#                                            no persistence, its files in DIR; print its URL
#                                            (also in DIR/url)
#   scripts/redis-test-server.sh stop DIR    stop it; fine when not running
#
# Uses Debian's redis-server binary directly, never systemd, so it works in containers
# and CI where no service runs. It is for tests only.
set -euo pipefail

FIRST_PORT=${REDIS_TEST_FIRST_PORT:-56379}
PORT_TRIES=100

die() { echo "redis-test-server: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
cmd=$1
dir=$2

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case $cmd in
start)
    command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
    mkdir -p "$dir"
    port=$FIRST_PORT
    for ((i = 0; i < PORT_TRIES; i++)); do
        port_free "$port" && break
        port=$((port + 1))
    done
    port_free "$port" || die "no free port from $FIRST_PORT"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$dir/redis.log" >&2; die "redis-server did not start"; }
    echo "redis://127.0.0.1:$port/0" | tee "$dir/url"
    ;;
stop)
    if [ -f "$dir/redis.pid" ]; then
        pid=$(cat "$dir/redis.pid")
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        rm -f "$dir/redis.pid"
    fi
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
