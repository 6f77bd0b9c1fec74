#!/usr/bin/env bash
# bench-cloud.sh: the object storage benchmark (issue 14).
#
# Starts a throwaway Versity S3 Gateway on 127.0.0.1 with TLS (a
# self-signed certificate: pgBackRest talks only HTTPS; everyone gets the
# same transport, the certificate through AWS_CA_BUNDLE or pgBackRest's
# repo1-storage-ca-file), and a PostgreSQL 15 filled with pgbench -i -s
# SCALE. archive_command pushes each segment to pgBackRest's repository and
# to our barman-cloud-wal-archive (untimed). Then, one after the other,
# each into its own bucket or directory, with gzip everywhere:
#
#   - backup:   our barman-cloud-backup -z -J 2; Debian's Barman 3.4
#               barman-cloud-backup -z; pgbackrest backup --type=full
#               --repo1-type=s3 --compress-type=gz --process-max=2;
#               `aws s3 cp` of our backup's archive (the same bytes) as the
#               transport's floor.
#   - restore:  our barman-cloud-restore -J 2; Barman 3.4's
#               barman-cloud-restore; pgbackrest restore --process-max=2;
#               `aws s3 cp` download of the same bytes.
#   - WAL:      N segments archived one process per segment (as
#               archive_command does), gzip: our barman-cloud-wal-archive
#               against Barman 3.4's.
#
# Every restored data directory must start (checked with pg_ctl start on a
# free port, then stopped). Peak RSS of each command with /usr/bin/time.
# Figures are one run each, reported as ratios against the goals of the
# issue: backup and restore <= 0.33x Barman 3.4 and <= 1.0x pgBackRest,
# WAL archiving <= 0.2x Barman 3.4 per segment, our peak RSS <= 100 MiB.
#
# Run as root on Debian 12 (it runs make build when bin/ lacks the tools,
# installs missing packages with apt-get and versitygw with go install).
# Everything it starts is stopped, everything it writes removed (unless -k).
#
# Usage: scripts/bench-cloud.sh [-s SCALE] [-n SEGMENTS] [-k]
#   -s SCALE     pgbench -i scale (default 100, ~1.5 GB; -s 10 for a quick run)
#   -n SEGMENTS  WAL segments archived per tool (default 32)
#   -k           keep the work directory (its path is printed at the end)
#   BIN=DIR      our binaries (default: bin/ of this repository)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-barmantest-pg}
BIN=${BIN:-$repo/bin}

SCALE=100
NSEG=32
KEEP=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts s:n:kh opt; do
	case $opt in
	s) SCALE=$OPTARG ;;
	n) NSEG=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "bench-cloud: -s wants a positive integer" >&2; exit 2; }
[[ $NSEG =~ ^[1-9][0-9]*$ ]] || { echo "bench-cloud: -n wants a positive integer" >&2; exit 2; }

log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-cloud: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as $PGUSER_OS)"

# --- dependencies -------------------------------------------------------------

install_deps() {
	local need=()
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || need+=(postgresql-15)
	[ -x "$PGBIN/psql" ] || need+=(postgresql-client-15)
	[ -x /usr/bin/time ] || need+=(time)
	command -v pgbackrest >/dev/null || need+=(pgbackrest)
	[ -x /usr/bin/barman-cloud-backup ] || need+=(barman-cli-cloud)
	/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
	command -v aws >/dev/null || need+=(awscli)
	command -v openssl >/dev/null || need+=(openssl)
	command -v runuser >/dev/null || need+=(util-linux)
	if ((${#need[@]})); then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
		if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
			pg_ctlcluster 15 main stop 2>/dev/null || true
		fi
	fi
	scripts/deps.sh >&2 || die "scripts/deps.sh failed (versitygw)"
	VERSITYGW=${VERSITYGW:-$(command -v versitygw || echo /usr/local/bin/versitygw)}
	[ -x "$VERSITYGW" ] || die "versitygw is missing (make deps)"
	if [ ! -x "$BIN/barman-cloud-backup" ]; then
		[ "$BIN" = "$repo/bin" ] || die "$BIN has no barman-cloud-backup"
		log "bin/ lacks the cloud tools: make build"
		make build >&2 || die "make build failed"
	fi
	id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$PGUSER_OS"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# --- work directory and clean-up ------------------------------------------------

work=
pg_running=0
s3_pid=
cleanup() {
	local rc=$?
	set +e
	if ((pg_running)); then
		runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate -w stop >/dev/null 2>&1
	fi
	if [ -n "$s3_pid" ]; then
		kill "$s3_pid" 2>/dev/null
		wait "$s3_pid" 2>/dev/null
	fi
	if [ -n "$work" ]; then
		if ((KEEP)); then log "kept $work"; else rm -rf "$work"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
psql_pg() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# --- the S3 server ---------------------------------------------------------------

start_s3() {
	local d=$work/s3
	mkdir -p "$d/data"
	s3port=$(free_port)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$d/key.pem" -out "$d/cert.pem" >/dev/null 2>&1 ||
		die "openssl could not make a certificate"
	chmod 0644 "$d/cert.pem" "$d/key.pem"
	export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_DEFAULT_REGION=us-east-1
	export AWS_REGION=us-east-1 AWS_CA_BUNDLE=$d/cert.pem AWS_EC2_METADATA_DISABLED=true
	ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
		"$VERSITYGW" --port "127.0.0.1:$s3port" --cert "$d/cert.pem" --key "$d/key.pem" --quiet \
		posix "$d/data" >"$d/versitygw.log" 2>&1 &
	s3_pid=$!
	ENDPOINT=https://127.0.0.1:$s3port
	local i
	for i in $(seq 100); do
		aws --endpoint-url "$ENDPOINT" s3 ls >/dev/null 2>&1 && break
		kill -0 "$s3_pid" 2>/dev/null || die "versitygw exited: $(tail -5 "$d/versitygw.log")"
		sleep 0.2
	done
	for b in ours barman34 pgbr floor wal-ours wal-barman34; do
		aws --endpoint-url "$ENDPOINT" s3 mb "s3://$b" >/dev/null || die "cannot create bucket $b"
	done
	log "versitygw (TLS) on $ENDPOINT, buckets in $d/data"
}

# --- the cluster ---------------------------------------------------------------------

start_cluster() {
	local pgdata=$work/pgdata
	install -d -o "$PGUSER_OS" -m 0700 "$pgdata"
	install -d -o "$PGUSER_OS" "$work/run" "$work/pgbr" "$work/pgbr/lock" "$work/pgbr/log" "$work/pgbr/spool"
	port=$(free_port)
	PGBR_CONF=$work/pgbr/pgbackrest.conf
	cat >"$PGBR_CONF" <<-EOF
		[global]
		repo1-type=s3
		repo1-path=/repo
		repo1-s3-bucket=pgbr
		repo1-s3-endpoint=localhost
		repo1-storage-port=$s3port
		repo1-s3-uri-style=path
		repo1-s3-region=us-east-1
		repo1-s3-key=$AWS_ACCESS_KEY_ID
		repo1-s3-key-secret=$AWS_SECRET_ACCESS_KEY
		repo1-storage-ca-file=$work/s3/cert.pem
		repo1-retention-full=99
		lock-path=$work/pgbr/lock
		log-path=$work/pgbr/log
		spool-path=$work/pgbr/spool
		log-level-console=warn
		log-level-stderr=warn
		log-level-file=off
		start-fast=y
		compress-type=gz

		[bench]
		pg1-path=$pgdata
		pg1-port=$port
		pg1-socket-path=$work/run
		pg1-user=postgres
	EOF
	chmod 0644 "$PGBR_CONF"
	local ours_env="AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY AWS_CA_BUNDLE=$AWS_CA_BUNDLE AWS_REGION=us-east-1"
	log "PostgreSQL 15 on 127.0.0.1:$port as $PGUSER_OS"
	as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C -D "$pgdata" >/dev/null
	cat >>"$pgdata/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$work/run'
		wal_level = replica
		max_wal_senders = 10
		archive_mode = on
		archive_command = 'pgbackrest --config=$PGBR_CONF --stanza=bench archive-push %p && env $ours_env $BIN/barman-cloud-wal-archive --endpoint-url $ENDPOINT -z s3://ours/bench main %p'
		fsync = off
		synchronous_commit = off
		min_wal_size = 32MB
		max_wal_size = 1GB
	EOF
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$work/run/pg.log" -w start >/dev/null
	pg_running=1
	as_pg pgbackrest "--config=$PGBR_CONF" --stanza=bench stanza-create >"$work/logs/pgbr-stanza.log" 2>&1 ||
		{ cat "$work/logs/pgbr-stanza.log" >&2; die "pgBackRest stanza-create failed"; }
	log "pgbench -i -s $SCALE"
	as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$SCALE" postgres \
		>"$work/logs/pgbench-init.log" 2>&1 || { cat "$work/logs/pgbench-init.log" >&2; die "pgbench -i failed"; }
	psql_pg -c 'CHECKPOINT' -c 'SELECT pg_switch_wal()' >/dev/null
	wait_archived
	DATA_BYTES=$(du -sb --exclude=pg_wal "$pgdata" | cut -f1)
	log "data directory: $(mib "$DATA_BYTES") MiB without pg_wal"
}

wait_archived() {
	local i
	for i in $(seq 1200); do
		[ -z "$(ls "$work/pgdata/pg_wal/archive_status" | grep '\.ready$' || true)" ] && return 0
		sleep 0.5
	done
	die "PostgreSQL still has WAL to archive after 600 s: $(tail -3 "$work/run/pg.log")"
}

# --- measuring --------------------------------------------------------------------------

declare -A SECS RSS
ORDER=()
# measure KEY CMD...: runs CMD (output to logs/KEY.log) under /usr/bin/time.
measure() {
	local key=$1
	shift
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	if ! /usr/bin/time -f '%e %M' -o "$work/logs/$key.time" "$@" >"$work/logs/$key.log" 2>&1; then
		tail -20 "$work/logs/$key.log" >&2
		die "$key failed (log: $work/logs/$key.log)"
	fi
	read -r SECS[$key] RSS[$key] <"$work/logs/$key.time"
	ORDER+=("$key")
	log "$(printf '%-24s %8.2f s  RSS %6.1f MiB' "$key" "${SECS[$key]}" "$(awk -v k="${RSS[$key]}" 'BEGIN { print k / 1024 }')")"
}

# check_start DIR: the restored data directory starts and answers (the WAL
# of the backups comes from our archive: archive_command feeds ours).
check_start() {
	local dir=$1 p
	p=$(free_port)
	chown -R "$PGUSER_OS" "$dir"
	chmod 0700 "$dir"
	rm -f "$dir/postmaster.pid"
	cat >>"$dir/postgresql.auto.conf" <<-EOF
		port = $p
		archive_mode = off
		restore_command = 'env AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY AWS_CA_BUNDLE=$AWS_CA_BUNDLE AWS_REGION=us-east-1 $BIN/barman-cloud-wal-restore --endpoint-url $ENDPOINT s3://ours/bench main %f %p'
		recovery_target = 'immediate'
		recovery_target_action = 'promote'
	EOF
	touch "$dir/recovery.signal"
	local lg=$work/run/$(basename "$dir").log
	as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$lg" -t 300 -w start >/dev/null || die "the data directory restored in $dir does not start: $(tail -5 "$lg")"
	local n
	n=$(as_pg "$PGBIN/psql" -X -At -h 127.0.0.1 -p "$p" -U postgres -d postgres -c 'SELECT count(*) FROM pgbench_branches')
	as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
	[ "$n" = "$SCALE" ] || die "$dir: pgbench_branches has $n rows, want $SCALE"
	rm -rf "$dir"
}

# Commands as arrays, so that /usr/bin/time runs them (not shell functions).
ours() { "$BIN/$1" --endpoint-url "$ENDPOINT" "${@:2}"; }
b34() { "/usr/bin/$1" --endpoint-url "$ENDPOINT" "${@:2}"; }
set_cmds() {
	PGBR=(runuser -u "$PGUSER_OS" -- pgbackrest "--config=$PGBR_CONF" --stanza=bench)
	PGENV=(runuser -u "$PGUSER_OS" -- env AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"
		AWS_CA_BUNDLE="$AWS_CA_BUNDLE" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true)
}

bench_backups() {
	# barman-cloud-backup reads PGDATA: it runs as the PostgreSQL OS user.
	measure backup-ours "${PGENV[@]}" "$BIN/barman-cloud-backup" --endpoint-url "$ENDPOINT" -z -J 2 --immediate-checkpoint \
		-h 127.0.0.1 -p "$port" -U postgres s3://ours/bench main
	measure backup-barman34 "${PGENV[@]}" /usr/bin/barman-cloud-backup --endpoint-url "$ENDPOINT" -z --immediate-checkpoint \
		-h 127.0.0.1 -p "$port" -U postgres s3://barman34/bench main
	measure backup-pgbackrest "${PGBR[@]}" --type=full --process-max=2 --compress-type=gz backup
	# The floor: the bytes of our backup, uploaded by aws s3 cp.
	local obj
	obj=$(aws --endpoint-url "$ENDPOINT" s3 ls --recursive s3://ours/bench/main/base/ | awk '/data\.tar/ { print $4; exit }')
	[ -n "$obj" ] || die "our backup has no data.tar object"
	OURS_BYTES=$(aws --endpoint-url "$ENDPOINT" s3 ls --recursive s3://ours/bench/main/base/ | awk '/\.tar/ { t += $3 } END { print t }')
	aws --endpoint-url "$ENDPOINT" s3 cp --quiet "s3://ours/$obj" "$work/floor.tar.gz"
	measure upload-aws-cp aws --endpoint-url "$ENDPOINT" s3 cp --quiet "$work/floor.tar.gz" s3://floor/data.tar.gz
	rm -f "$work/floor.tar.gz"
}

bench_restores() {
	local id34 idours
	idours=$(ours barman-cloud-backup-list --format json s3://ours/bench main | python3 -c 'import json,sys; print(json.load(sys.stdin)["backups_list"][-1]["backup_id"])')
	id34=$(b34 barman-cloud-backup-list --format json s3://barman34/bench main | python3 -c 'import json,sys; print(json.load(sys.stdin)["backups_list"][-1]["backup_id"])')
	measure restore-ours "$BIN/barman-cloud-restore" --endpoint-url "$ENDPOINT" -J 2 s3://ours/bench main "$idours" "$work/r-ours"
	measure restore-barman34 /usr/bin/barman-cloud-restore --endpoint-url "$ENDPOINT" s3://barman34/bench main "$id34" "$work/r-barman34"
	install -d -o "$PGUSER_OS" -m 0700 "$work/r-pgbr"
	measure restore-pgbackrest "${PGBR[@]}" --process-max=2 "--pg1-path=$work/r-pgbr" restore
	measure download-aws-cp aws --endpoint-url "$ENDPOINT" s3 cp --quiet s3://floor/data.tar.gz "$work/floor.tar.gz"
	rm -f "$work/floor.tar.gz"
	for d in r-ours r-barman34 r-pgbr; do
		check_start "$work/$d"
	done
	log "the three restored data directories started with $SCALE branches"
}

bench_wal() {
	local segs=$work/segs f
	mkdir -p "$segs"
	log "making $NSEG WAL segments (pgbench)"
	local first last
	first=$(psql_pg -At -c 'SELECT pg_walfile_name(pg_current_wal_lsn())')
	while [ "$(ls "$segs" | wc -l)" -lt "$NSEG" ]; do
		as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -T 2 postgres >/dev/null 2>&1
		psql_pg -c 'SELECT pg_switch_wal()' >/dev/null
		wait_archived
		for f in "$work/pgdata/pg_wal"/0*; do
			local n
			n=$(basename "$f")
			[[ $n =~ ^[0-9A-F]{24}$ ]] && [[ $n > $first || $n == "$first" ]] && [ -e "$work/pgdata/pg_wal/archive_status/$n.done" ] &&
				cp -n "$f" "$segs/$n"
		done
	done
	ls "$segs" | sort | head -n "$NSEG" >"$work/segs.list"
	cat >"$work/wal-ours.sh" <<-EOF
		#!/bin/bash
		set -e
		while read -r n; do $BIN/barman-cloud-wal-archive --endpoint-url $ENDPOINT -z s3://wal-ours/bench main $segs/\$n; done <$work/segs.list
	EOF
	cat >"$work/wal-barman34.sh" <<-EOF
		#!/bin/bash
		set -e
		while read -r n; do /usr/bin/barman-cloud-wal-archive --endpoint-url $ENDPOINT -z s3://wal-barman34/bench main $segs/\$n; done <$work/segs.list
	EOF
	chmod +x "$work/wal-ours.sh" "$work/wal-barman34.sh"
	measure wal-archive-ours "$work/wal-ours.sh"
	measure wal-archive-barman34 "$work/wal-barman34.sh"
}

# --- the report ----------------------------------------------------------------------------

goal() { # OURS THEIRS LIMIT
	[ -n "${SECS[$1]:-}" ] && [ -n "${SECS[$2]:-}" ] || { printf '  %-22s vs %-20s: not measured\n' "$1" "$2"; return 0; }
	awk -v o="$1" -v t="$2" -v a="${SECS[$1]}" -v b="${SECS[$2]}" -v l="$3" 'BEGIN {
		r = (b > 0 ? a / b : 0)
		printf "  %-22s vs %-20s %6.3fx  goal <= %.2fx  %s\n", o, t, r, l, (r <= l ? "met" : "MISSED") }'
}

report() {
	echo
	echo "bench-cloud: pgbench -s $SCALE, data directory $(mib "$DATA_BYTES") MiB, our backup $(mib "${OURS_BYTES:-0}") MiB (gzip), $NSEG WAL segments"
	echo "S3: Versity S3 Gateway (posix backend, $VERSITYGW) on 127.0.0.1 over TLS; $(nproc) CPUs"
	echo
	printf '%-24s %9s %9s %9s\n' measurement seconds 'MiB/s' 'RSS MiB'
	printf '%-24s %9s %9s %9s\n' ------------------------ --------- --------- ---------
	local k
	for k in "${ORDER[@]}"; do
		printf '%-24s %9.2f %9s %9.1f\n' "$k" "${SECS[$k]}" \
			"$(case $k in wal-*) echo -;; *) awk -v b="$DATA_BYTES" -v s="${SECS[$k]}" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }';; esac)" \
			"$(awk -v k="${RSS[$k]}" 'BEGIN { print k / 1024 }')"
	done
	echo
	echo "Goals (ratio = our seconds / their seconds):"
	goal backup-ours backup-barman34 0.33
	goal backup-ours backup-pgbackrest 1.0
	goal restore-ours restore-barman34 0.33
	goal restore-ours restore-pgbackrest 1.0
	goal wal-archive-ours wal-archive-barman34 0.2
	echo "  transport floor: backup-ours / upload-aws-cp $(awk -v a="${SECS[backup-ours]}" -v b="${SECS[upload-aws-cp]}" 'BEGIN { printf "%.2fx", a / b }'), restore-ours / download-aws-cp $(awk -v a="${SECS[restore-ours]}" -v b="${SECS[download-aws-cp]}" 'BEGIN { printf "%.2fx", a / b }')"
	for k in backup-ours restore-ours wal-archive-ours; do
		awk -v o="$k" -v m="${RSS[$k]}" 'BEGIN { m /= 1024; printf "  %-22s peak RSS %6.1f MiB  goal <= 100 MiB  %s\n", o, m, (m <= 100 ? "met" : "MISSED") }'
	done
}

install_deps
work=$(mktemp -d /tmp/bench-cloud.XXXXXX)
chmod 0755 "$work"
mkdir -p "$work/logs"
start_s3
start_cluster
set_cmds
bench_backups
bench_restores
bench_wal
report
