#!/usr/bin/env bash
# The services the platform needs on this machine, brought up idempotently.
#
#   cluster/local/services.sh up       PostgreSQL primary (+ database `eventbook`), a streaming replica of it on
#                                      127.0.0.1:5433 (data in ./var/pg-replica), Redis, RabbitMQ
#   cluster/local/services.sh stop     stop what this script started: the replica (its slot is kept, so a later
#                                      `up` catches up from where it stopped)
#   cluster/local/services.sh destroy  stop the replica, delete its data directory and its replication slot
#   cluster/local/services.sh status   one line per service
#
# Running `up` again is harmless: every step first checks whether its work is already done. Concurrent runs
# (make services while the tests start the replica) are serialised by a lock file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PRIMARY_HOST=127.0.0.1
PRIMARY_PORT=${EVENTBOOK_PRIMARY_PORT:-5432}
REPLICA_PORT=${EVENTBOOK_REPLICA_PORT:-5433}
REPLICA_DIR=${EVENTBOOK_REPLICA_DIR:-$ROOT/var/pg-replica}
REPLICA_LOG=$REPLICA_DIR.log
SLOT=${EVENTBOOK_REPLICA_SLOT:-eventbook_replica}
DATABASE=eventbook
SOCKET_DIR=/var/run/postgresql

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# Run a command as the postgres OS user (the replica's files must belong to it).
as_postgres() {
    if [[ $(id -un) == postgres ]]; then
        "$@"
    elif [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        sudo -u postgres -- "$@"
    fi
}

psql_primary() { "$PG_BIN/psql" -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres "$@"; }
psql_replica() { "$PG_BIN/psql" -X -q -At -h "$PRIMARY_HOST" -p "$REPLICA_PORT" -U postgres -d postgres "$@"; }

wait_until() {  # wait_until <seconds> <what> <command...>
    local seconds=$1 what=$2
    shift 2
    for ((i = 0; i < seconds * 4; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.25
    done
    die "$what did not come up within ${seconds}s"
}

# --- PostgreSQL primary -------------------------------------------------------------------------------------

primary_ready() { "$PG_BIN/pg_isready" -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; }

primary_up() {
    if primary_ready; then
        say "postgresql primary: answers on $PRIMARY_PORT"
    else
        say "postgresql primary: starting cluster $PG_VERSION/main"
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start 9>&-
        wait_until 60 "the PostgreSQL primary" primary_ready
    fi
}

# Streaming replication needs wal_level >= replica, WAL senders, and a `replication` line in pg_hba.conf
# (the `all` database keyword does not cover replication connections).
primary_allow_replication() {
    local wal_level senders hba restart=0
    wal_level=$(psql_primary -c "SHOW wal_level")
    senders=$(psql_primary -c "SHOW max_wal_senders")
    if [[ $wal_level == minimal ]]; then
        say "postgresql primary: wal_level=minimal → replica (needs a restart)"
        psql_primary -c "ALTER SYSTEM SET wal_level = replica"
        restart=1
    fi
    if ((senders < 2)); then
        say "postgresql primary: max_wal_senders=$senders → 10 (needs a restart)"
        psql_primary -c "ALTER SYSTEM SET max_wal_senders = 10"
        restart=1
    fi
    if ((restart)); then
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main restart 9>&-
        wait_until 60 "the PostgreSQL primary" primary_ready
    fi
    hba=$(psql_primary -c "SHOW hba_file")
    if ! grep -Eq "^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust" "$hba"; then
        say "postgresql primary: allowing local replication connections in $hba"
        printf '\n# eventbook: the local streaming replica (cluster/local/services.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
        psql_primary -c "SELECT pg_reload_conf()" >/dev/null
        sleep 0.5
    fi
}

primary_database() {
    if [[ $(psql_primary -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") != 1 ]]; then
        say "postgresql primary: creating database $DATABASE"
        psql_primary -c "CREATE DATABASE $DATABASE"
    else
        say "postgresql primary: database $DATABASE exists"
    fi
}

# --- PostgreSQL streaming replica ---------------------------------------------------------------------------

replica_ready() { "$PG_BIN/pg_isready" -q -h "$PRIMARY_HOST" -p "$REPLICA_PORT"; }
replica_running() { [[ -f $REPLICA_DIR/PG_VERSION ]] && as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }
replica_streaming() { [[ $(psql_replica -c "SELECT status FROM pg_stat_wal_receiver") == streaming ]]; }

# A data directory copied from another primary (another machine, a re-created cluster) can never follow this one.
replica_matches_primary() {
    local ours theirs
    ours=$("$PG_BIN/pg_controldata" "$REPLICA_DIR" 2>/dev/null | awk -F: '/Database system identifier/ {gsub(/ /, "", $2); print $2}')
    theirs=$(psql_primary -c "SELECT system_identifier FROM pg_control_system()")
    [[ -n $ours && $ours == "$theirs" && -f $REPLICA_DIR/standby.signal ]]
}

replica_config() {
    # Debian keeps the primary's configuration in /etc, so the copy has none: the replica gets its own. Settings
    # that size shared memory must be at least the primary's, or a hot standby refuses to start.
    local sizes
    sizes=$(psql_primary -F ' = ' -c "SELECT name, setting FROM pg_settings WHERE name IN
        ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',
         'max_locks_per_transaction')")
    cat >"$REPLICA_DIR/postgresql.conf" <<EOF
# The eventbook streaming replica (written by cluster/local/services.sh; rewritten on each run).
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET_DIR'
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
wal_receiver_status_interval = 1s
shared_buffers = 64MB
$sizes
EOF
    cat >"$REPLICA_DIR/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
EOF
    : >"$REPLICA_DIR/pg_ident.conf"
    chown postgres:postgres "$REPLICA_DIR/postgresql.conf" "$REPLICA_DIR/pg_hba.conf" "$REPLICA_DIR/pg_ident.conf"
}

replica_create() {
    say "postgresql replica: base backup of the primary into $REPLICA_DIR"
    rm -rf "$REPLICA_DIR"
    mkdir -p "$(dirname "$REPLICA_DIR")"
    install -d -m 700 -o postgres -g postgres "$REPLICA_DIR"
    # A slot left by an earlier replica would hold WAL for a copy that no longer exists.
    psql_primary -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots
                     WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
    # -R writes standby.signal and primary_conninfo; -C -S creates the physical slot that keeps the WAL the
    # replica still needs while it is stopped.
    as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
        -X stream -R -C -S "$SLOT" --checkpoint=fast --no-password
    replica_config
}

replica_start() {
    touch "$REPLICA_LOG" && chown postgres:postgres "$REPLICA_LOG"
    say "postgresql replica: starting on $REPLICA_PORT (log $REPLICA_LOG)"
    as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_LOG" -w -t 60 start >/dev/null 9>&-
}

replica_streams_within() {  # replica_streams_within <seconds>
    for ((i = 0; i < $1 * 4; i++)); do
        if replica_streaming >/dev/null 2>&1; then return 0; fi
        sleep 0.25
    done
    return 1
}

replica_up() {
    if ! replica_running && replica_ready && [[ $(psql_replica -c "SELECT pg_is_in_recovery()") == t ]]; then
        # Port 5433 belongs to the machine: a standby another checkout started gives way to this checkout's.
        say "postgresql replica: a standby not started from $REPLICA_DIR answers on $REPLICA_PORT; replacing it"
        replica_stop
    fi
    if replica_running; then
        say "postgresql replica: running on $REPLICA_PORT"
    else
        if [[ ! -f $REPLICA_DIR/PG_VERSION ]] || ! replica_matches_primary; then
            replica_create
        else
            replica_config
        fi
        replica_start
    fi
    wait_until 60 "the PostgreSQL replica" replica_ready
    [[ $(psql_replica -c "SELECT pg_is_in_recovery()") == t ]] || die "port $REPLICA_PORT answers but is not a standby"
    if ! replica_streams_within 20; then
        # Its slot was taken over (another checkout's replica) and the WAL it needs is gone: copy afresh.
        say "postgresql replica: not streaming; rebuilding it from a new base backup"
        replica_stop
        replica_create
        replica_start
        wait_until 60 "the PostgreSQL replica" replica_ready
        wait_until 60 "streaming replication" replica_streaming
    fi
    say "postgresql replica: streaming from $PRIMARY_PORT"
}

replica_stop() {
    if replica_running; then
        say "postgresql replica: stopping"
        as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w -t 60 stop >/dev/null
    elif replica_ready && [[ $(psql_replica -c "SELECT pg_is_in_recovery()") == t ]]; then
        # Port 5433 belongs to the machine, not to a checkout: stop the standby another checkout started.
        local elsewhere
        elsewhere=$(psql_replica -c "SHOW data_directory")
        say "postgresql replica: stopping the standby started from $elsewhere"
        as_postgres "$PG_BIN/pg_ctl" -D "$elsewhere" -m fast -w -t 60 stop >/dev/null
    else
        say "postgresql replica: not running"
    fi
}

replica_destroy() {
    replica_stop
    rm -rf "$REPLICA_DIR" "$REPLICA_LOG"
    if primary_ready; then
        psql_primary -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots
                         WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
    fi
    say "postgresql replica: data directory and slot removed"
}

# --- Redis and RabbitMQ -------------------------------------------------------------------------------------

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; }

redis_up() {
    if redis_ready; then
        say "redis: answers on 6379"
        return 0
    fi
    say "redis: starting"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log 9>&-
    wait_until 30 "Redis" redis_ready
}

# RabbitMQ answers the AMQP 0-9-1 protocol header with a Connection.Start method frame (frame type 1).
rabbitmq_ready() {
    timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672 && printf "AMQP\x00\x00\x09\x01" >&3 &&
        [[ $(head -c 1 <&3 | od -An -tu1 | tr -d " ") == 1 ]]'
}

rabbitmq_up() {
    if rabbitmq_ready; then
        say "rabbitmq: answers on 5672"
        return 0
    fi
    say "rabbitmq: starting"
    rabbitmq-server -detached 9>&-
    wait_until 120 "RabbitMQ" rabbitmq_ready
}

status() {
    local s
    primary_ready && s=up || s=down; say "postgresql primary ($PRIMARY_PORT): $s"
    if replica_ready; then
        s="up, recovery=$(psql_replica -c "SELECT pg_is_in_recovery()"), wal receiver=$(psql_replica -c \
            "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')")"
    else
        s=down
    fi
    say "postgresql replica ($REPLICA_PORT): $s"
    redis_ready && s=up || s=down; say "redis (6379): $s"
    rabbitmq_ready && s=up || s=down; say "rabbitmq (5672): $s"
}

main() {
    local command=${1:-up}
    mkdir -p "$(dirname "$REPLICA_DIR")"
    # Daemons started below get `9>&-`: a server inheriting the descriptor would hold the lock for its lifetime.
    exec 9>"$(dirname "$REPLICA_DIR")/.services.lock"
    flock -w 300 9 || die "another services.sh run holds the lock"
    case $command in
        up)
            primary_up
            primary_allow_replication
            primary_database
            replica_up
            redis_up
            rabbitmq_up
            ;;
        stop) replica_stop ;;
        destroy) replica_destroy ;;
        status) status ;;
        *) die "usage: $0 [up|stop|destroy|status]" ;;
    esac
}

main "$@"
