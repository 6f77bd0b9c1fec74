#!/usr/bin/env bash
# walscan-fixture.sh: make the real WAL fixtures of pkg/walscan.
#
# Starts a throwaway PostgreSQL 15 (run as the OS user barmantest-pg, unix
# socket only, in a temporary directory), moves to a fresh segment so that
# initdb's WAL stays out of the fixtures, and runs a workload whose records
# recovery targets care about:
#
#   segment 2: three commits, a ROLLBACK of a transaction that has an xid,
#              the restore point "before_x" (with clock_timestamp() taken
#              just before and after it), a COMMIT PREPARED of a transaction
#              with a subtransaction and a dropped table, a ROLLBACK
#              PREPARED, a commit dropping 40 tables (a commit record larger
#              than a page), full-page images uncompressed and compressed
#              with pglz, lz4 and zstd, then one transaction with 3000
#              subtransactions that fills the segment with 7000-byte rows
#              (records spanning pages) and commits just before the
#              segment ends, so that its 12 KB commit record crosses into
#   segment 3: two commits, the restore point "in_seg3", pg_switch_wal();
#   segment 4: two commits, the restore point "after_switch", then a
#              shutdown: the rest of the segment is zeros (end of WAL).
#
# Then it stores, under pkg/walscan/testdata/ (or OUTPUT_DIR):
#
#   000000010000000000000002.zst ... 04.zst  the segments, zstd -19
#   events.golden        pg_waldump's COMMIT/ABORT/RESTORE_POINT lines (the
#                        description cut at its first ";") and its final
#                        error line, which says where valid WAL ends
#   records.txt.zst      every record pg_waldump printed: "LSN TOT_LEN XID"
#   restore-points.txt   "NAME BEFORE AFTER": clock_timestamp() around each
#                        pg_create_restore_point (pg_waldump does not print
#                        a restore point's time)
#
# Run as root on Debian 12 with postgresql-15 and zstd installed. The
# cluster is stopped and its directory removed on exit, failure included.
# Re-running replaces the fixtures (their LSNs, xids and times change).
#
# Usage: scripts/walscan-fixture.sh [OUTPUT_DIR]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/pkg/walscan/testdata}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
pguser=barmantest-pg

log() { printf 'walscan-fixture: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (PostgreSQL runs as $pguser)"
id "$pguser" >/dev/null 2>&1 || die "OS user $pguser does not exist"
[ -x "$pgbin/initdb" ] || die "no PostgreSQL 15 in $pgbin: apt-get install postgresql-15"
command -v zstd >/dev/null || die "zstd not found: apt-get install zstd"

as_pg() { runuser -u "$pguser" -- "$@"; }
sql() { as_pg "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$tmp/run" -p "$port" -U postgres -d postgres "$@"; }

cleanup() {
	local rc=$?
	if [ -n "${tmp:-}" ]; then
		if [ -f "$tmp/pgdata/postmaster.pid" ]; then
			as_pg "$pgbin/pg_ctl" -D "$tmp/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT

start_pg() {
	tmp=$(mktemp -d /tmp/walscan-fixture.XXXXXX)
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$tmp/run" "$tmp/wal"
	chmod 0755 "$tmp"
	chown -R "$pguser:" "$tmp"
	as_pg "$pgbin/initdb" -D "$tmp/pgdata" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
	cat >>"$tmp/pgdata/postgresql.conf" <<-EOF
		port = $port
		listen_addresses = ''
		unix_socket_directories = '$tmp/run'
		wal_level = replica
		max_prepared_transactions = 4
		autovacuum = off
		wal_keep_size = '1GB'
		max_wal_size = '1GB'
		checkpoint_timeout = '1h'
		fsync = off
		timezone = 'UTC'
	EOF
	as_pg "$pgbin/pg_ctl" -D "$tmp/pgdata" -l "$tmp/pg.log" -w start >/dev/null
	log "PostgreSQL 15 on $tmp/run port $port"
}

# segment_of prints the segment name holding the current insert position.
segment_of() { sql -c "SELECT pg_walfile_name(pg_current_wal_insert_lsn() + 1)"; }

restore_point() {
	local before after
	before=$(sql -c "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF')")
	sql -c "SELECT pg_create_restore_point('$1')" >/dev/null
	after=$(sql -c "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF')")
	printf '%s %s:00 %s:00\n' "$1" "$before" "$after" >>"$tmp/restore-points.txt"
}

setup_tables() {
	sql <<-'EOF'
		CREATE TABLE t (id int, v text);
		CREATE TABLE big (v text);
		ALTER TABLE big ALTER v SET STORAGE PLAIN;
		CREATE TABLE s (i int);
		CREATE TABLE drop_me (i int);
		SELECT format('CREATE TABLE d%s (i int)', g) FROM generate_series(1, 40) g \gexec
		SELECT format('CREATE TABLE fpi_%s AS SELECT g AS i, md5(g::text) AS v FROM generate_series(1, 300) g', c)
		  FROM unnest(ARRAY['off', 'pglz', 'lz4', 'zstd']) c \gexec
		SELECT pg_switch_wal();
	EOF
}

segment2() {
	local i
	for i in 1 2 3; do
		sql -c "INSERT INTO t VALUES ($i, 'committed $i')"
	done
	sql -c "BEGIN; INSERT INTO t VALUES (99, 'rolled back'); ROLLBACK;"
	restore_point before_x
	sql <<-'EOF'
		BEGIN;
		INSERT INTO t VALUES (10, 'prepared');
		SAVEPOINT a;
		INSERT INTO t VALUES (11, 'prepared subxact');
		RELEASE a;
		DROP TABLE drop_me;
		PREPARE TRANSACTION 'p1';
		COMMIT PREPARED 'p1';
		BEGIN;
		INSERT INTO t VALUES (12, 'prepared then rolled back');
		PREPARE TRANSACTION 'p2';
		ROLLBACK PREPARED 'p2';
		BEGIN;
		SELECT format('DROP TABLE d%s', g) FROM generate_series(1, 40) g \gexec
		COMMIT;
		CHECKPOINT;
		SET wal_compression = off;
		UPDATE fpi_off SET v = v || 'u';
		SET wal_compression = pglz;
		UPDATE fpi_pglz SET v = v || 'u';
		SET wal_compression = lz4;
		UPDATE fpi_lz4 SET v = v || 'u';
		SET wal_compression = zstd;
		UPDATE fpi_zstd SET v = v || 'u';
		RESET wal_compression;
	EOF
	# One session: 3000 subtransactions, then rows until the insert position
	# is 3000 bytes before the end of the segment, then COMMIT.
	sql <<-'EOF'
		BEGIN;
		DO $$ BEGIN
		  FOR i IN 1..3000 LOOP
		    BEGIN INSERT INTO s VALUES (i); EXCEPTION WHEN others THEN NULL; END;
		  END LOOP;
		END $$;
		DO $$ DECLARE target pg_lsn := '0/3000000'::pg_lsn - 3000; BEGIN
		  WHILE pg_current_wal_insert_lsn() < target - 20000 LOOP
		    INSERT INTO big VALUES (repeat('x', 7000));
		  END LOOP;
		  WHILE pg_current_wal_insert_lsn() < target LOOP
		    INSERT INTO big VALUES (repeat('y', 100));
		  END LOOP;
		END $$;
		COMMIT;
	EOF
}

segment3() {
	sql -c "INSERT INTO t VALUES (20, 'segment 3')"
	sql -c "INSERT INTO t VALUES (21, 'segment 3')"
	restore_point in_seg3
	sql -c "SELECT pg_switch_wal()" >/dev/null
}

segment4() {
	sql -c "INSERT INTO t VALUES (30, 'segment 4')"
	restore_point after_switch
	sql -c "INSERT INTO t VALUES (31, 'segment 4')"
}

workload() {
	setup_tables >/dev/null
	[ "$(segment_of)" = 000000010000000000000002 ] || die "workload does not start in segment 2"
	segment2
	[ "$(segment_of)" = 000000010000000000000003 ] || die "the big commit did not end in segment 3"
	segment3
	[ "$(segment_of)" = 000000010000000000000004 ] || die "pg_switch_wal did not move to segment 4"
	segment4
	as_pg "$pgbin/pg_ctl" -D "$tmp/pgdata" -m fast -w stop >/dev/null
}

dump() {
	local seg rc=0
	for seg in 2 3 4; do
		cp "$tmp/pgdata/pg_wal/00000001000000000000000$seg" "$tmp/wal/"
	done
	chown -R "$pguser:" "$tmp/wal"
	TZ=UTC as_pg "$pgbin/pg_waldump" -p "$tmp/wal" 000000010000000000000002 000000010000000000000004 \
		>"$tmp/waldump.txt" 2>"$tmp/waldump.err" || rc=$?
	grep -q 'invalid record length' "$tmp/waldump.err" ||
		die "pg_waldump (exit $rc) did not stop at a zeroed tail: $(cat "$tmp/waldump.err")"
}

store() {
	local seg
	mkdir -p "$out"
	rm -f "$out"/*.zst "$out/events.golden" "$out/restore-points.txt"
	for seg in 2 3 4; do
		zstd -q -19 -f "$tmp/wal/00000001000000000000000$seg" -o "$out/00000001000000000000000$seg.zst"
	done
	{
		grep -E 'desc: (COMMIT|ABORT|COMMIT_PREPARED|ABORT_PREPARED|RESTORE_POINT|END_OF_RECOVERY)( |$)' "$tmp/waldump.txt" |
			sed -E 's/;.*$//'
		grep 'invalid record length' "$tmp/waldump.err"
	} >"$out/events.golden"
	sed -E 's|.*len \(rec/tot\): *[0-9]+/ *([0-9]+), tx: *([0-9]+), lsn: ([0-9A-F]+/[0-9A-F]+),.*|\3 \1 \2|' \
		"$tmp/waldump.txt" | zstd -q -19 -o "$out/records.txt.zst"
	cp "$tmp/restore-points.txt" "$out/restore-points.txt"
	log "$(wc -l <"$tmp/waldump.txt") records, $(wc -l <"$out/events.golden") golden lines in $out:"
	du -b "$out"/* >&2
}

start_pg
workload
dump
store
