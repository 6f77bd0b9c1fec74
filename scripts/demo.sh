#!/usr/bin/env bash
# The demo (`make demo`): a throwaway PostgreSQL 15 in a temporary
# directory, a barman.conf for it, WAL archiving into barman's incoming
# directory, `barman check`, a base backup, pgbench, a point in time T,
# more changes, a recovery to T into a new directory, and the recovered
# server started to show that its data is exactly the data at T.
# Everything is removed at the end. Run as root (PostgreSQL itself runs as
# a non-root user).
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BARMAN=${BARMAN:-$PWD/bin/barman}
PGUSER_OS=${PGUSER_OS:-postgres}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$PGUSER_OS"
work=$(mktemp -d /tmp/barman-demo.XXXXXX)
chmod 755 "$work"
cleanup() {
	runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate stop >/dev/null 2>&1 || true
	runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/recovered" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo "$1"; }
port=$(freeport 54329)
port2=$(freeport 54330)
sql() { psql -X -q -At -h 127.0.0.1 -p "$1" -U postgres -c "$2"; }

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

say "Some data: pgbench's tables"
run "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -s 1 -q postgres

say "Take a base backup and wait until its WAL is archived"
run "$BARMAN" -c "$work/barman.conf" backup --wait main

say "The catalogue"
run "$BARMAN" -c "$work/barman.conf" list-backups main
run "$BARMAN" -c "$work/barman.conf" show-backup main latest
run "$BARMAN" -c "$work/barman.conf" verify-backup main latest

say "Work goes on after the backup: 5 seconds of pgbench"
run "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -T 5 -c 2 -n postgres | grep -E 'transactions actually processed|tps'

say "Note the time T, and the data at T"
T=$(sql "$port" "select clock_timestamp()")
at_T=$(sql "$port" "select count(*), sum(abalance) from pgbench_accounts; select count(*) from pgbench_history")
echo "T = $T"
echo "data at T (accounts: rows|sum of balances; history rows):"
echo "$at_T"
sleep 1

say "More changes after T: another pgbench run and a 'mistake'"
run "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -T 3 -c 2 -n postgres | grep -E 'transactions actually processed'
run sql "$port" "delete from pgbench_history"
echo "data now:"
sql "$port" "select count(*), sum(abalance) from pgbench_accounts; select count(*) from pgbench_history"

say "Close the current WAL segment and archive it"
run "$BARMAN" -c "$work/barman.conf" switch-wal --force --archive main

say "Recover the backup to T into a new directory"
run "$BARMAN" -c "$work/barman.conf" recover --target-time "$T" --target-action promote main latest "$work/recovered"

say "Start the recovered server (on port $port2) and wait for it to reach T"
chown -R "$PGUSER_OS" "$work/recovered"
install -d -o "$PGUSER_OS" "$work/run2"
runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/recovered" -l "$work/run2/pg.log" \
	-o "-p $port2 -k $work/run2" -w start >/dev/null
for _ in $(seq 150); do [ "$(sql "$port2" "select pg_is_in_recovery()" 2>/dev/null)" = f ] && break; sleep 0.2; done
grep -E 'recovery stopping|starting point-in-time|archive recovery complete' "$work/run2/pg.log" | sed 's/^/  pg.log: /' || true
recovered=$(sql "$port2" "select count(*), sum(abalance) from pgbench_accounts; select count(*) from pgbench_history")
echo "data in the recovered server:"
echo "$recovered"
if [ "$recovered" != "$at_T" ]; then
	echo "FAILED: the recovered data is not the data at T" >&2
	exit 1
fi
echo "The recovered server has exactly the data at T ($T)."

say "A WAL file back from the archive"
first=$("$BARMAN" -c "$work/barman.conf" get-wal --peek 1 main 000000010000000000000001)
run "$BARMAN" -c "$work/barman.conf" get-wal -o "$work" main "$first"
ls -l "$work/$first"

say "Retention: keep one backup (REDUNDANCY 1), and take a second backup"
echo "retention_policy = REDUNDANCY 1" >>"$work/barman.conf"
run "$BARMAN" -c "$work/barman.conf" backup --wait main
run "$BARMAN" -c "$work/barman.conf" list-backups main

say "What cron would remove, and why (nothing is removed)"
run "$BARMAN" -c "$work/barman.conf" cron --dry-run

say "cron enforces the policy: the older backup goes, with the WAL only it needed"
run "$BARMAN" -c "$work/barman.conf" cron
run "$BARMAN" -c "$work/barman.conf" list-backups main
if [ "$("$BARMAN" -c "$work/barman.conf" list-backups --minimal main | wc -l)" != 1 ]; then
	echo "FAILED: REDUNDANCY 1 left more than one backup" >&2
	exit 1
fi

say "Done: cleaning up $work"
