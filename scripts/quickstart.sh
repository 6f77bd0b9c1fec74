#!/usr/bin/env bash
# Quick start: a throwaway PostgreSQL 15 in a temporary directory, a
# barman.conf for it, WAL archiving into barman's incoming directory, and
# `barman show-server` / `barman check` against it. Everything is removed
# at the end. Run as root (PostgreSQL itself runs as a non-root user).
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BARMAN=${BARMAN:-$PWD/bin/barman}
PGUSER_OS=${PGUSER_OS:-postgres}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$PGUSER_OS"
work=$(mktemp -d /tmp/barman-quickstart.XXXXXX)
chmod 755 "$work"
cleanup() {
	runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)

say "A throwaway PostgreSQL 15 on 127.0.0.1:$port (data in $work/pgdata, run as $PGUSER_OS)"
install -d -o "$PGUSER_OS" "$work/pgdata" "$work/run"
runuser -u "$PGUSER_OS" -- "$PGBIN/initdb" -A trust -U postgres --no-sync -D "$work/pgdata" >/dev/null

say "barman.conf: barman_home in $work/barman"
mkdir -p "$work/barman"
cat > "$work/barman.conf" <<CONF
[barman]
barman_home = $work/barman
barman_user = $(id -un)
log_level = INFO

[main]
description = "Quick start PostgreSQL"
conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
; barman runs on the PostgreSQL host here: copy the files locally.
; With another host: backup_method = rsync and ssh_command = ssh postgres@pg
backup_method = local-rsync
compression = gzip
immediate_checkpoint = true
CONF
cat "$work/barman.conf"

say "Where must PostgreSQL send its WAL? Ask barman:"
incoming=$("$BARMAN" -c "$work/barman.conf" show-server main | awk -F': ' '/\tincoming_wals_directory:/ {print $2}')
echo "incoming_wals_directory: $incoming"
install -d -o "$PGUSER_OS" "$incoming"

cat >> "$work/pgdata/postgresql.conf" <<PGCONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work/run'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $incoming/%f && cp %p $incoming/%f'
PGCONF
runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -l "$work/run/pg.log" -w start >/dev/null
echo "PostgreSQL started with archive_command = 'test ! -f $incoming/%f && cp %p $incoming/%f'"

say "Force a WAL switch so that one segment is archived"
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "create table t as select 1 as x; select pg_switch_wal();" >/dev/null
for _ in $(seq 50); do [ -n "$(ls -A "$incoming")" ] && break; sleep 0.2; done
run ls "$incoming"

say "The servers barman knows"
run "$BARMAN" -c "$work/barman.conf" list-servers

say "Their configuration and live status (excerpt)"
"$BARMAN" -c "$work/barman.conf" show-server main | grep -E 'server_txt_version|data_directory|wal_level|archive_mode|archive_command|current_xlog|incoming_wals_directory|postgres_systemid'

say "Is everything ready for backups?"
run "$BARMAN" -c "$work/barman.conf" check main

say "The same for a monitoring system"
run "$BARMAN" -c "$work/barman.conf" check --nagios main

say "Archive the WAL that arrived (what cron does every minute)"
run "$BARMAN" -c "$work/barman.conf" cron

say "Take a base backup and wait until its WAL is archived"
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "insert into t select generate_series(2, 1000)" >/dev/null
run "$BARMAN" -c "$work/barman.conf" backup --wait main

say "The catalogue"
run "$BARMAN" -c "$work/barman.conf" list-backups main
run "$BARMAN" -c "$work/barman.conf" show-backup main latest
run "$BARMAN" -c "$work/barman.conf" verify-backup main latest

say "A WAL file back from the archive"
first=$("$BARMAN" -c "$work/barman.conf" get-wal --peek 1 main 000000010000000000000001)
run "$BARMAN" -c "$work/barman.conf" get-wal -o "$work" main "$first"
ls -l "$work/$first"

say "Done: cleaning up $work (recovery arrives in the next release)"
