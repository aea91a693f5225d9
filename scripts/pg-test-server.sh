#!/usr/bin/env bash
# pg-test-server.sh: a throwaway PostgreSQL 15 cluster for the tests.
#
#   scripts/pg-test-server.sh start DIR   create the cluster in DIR (first time), start it on
#                                         127.0.0.1 at a free port, create the database
#                                         exammentor_test, print its URL (also in DIR/url)
#   scripts/pg-test-server.sh stop DIR    stop it (fast shutdown); fine when not running
#   scripts/pg-test-server.sh url DIR     print the URL of the cluster in DIR
#
# Uses Debian's binaries directly (PGBIN, default /usr/lib/postgresql/15/bin), never
# pg_ctlcluster or systemd, so it works in containers and CI where no service runs.
# The server runs as a non-root user: run as root, the script creates the system user
# `emtest` when missing and hands DIR to it (DIR's parents must let that user in).
# Authentication is trust on loopback and the unix socket in DIR; fsync is off. It is
# for tests only.
#
# Example:
#   export EM_TEST_PG_URL=$(scripts/pg-test-server.sh start /tmp/empg)
#   ... run the tests ...
#   scripts/pg-test-server.sh stop /tmp/empg
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_USER=emtest
PG_DB=exammentor_test
FIRST_PORT=${PG_TEST_FIRST_PORT:-55432}
PORT_TRIES=100

die() { echo "pg-test-server: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 start|stop|url DIR" >&2
    exit 2
}

# Run a command as the cluster's owner: emtest when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id -u "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$PG_USER" || die "cannot create user $PG_USER"
    fi
}

# True when something accepts connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url_for() {
    echo "postgres://$PG_USER@127.0.0.1:$1/$PG_DB"
}

running() {
    [ -f "$DATA/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

init_cluster() {
    [ -f "$DATA/PG_VERSION" ] && return 0
    as_owner "$PGBIN/initdb" -D "$DATA" -U "$PG_USER" -A trust -E UTF8 --locale=C.UTF-8 \
        >"$DIR/initdb.log" 2>&1 || {
        cat "$DIR/initdb.log" >&2
        die "initdb failed (log in $DIR/initdb.log)"
    }
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# pg-test-server.sh: a throwaway cluster for tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
EOF
}

start() {
    ensure_user
    mkdir -p "$DIR/sock"
    if [ "$(id -u)" = 0 ]; then
        # A root directory only root may enter (as in a chroot unpacked into a
        # `mktemp -d` directory; a normal Debian / is 0755) stops every service
        # user, PostgreSQL's included. Open it for traversal, and say so.
        root_mode=$(stat -c %a /)
        if [ $(( ${root_mode: -1} & 1 )) -eq 0 ]; then
            echo "pg-test-server: / has mode $root_mode, which no service user can traverse; adding o+x" >&2
            chmod o+x /
        fi
        chown -R "$PG_USER:" "$DIR"
        chmod 0700 "$DIR"
        runuser -u "$PG_USER" -- test -w "$DIR" ||
            die "$PG_USER cannot write $DIR (its parent directories must be traversable)"
    fi
    init_cluster
    if running; then
        url_for "$(cat "$DIR/port")"
        return 0
    fi
    local port=$FIRST_PORT tries=0
    while :; do
        tries=$((tries + 1))
        [ "$tries" -le "$PORT_TRIES" ] || die "no free port from $FIRST_PORT upward"
        if port_in_use "$port"; then
            port=$((port + 1))
            continue
        fi
        if as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 \
            -o "-p $port" start >/dev/null 2>&1; then
            break
        fi
        # Lost a race for the port, or a real failure: the log tells which.
        if tail -n 20 "$DIR/postgres.log" 2>/dev/null | grep -q "could not bind\|Address already in use"; then
            port=$((port + 1))
            continue
        fi
        tail -n 20 "$DIR/postgres.log" >&2 || true
        die "the server did not start (log in $DIR/postgres.log)"
    done
    echo "$port" | as_owner tee "$DIR/port" >/dev/null
    local exists
    exists=$(as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -tAX \
        -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")
    if [ "$exists" != 1 ]; then
        as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" "$PG_DB" ||
            die "createdb $PG_DB failed"
    fi
    url_for "$port" | as_owner tee "$DIR/url" >/dev/null
    url_for "$port"
}

stop() {
    if [ ! -f "$DATA/PG_VERSION" ]; then
        return 0
    fi
    if running; then
        as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null ||
            die "pg_ctl stop failed"
    fi
}

url() {
    [ -f "$DIR/url" ] || die "no cluster started in $DIR"
    cat "$DIR/url"
}

[ $# -eq 2 ] || usage
CMD=$1
if [ "$CMD" = start ]; then
    mkdir -p "$2"
elif [ ! -d "$2" ]; then
    [ "$CMD" = stop ] && exit 0
    die "no such directory: $2"
fi
DIR=$(cd "$2" && pwd)
DATA=$DIR/data
[ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL binaries not found in $PGBIN (apt-get install postgresql-15)"

case "$CMD" in
start) start ;;
stop) stop ;;
url) url ;;
*) usage ;;
esac
