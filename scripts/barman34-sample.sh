#!/usr/bin/env bash
# barman34-sample.sh: produce a real Barman 3.4 catalogue sample.
#
# Run as root on a Debian 12 machine. It starts a throwaway PostgreSQL 15
# (owned by the "postgres" OS user) on a free port of 127.0.0.1, lets the
# Debian "barman" package (3.4) back it up with backup_method = postgres and
# gzip WAL compression, provokes one FAILED backup on a second server section,
# then copies the catalogue files only (backup.info, annotations, xlog.db,
# identity.json, .history files, a tree listing and command outputs) into
# pkg/catalog/testdata/barman34/. Nothing is left running afterwards.
#
# Usage: scripts/barman34-sample.sh [OUTPUT_DIR]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/pkg/catalog/testdata/barman34}
pgbin=/usr/lib/postgresql/15/bin
pguser=postgres

log() { printf 'barman34-sample: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
id "$pguser" >/dev/null 2>&1 || die "OS user $pguser does not exist"

install_deps() {
	local pkgs=()
	command -v barman >/dev/null || pkgs+=(barman)
	[ -x "$pgbin/initdb" ] || pkgs+=(postgresql-15)
	command -v rsync >/dev/null || pkgs+=(rsync)
	if [ "${#pkgs[@]}" -gt 0 ]; then
		log "installing ${pkgs[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_pg() { runuser -u "$pguser" -- "$@"; }
psql_pg() { as_pg "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -d postgres "$@"; }
b() { barman -c "$tmp/barman.conf" "$@"; }

cleanup() {
	local rc=$?
	local d
	for d in "${tmp:-}/restore" "${tmp:-}/pgdata"; do
		if [ -n "${tmp:-}" ] && [ -f "$d/postmaster.pid" ]; then
			as_pg "$pgbin/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
		fi
	done
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
	exit "$rc"
}

start_pg() {
	as_pg "$pgbin/initdb" -D "$tmp/pgdata" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
	cat >>"$tmp/pgdata/postgresql.conf" <<-EOF
		port = $port
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$tmp/run'
		wal_level = replica
		max_wal_senders = 4
		archive_mode = on
		archive_command = 'test ! -f $home/pg/incoming/%f && cp %p $home/pg/incoming/%f && cp %p $home/pgfail/incoming/%f'
	EOF
	as_pg "$pgbin/pg_ctl" -D "$tmp/pgdata" -l "$tmp/pg.log" -w start >/dev/null
}

write_conf() {
	cat >"$tmp/barman.conf" <<-EOF
		[barman]
		barman_user = $pguser
		barman_home = $home
		log_file = $tmp/barman.log
		log_level = INFO
		compression = gzip
		immediate_checkpoint = true
		path_prefix = $pgbin

		[pg]
		description = "Barman 3.4 sample server"
		conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		streaming_conninfo = host=127.0.0.1 port=$port user=postgres
		backup_method = postgres
		archiver = on

		[pgfail]
		description = "Barman 3.4 sample server whose backups fail"
		conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		streaming_conninfo = host=127.0.0.1 port=$port user=postgres
		backup_method = postgres
		archiver = on
		pre_backup_retry_script = exit 63
	EOF
}

setup() {
	tmp=$(mktemp -d /tmp/barman34-sample.XXXXXX)
	home=$tmp/barman
	port=$(free_port)
	mkdir -p "$tmp/run" "$tmp/tblspc" "$tmp/tblspc2" "$home/pg/incoming" "$home/pgfail/incoming"
	chmod 0755 "$tmp"
	chown -R "$pguser:" "$tmp"
	write_conf
	start_pg
	log "PostgreSQL 15 on 127.0.0.1:$port, barman_home $home"
}

# make_load creates a tablespace with a table in it and runs pgbench a bit.
make_load() {
	psql_pg -c "CREATE TABLESPACE tbs1 LOCATION '$tmp/tblspc'"
	psql_pg -c "CREATE TABLE t_tbs (id int, v text) TABLESPACE tbs1"
	psql_pg -c "INSERT INTO t_tbs SELECT g, md5(g::text) FROM generate_series(1, 1000) g"
	as_pg "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -i -s 1 -q postgres >/dev/null 2>&1
	as_pg "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -T 3 -c 2 postgres >/dev/null
}

switch_wals() {
	local i
	for i in $(seq "$1"); do
		psql_pg -c "SELECT pg_switch_wal()" >/dev/null
		psql_pg -c "CREATE TABLE IF NOT EXISTS t_sw (i int); INSERT INTO t_sw VALUES ($i)"
	done
	sleep 1
}

# promote_copy recovers the oldest backup into a second cluster, promotes it
# to timeline 2 and lets it archive into the same server, so that the
# catalogue holds a .history file and timeline-2 segments.
promote_copy() {
	local port2 r=$tmp/restore
	port2=$(free_port)
	b recover --target-immediate --target-action promote \
		--tablespace "tbs1:$tmp/tblspc2" pg oldest "$r" >/dev/null
	printf "port = %s\narchive_command = '%s'\n" "$port2" \
		"test ! -f $home/pg/incoming/%f && cp %p $home/pg/incoming/%f" >>"$r/postgresql.auto.conf"
	as_pg "$pgbin/pg_ctl" -D "$r" -l "$tmp/restore.log" -w start >/dev/null
	until [ "$(as_pg "$pgbin/psql" -XAtq -h 127.0.0.1 -p "$port2" -d postgres \
		-c 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.5; done
	as_pg "$pgbin/psql" -Xq -h 127.0.0.1 -p "$port2" -d postgres -c 'SELECT pg_switch_wal()' >/dev/null
	sleep 2
	as_pg "$pgbin/pg_ctl" -D "$r" -m fast -w stop >/dev/null
	b archive-wal pg
}

run_barman() {
	b cron
	switch_wals 3
	b archive-wal pg
	b archive-wal pgfail
	b check pg
	b backup --wait pg
	as_pg "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -T 2 -c 2 postgres >/dev/null
	switch_wals 2
	sleep 1 # backup IDs have a one-second resolution
	# Barman 3.4.0 sets backup_name after saving backup.info: the name only
	# reaches the file when the same process saves it again, which happens
	# when a backup without --wait moves from WAITING_FOR_WALS to DONE.
	b backup --name second-backup pg
	b backup pgfail || true
	promote_copy
	b switch-wal --force --archive --archive-timeout 60 pg
	b keep --target full pg oldest
	sleep 2 # let the WAL archivers spawned by cron finish
	b archive-wal pg
}

# save_outputs stores reference outputs of catalogue commands.
save_outputs() {
	local o=$out/outputs id
	mkdir -p "$o"
	b list-server >"$o/list-server.txt"
	b show-server pg >"$o/show-server.txt"
	b check pg >"$o/check.txt" || true
	b list-backup pg >"$o/list-backup.txt"
	b list-backup pgfail >"$o/list-backup-pgfail.txt"
	b -f json list-backup pg >"$o/list-backup-json.txt"
	for id in $(ls "$home/pg/base"); do
		b show-backup pg "$id" >"$o/show-backup-$id.txt"
	done
	for id in $(ls "$home/pgfail/base"); do
		b show-backup pgfail "$id" >"$o/show-backup-pgfail-$id.txt"
	done
}

# copy_catalogue copies the catalogue files only, keeping paths relative
# to barman_home, plus a listing of the whole tree.
copy_catalogue() {
	(cd "$home" && find . -printf '%y %m %s %P\n' | sort) >"$out/tree.txt"
	(cd "$home" && find . -type f \( -name backup.info -o -name xlog.db \
		-o -name identity.json -o -name '*.history' -o -path '*/annotations/*' \) \
		-printf '%P\n' | sort) | while read -r f; do
		install -D -m 0644 "$home/$f" "$out/$f"
	done
}

main() {
	install_deps
	trap cleanup EXIT
	setup
	make_load
	run_barman
	if [ -e "$out" ] && [ ! -f "$out/tree.txt" ]; then
		die "refusing to replace $out: it does not look like an earlier sample"
	fi
	rm -rf -- "$out"
	mkdir -p "$out"
	save_outputs
	copy_catalogue
	log "sample written to $out ($(du -sh "$out" | cut -f1))"
}

main "$@"
