#!/usr/bin/env bash
# bench-receive-wal.sh: the WAL streaming benchmark.
#
# Starts a throwaway PostgreSQL 15 (as a non-root OS user, in a temporary
# directory, on a free port), fills it with pgbench -i -s SCALE, then runs
# pgbench -n -M prepared -c C -j J -T D (default -c 4 -j 2 on this 2-core
# class of machine: enough clients to keep both cores busy with PostgreSQL,
# pgbench and the receiver together) with each of these as the streaming
# receiver, one after the other, in the same run, on the same machine:
#
#   - none:           no receiver (the machine's ceiling: WAL rate and TPS
#                     when nothing streams);
#   - pg_receivewal:  PostgreSQL's own, the reference (--synchronous in
#                     synchronous mode), -d "... application_name=
#                     barman_receive_wal";
#   - ours:           bin/barman receive-wal (streaming_archiver = on), whose
#                     application_name is barman_receive_wal too.
#
# Both receivers run as root through the same physical slot, created afresh
# for each run, into an empty directory, with their default status interval
# (10 s), and both are started and stopped the same way (SIGINT).
#
# Two modes:
#   - asynchronous:   synchronous_standby_names = '' and synchronous_commit =
#                     off, and pgbench runs a write-only script (each
#                     transaction inserts 50 rows of 200 bytes, ~16 KiB of
#                     WAL), so that PostgreSQL writes WAL as fast as it can:
#                     what is measured is whether the receiver keeps up, and
#                     what it costs (pgbench's TPC-B writes ~1 KiB of WAL per
#                     transaction, ~3 MiB/s here once its full-page images
#                     are written: too little to load a receiver);
#   - synchronous:    synchronous_standby_names = 'barman_receive_wal',
#                     synchronous_commit = on, pgbench's TPC-B: each commit
#                     waits for the receiver's flush, so pgbench's TPS is
#                     the figure (the "none" line: synchronous_standby_names
#                     = '', the TPS of local commits alone).
#
# Measured for each run:
#   - TPS:            pgbench's tps (without initial connection time);
#   - gen MiB/s:      WAL generated: pg_current_wal_lsn() at pgbench's end
#                     minus at its start, over pgbench's wall time;
#   - recv MiB/s:     WAL received: the receiver's position read from its
#                     directory (the end of its newest complete segment, or
#                     the end of the last page written into the .partial,
#                     found by its page header), at pgbench's end minus at
#                     its start, over the same time;
#   - catch-up s:     how long after pgbench's end the directory holds all
#                     the WAL PostgreSQL had written by then;
#   - CPU s/GiB:      user+sys CPU of the receiver process (/proc/PID/stat)
#                     from pgbench's start until caught up, per GiB received
#                     in that time;
#   - RSS MiB:        the receiver's peak resident memory (VmHWM in
#                     /proc/PID/status);
#   - other:          the CPU not charged to PostgreSQL, pgbench or the
#                     receiver during pgbench (/proc/stat's busy time minus
#                     theirs), in % of all cores: kernel threads (the file
#                     system's journal, which each fsync wakes, so it grows
#                     with the fsync rate), the lag sampler's psql, and
#                     other users of the machine, which make the line noisy
#                     (-r 3 keeps the best of 3 runs);
#   - flush lag:      pg_current_wal_lsn() - flush_lsn of the receiver in
#                     pg_stat_replication, sampled every 100 ms during
#                     pgbench (psql \watch 0.1), p50 and p99 in bytes. In
#                     asynchronous mode the flush position advances only
#                     at segment ends for both (each fsyncs a segment when
#                     it is complete); ours reports it to the server at
#                     once, pg_receivewal at its next status update (every
#                     10 s, -s) or when the server asks for a reply, so its
#                     reported lag is larger than its real one. In
#                     synchronous mode both flush and report after each
#                     batch of messages.
#
# After each run it calls pg_switch_wal(), waits for the receiver to
# complete that segment, stops it, and checks that the complete segments it
# wrote have no gap, reach the end of what pgbench wrote, and are byte for
# byte the segments in pg_wal (wal_keep_size and the slot keep them all),
# so that a broken run cannot pass for a fast one.
#
# The floor of the synchronous mode is the disk's flush rate: printed from
# dd oflag=dsync of 8 KiB blocks over a preallocated 16 MiB file in the
# same file system, as each receiver writes and fdatasyncs its .partial.
#
# Run as root on Debian 12 (it runs make build when bin/barman is missing
# or predates receive-wal, and installs missing packages with apt-get).
# Everything it starts is stopped, everything it writes removed (unless -k).
#
# Usage: scripts/bench-receive-wal.sh [-d D] [-s SCALE] [-c C] [-j J] [-r R] [-k]
#   -d D      pgbench duration of each run in seconds (default 60, ~8 min
#             in all; -d 10 for a quick run)
#   -s SCALE  pgbench -i scale (default 10)
#   -c C      pgbench clients (default 4)
#   -j J      pgbench threads (default 2)
#   -r R      run everything R times, interleaved, and keep for each line
#             the run with the highest TPS (default 1)
#   -k        keep the work directory (its path is printed at the end)
#   BIN=DIR   our binaries (default: bin/ of this repository)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-barmantest-pg}
BIN=${BIN:-$repo/bin}
BARMAN=$BIN/barman
CORES=$(nproc)
HZ=$(getconf CLK_TCK)
SEG_BYTES=$((16 * 1024 * 1024))
PAGE=8192
APP=barman_receive_wal
SLOT=bench

D=60
SCALE=10
CLIENTS=4
THREADS=2
REPEAT=1
KEEP=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts d:s:c:j:r:kh opt; do
	case $opt in
	d) D=$OPTARG ;;
	s) SCALE=$OPTARG ;;
	c) CLIENTS=$OPTARG ;;
	j) THREADS=$OPTARG ;;
	r) REPEAT=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in D SCALE CLIENTS THREADS REPEAT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench-receive-wal: -$(tr 'A-Z' 'a-z' <<<"${v:0:1}") wants a positive integer" >&2; exit 2; }
done

log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-receive-wal: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as $PGUSER_OS)"

# --- dependencies -------------------------------------------------------

install_deps() {
	local need=()
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] && [ -x "$PGBIN/pg_receivewal" ] || need+=(postgresql-15)
	[ -x "$PGBIN/psql" ] || need+=(postgresql-client-15)
	command -v runuser >/dev/null || need+=(util-linux)
	command -v od >/dev/null || need+=(coreutils)
	if ((${#need[@]})); then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
		# Debian's postgresql package starts a cluster of its own: not needed.
		if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
			pg_ctlcluster 15 main stop 2>/dev/null || true
		fi
	fi
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pg_receivewal" ] || die "PostgreSQL 15 is not installed in $PGBIN"
	if ! "$BARMAN" receive-wal --help >/dev/null 2>&1; then
		[ "$BIN" = "$repo/bin" ] || die "$BIN has no barman with receive-wal"
		log "bin/barman is missing or predates receive-wal: make build"
		make build >&2 || die "make build failed"
	fi
	id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$PGUSER_OS"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# --- work directory and clean-up ------------------------------------------

work=
pg_running=0
recv_pid=
sampler_pid=
cleanup() {
	local rc=$?
	set +e
	local p
	for p in $sampler_pid $recv_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if ((pg_running)); then
		runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate -w stop >/dev/null 2>&1
	fi
	if [ -n "$work" ]; then
		if ((KEEP)); then
			log "kept $work"
		else
			rm -rf "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
# psql_q SQL: one value, as root over TCP (a client like any other).
psql_q() { "$PGBIN/psql" -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$1"; }

# --- PostgreSQL ---------------------------------------------------------------

start_pg() {
	local pgdata=$work/pgdata
	install -d -o "$PGUSER_OS" -m 0700 "$pgdata"
	install -d -o "$PGUSER_OS" "$work/run"
	port=$(free_port)
	log "PostgreSQL 15 on 127.0.0.1:$port as $PGUSER_OS; pgbench -i -s $SCALE"
	as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C -D "$pgdata" >/dev/null
	# No checkpoint during a run (max_wal_size, checkpoint_timeout), and
	# pg_wal keeps every segment of a run for the comparison
	# (wal_keep_size; the slot keeps them too).
	cat >>"$pgdata/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$work/run'
		wal_level = replica
		max_wal_senders = 4
		max_replication_slots = 4
		shared_buffers = 256MB
		max_wal_size = 16GB
		checkpoint_timeout = 1h
		wal_keep_size = 16GB
	EOF
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$work/run/pg.log" -w start >/dev/null
	pg_running=1
	"$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$SCALE" postgres >"$work/logs/pgbench-init.log" 2>&1 ||
		{ cat "$work/logs/pgbench-init.log" >&2; die "pgbench -i failed"; }
	psql_q 'VACUUM ANALYZE' >/dev/null
	psql_q 'CREATE TABLE bench_wal (filler text)' >/dev/null
	echo "INSERT INTO bench_wal SELECT repeat('x', 200) FROM generate_series(1, 50);" >"$work/insert.sql"
}

# set_mode MODE WHO: the server's settings for a run.
set_mode() {
	local names= commit=off
	if [ "$1" = sync ]; then
		commit=on
		[ "$2" = none ] || names=$APP
	fi
	psql_q "ALTER SYSTEM SET synchronous_standby_names = '$names'" >/dev/null
	psql_q "ALTER SYSTEM SET synchronous_commit = '$commit'" >/dev/null
	psql_q 'SELECT pg_reload_conf()' >/dev/null
	sleep 0.5
}

# free_wal: removes the segments of the previous run from pg_wal.
free_wal() {
	psql_q 'ALTER SYSTEM SET wal_keep_size = 0' >/dev/null
	psql_q 'SELECT pg_reload_conf()' >/dev/null
	sleep 0.2
	psql_q 'SELECT pg_switch_wal()' >/dev/null
	psql_q 'CHECKPOINT' >/dev/null
	psql_q 'ALTER SYSTEM RESET wal_keep_size' >/dev/null
	psql_q 'SELECT pg_reload_conf()' >/dev/null
}

drop_slot() {
	local i
	for i in $(seq 100); do
		[ "$(psql_q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = 0 ] && return 0
		psql_q "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null 2>&1 || true
		sleep 0.1
	done
	die "cannot drop replication slot $SLOT (still active?)"
}

lsn_bytes() { psql_q "SELECT pg_current_wal_lsn() - '0/0'"; }

# --- the receiver's position, from its directory ------------------------

SEGRE='^[0-9A-F]{24}$'
segno_of() { echo $((16#${1:8:8} * 256 + 16#${1:16:8})); }
# u16 FILE OFFSET: the little-endian 16-bit word at OFFSET, as a number.
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }

# recv_pos DIR: the end of the WAL the receiver wrote into DIR, in bytes
# from 0/0: the end of its newest complete segment, or of the last page of
# its .partial that has a page header (both receivers create the .partial
# full of zeros and write it in order: binary search for the first page
# whose xlp_magic is still zero).
recv_pos() {
	local dir=$1 best=0 f n end
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		n=${f##*/}
		if [[ $n =~ ^[0-9A-F]{24}$ ]]; then
			end=$((($(segno_of "$n") + 1) * SEG_BYTES))
		elif [[ $n =~ ^[0-9A-F]{24}\.partial$ ]]; then
			local lo=0 hi=$((SEG_BYTES / PAGE)) mid
			while ((lo < hi)); do
				mid=$(((lo + hi) / 2))
				if [ "$(u16 "$f" $((mid * PAGE)))" != 0 ]; then lo=$((mid + 1)); else hi=$mid; fi
			done
			end=$(($(segno_of "$n") * SEG_BYTES + lo * PAGE))
		else
			continue
		fi
		((end > best)) && best=$end
	done
	echo "$best"
}

# cpu_ticks PID: user+sys clock ticks of the process (all its threads).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# --- the floor ------------------------------------------------------------------

fsync_floor() {
	local f=$work/fsync.test n=2000 t0 t1
	dd if=/dev/zero of="$f" bs=1M count=16 conv=fsync status=none
	t0=$(date +%s.%N)
	dd if=/dev/zero of="$f" bs=8k count=$n oflag=dsync conv=notrunc status=none
	t1=$(date +%s.%N)
	rm -f "$f"
	FSYNC_RATE=$(awk -v n=$n -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
	log "disk: $FSYNC_RATE write+fdatasync of 8 KiB per second (dd oflag=dsync, $work)"
}

# --- the runs -------------------------------------------------------------

declare -A TPS GEN RECV CATCH CPU CPUGB RSS P50 P99 SEGS OTHER ALLTPS
ORDER=()

write_conf() {
	cat >"$work/barman.conf" <<-EOF
		[barman]
		barman_home = $work/home
		barman_user = root
		log_file = $work/logs/barman.log
		log_level = INFO

		[main]
		description = "bench-receive-wal"
		conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		streaming_conninfo = host=127.0.0.1 port=$port user=postgres
		streaming_archiver = on
		streaming_archiver_name = $APP
		slot_name = $SLOT
		create_slot = manual
	EOF
}

# start_receiver MODE WHO DIR: starts it in the background (recv_pid) and
# waits until the server streams to it (in synchronous mode: as its
# synchronous standby).
start_receiver() {
	local mode=$1 who=$2 dir=$3 key=$1-$2 i want=async
	case $who in
	pg_receivewal)
		mkdir -p "$dir"
		local sync=()
		[ "$mode" = sync ] && sync=(--synchronous)
		"$PGBIN/pg_receivewal" -D "$dir" -S "$SLOT" -n "${sync[@]}" \
			-d "host=127.0.0.1 port=$port user=postgres application_name=$APP" >"$work/logs/$key.log" 2>&1 &
		recv_pid=$!
		;;
	ours)
		"$BARMAN" -c "$work/barman.conf" receive-wal main >"$work/logs/$key.log" 2>&1 &
		recv_pid=$!
		;;
	esac
	[ "$mode" = sync ] && want=sync
	for i in $(seq 300); do
		kill -0 "$recv_pid" 2>/dev/null || { cat "$work/logs/$key.log" >&2; die "$key: the receiver exited at start"; }
		[ "$(psql_q "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$APP' AND state = 'streaming' AND sync_state = '$want'")" = 1 ] && return 0
		sleep 0.1
	done
	cat "$work/logs/$key.log" >&2
	die "$key: the receiver is not streaming ($want) after 30 s"
}

stop_receiver() {
	local key=$1 rc=0
	kill -INT "$recv_pid" 2>/dev/null || die "$key: the receiver died during the run (see $work/logs/$key.log)"
	wait "$recv_pid" || rc=$?
	recv_pid=
	((rc == 0)) || { tail -n 20 "$work/logs/$key.log" >&2; die "$key: the receiver exited with status $rc on SIGINT"; }
}

# start_sampler FILE: flush lag every 100 ms, "epoch-ms|bytes" lines.
start_sampler() {
	"$PGBIN/psql" -X -At -h 127.0.0.1 -p "$port" -U postgres -d postgres >"$1" 2>&1 <<-EOF &
		SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint, pg_current_wal_lsn() - flush_lsn FROM pg_stat_replication WHERE application_name = '$APP' AND flush_lsn IS NOT NULL;
		\watch 0.1
	EOF
	sampler_pid=$!
}

stop_sampler() {
	kill "$sampler_pid" 2>/dev/null || true
	wait "$sampler_pid" 2>/dev/null || true
	sampler_pid=
}

# percentile FILE P: the P-th percentile (0-100) of the numbers in FILE.
percentile() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

# check_stream KEY DIR LAST: the complete segments in DIR have no gap, the
# last is at least segment number LAST, and each is byte for byte the one
# in pg_wal.
check_stream() {
	local key=$1 dir=$2 last=$3 n prev= first= count=0 s
	for s in $(ls "$dir" | grep -E "$SEGRE" | sort); do
		n=$(segno_of "$s")
		[ -z "$prev" ] || ((n == prev + 1)) || die "$key: gap in the streamed segments before $s"
		[ -n "$first" ] || first=$s
		prev=$n
		[ -f "$work/pgdata/pg_wal/$s" ] || die "$key: $s is no longer in pg_wal (raise wal_keep_size)"
		cmp -s "$dir/$s" "$work/pgdata/pg_wal/$s" || die "$key: streamed $s differs from pg_wal/$s"
		count=$((count + 1))
	done
	((count > 0)) || die "$key: no complete segment was streamed"
	((prev >= last)) || die "$key: the streamed segments end at $s, before the end of pgbench's WAL"
	SEGS[$key]=$count
	log "$key: $count segments $first .. $s, no gap, identical to pg_wal"
}

# pg_ticks: CPU clock ticks of PostgreSQL: the postmaster's own and those
# of its children that ended (cutime, cstime), plus those of its live
# children.
pg_ticks() {
	local pm p t
	pm=$(head -n 1 "$work/pgdata/postmaster.pid")
	t=$(sed 's/.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }')
	for p in $(pgrep -P "$pm"); do
		t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# run MODE WHO REP: one pgbench run with WHO as the receiver; its figures
# go under the key "MODE WHO#REP".
run() {
	local mode=$1 who=$2 key="$1 $2" dir= pb=$work/logs/pgbench-$1-$2-$3.log k="$1 $2#$3"
	local t0 t1 tb tc lsn0 lsn1 pos0 pos1 posc cpu0=0 cpub=0 cpuc busy0 busyb pg0 pgb usr sys
	log "$mode, receiver $who: pgbench -c $CLIENTS -j $THREADS -T $D$( ((REPEAT > 1)) && echo " (run $(($3 + 1)) of $REPEAT)")"
	drop_slot
	# Local commit: the previous run may have left a synchronous standby
	# that is gone.
	psql_q 'SET synchronous_commit = local; TRUNCATE bench_wal' >/dev/null
	free_wal
	set_mode "$mode" "$who"
	psql_q 'CHECKPOINT' >/dev/null
	if [ "$who" != none ]; then
		dir=$work/stream-$mode-$who
		[ "$who" = ours ] && dir=$work/home/main/streaming
		rm -rf "$work/home" "$dir"
		mkdir -p "$work/home"
		psql_q "SELECT pg_create_physical_replication_slot('$SLOT', true)" >/dev/null
		start_receiver "$mode" "$who" "$dir"
		start_sampler "$work/logs/lag-$mode-$who.txt"
		cpu0=$(cpu_ticks "$recv_pid")
		pos0=$(recv_pos "$dir")
	fi
	lsn0=$(lsn_bytes)
	pg0=$(pg_ticks)
	busy0=$(busy_ticks)
	t0=$(date +%s.%N)
	local script=()
	[ "$mode" = async ] && script=(-f "$work/insert.sql")
	/usr/bin/time -f '%U %S' -o "$work/time.out" \
		"$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -c "$CLIENTS" -j "$THREADS" -T "$D" "${script[@]}" postgres >"$pb" 2>&1 ||
		{ tail "$pb" >&2; die "$key: pgbench failed"; }
	t1=$(date +%s.%N)
	lsn1=$(lsn_bytes)
	[ "$who" = none ] || pos1=$(recv_pos "$dir")
	# The ended backends are in the postmaster's cutime once it reaped them.
	sleep 0.3
	[ "$who" = none ] || cpub=$(cpu_ticks "$recv_pid")
	busyb=$(busy_ticks)
	pgb=$(pg_ticks)
	tb=$(date +%s.%N)
	read -r usr sys < <(tail -n 1 "$work/time.out")
	TPS[$k]=$(awk '/^tps = / { printf "%.0f", $3; exit }' "$pb")
	GEN[$k]=$(awk -v a="$lsn0" -v b="$lsn1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) / (e - s) / 1048576 }')
	OTHER[$k]=$(awk -v b="$((busyb - busy0))" -v pg="$((pgb - pg0))" -v r="$((cpub - cpu0))" -v hz="$HZ" \
		-v u="$usr" -v s="$sys" -v w0="$t0" -v w1="$tb" -v c="$CORES" \
		'BEGIN { o = (b - pg - r) / hz - u - s; if (o < 0) o = 0; printf "%.0f", 100 * o / ((w1 - w0) * c) }')
	if [ "$who" = none ]; then
		log "$key: $(printf '%s tps, WAL %s MiB/s, other CPU %s%%' "${TPS[$k]}" "${GEN[$k]}" "${OTHER[$k]}")"
		return 0
	fi
	stop_sampler
	# Caught up: the directory holds everything written by pgbench's end.
	posc=$pos1
	while ((posc < lsn1)); do
		kill -0 "$recv_pid" 2>/dev/null || die "$key: the receiver died (see $work/logs/$mode-$who.log)"
		awk -v s="$t1" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 120) }' && die "$key: not caught up 120 s after pgbench"
		sleep 0.05
		posc=$(recv_pos "$dir")
	done
	tc=$(date +%s.%N)
	cpuc=$(cpu_ticks "$recv_pid")
	RSS[$k]=$(awk -v k="$(hwm_kib "$recv_pid")" 'BEGIN { printf "%.1f", k / 1024 }')
	RECV[$k]=$(awk -v a="$pos0" -v b="$pos1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) / (e - s) / 1048576 }')
	CATCH[$k]=$(awk -v a="$t1" -v b="$tc" 'BEGIN { printf "%.2f", (b > a ? b - a : 0) }')
	CPU[$k]=$(awk -v t="$((cpuc - cpu0))" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
	CPUGB[$k]=$(awk -v t="$((cpuc - cpu0))" -v hz="$HZ" -v b="$((posc - pos0))" 'BEGIN { printf "%.2f", (b > 0 ? t / hz / (b / 1073741824) : 0) }')
	grep -E '^[0-9]+\|-?[0-9]+$' "$work/logs/lag-$mode-$who.txt" | cut -d'|' -f2 >"$work/lag.txt" || true
	P50[$k]=$(percentile "$work/lag.txt" 50)
	P99[$k]=$(percentile "$work/lag.txt" 99)
	local samples
	samples=$(wc -l <"$work/lag.txt")
	((samples >= D * 5)) || die "$key: only $samples lag samples in $D s (see $work/logs/lag-$mode-$who.txt)"
	# Complete the last segment, let the receiver write it, stop it, check.
	local last
	last=$(psql_q "SELECT pg_walfile_name(pg_switch_wal())")
	while [ ! -f "$dir/$last" ]; do
		kill -0 "$recv_pid" 2>/dev/null || die "$key: the receiver died (see $work/logs/$mode-$who.log)"
		sleep 0.05
	done
	stop_receiver "$mode-$who"
	check_stream "$k" "$dir" "$(segno_of "$last")"
	rm -rf "$dir" "$work/home"
	log "$key: $(printf '%s tps, WAL %s MiB/s, received %s MiB/s, CPU %s s (%s s/GiB), RSS %s MiB, lag p50 %s p99 %s, other CPU %s%%' \
		"${TPS[$k]}" "${GEN[$k]}" "${RECV[$k]}" "${CPU[$k]}" "${CPUGB[$k]}" "${RSS[$k]}" "${P50[$k]}" "${P99[$k]}" "${OTHER[$k]}")"
}

# pick_best KEY: the figures of KEY's run with the highest TPS become KEY's.
pick_best() {
	local key=$1 i best=0 a all=
	for ((i = 0; i < REPEAT; i++)); do
		all+=" ${TPS[$key#$i]}"
		((${TPS[$key#$i]} > ${TPS[$key#$best]})) && best=$i
	done
	ALLTPS[$key]=${all# }
	for a in TPS GEN RECV CATCH CPU CPUGB RSS P50 P99 SEGS OTHER; do
		local -n arr=$a
		[ -n "${arr[$key#$best]:-}" ] && arr[$key]=${arr[$key#$best]}
		unset -n arr
	done
}

# --- the report ------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
goal() { awk -v r="$1" -v op="$2" -v g="$3" 'BEGIN { if (r == "-") { print "not measured"; exit } ok = (op == ">=" ? r >= g : r <= g); print (ok ? "met" : "NOT met") }'; }

report() {
	local k
	echo
	echo "WAL streaming benchmark: pgbench -i -s $SCALE, then pgbench -n -M prepared -c $CLIENTS -j $THREADS -T $D per run, $CORES cores," \
		"best of $REPEAT"
	echo "ours: $("$BARMAN" -v 2>&1 | head -n 1) ($BIN); reference: $("$PGBIN/pg_receivewal" --version)"
	echo "disk floor: $FSYNC_RATE write+fdatasync of 8 KiB per second (dd oflag=dsync)"
	echo
	local f='%-20s %6s %8s %6s %8s %6s %9s %7s %10s %10s %5s %5s\n'
	printf "$f" run TPS 'gen MiB/s' recv catch-up 'CPU s' 'CPU s/GiB' 'RSS MiB' 'lag p50 B' 'lag p99 B' segs other
	printf "$f" -------------------- ------ --------- ------ -------- ------ --------- ------- ---------- ---------- ----- -----
	for k in "${ORDER[@]}"; do
		printf "$f" "$k" "${TPS[$k]}" "${GEN[$k]}" "${RECV[$k]:--}" "${CATCH[$k]:--}" "${CPU[$k]:--}" "${CPUGB[$k]:--}" \
			"${RSS[$k]:--}" "${P50[$k]:--}" "${P99[$k]:--}" "${SEGS[$k]:--}" "${OTHER[$k]}%"
	done
	if ((REPEAT > 1)); then
		echo
		echo "TPS of each of the $REPEAT runs (the line above is the best):"
		for k in "${ORDER[@]}"; do
			printf '  %-20s %s\n' "$k" "${ALLTPS[$k]}"
		done
	fi
	echo
	echo "(gen and recv in MiB/s; async: synchronous_commit = off, no synchronous standby, pgbench inserting 50 rows of"
	echo "200 bytes per transaction; sync: synchronous_commit = on, synchronous_standby_names = '$APP' (none: '',"
	echo "local commits only), pgbench's TPC-B)"
	echo
	echo "Ratios, ours / pg_receivewal:"
	local r
	r=$(ratio "${RECV[async ours]:-}" "${RECV[async pg_receivewal]:-}")
	printf '  async received MiB/s  %5s  (goal >= 1.00: %s)\n' "$r" "$(goal "$r" '>=' 1)"
	r=$(ratio "${CPUGB[async ours]:-}" "${CPUGB[async pg_receivewal]:-}")
	printf '  async CPU s per GiB   %5s  (goal <= 1.00: %s)\n' "$r" "$(goal "$r" '<=' 1)"
	r=$(ratio "${CPUGB[sync ours]:-}" "${CPUGB[sync pg_receivewal]:-}")
	printf '  sync CPU s per GiB    %5s\n' "$r"
	r=$(ratio "${TPS[sync ours]:-}" "${TPS[sync pg_receivewal]:-}")
	printf '  sync pgbench TPS      %5s  (goal >= 1.00: %s)\n' "$r" "$(goal "$r" '>=' 1)"
	r=$(ratio "${RSS[async ours]:-}" "${RSS[async pg_receivewal]:-}")
	printf '  async peak RSS        %5s  (ours %s MiB, goal <= 50 MiB: %s)\n' "$r" "${RSS[async ours]:-}" \
		"$(awk -v a="${RSS[async ours]:-}" -v b="${RSS[sync ours]:-}" 'BEGIN { print (a != "" && a <= 50 && b <= 50 ? "met" : "NOT met") }')"
	echo "Against no receiver: sync TPS ours / none $(ratio "${TPS[sync ours]:-}" "${TPS[sync none]:-}")," \
		"pg_receivewal / none $(ratio "${TPS[sync pg_receivewal]:-}" "${TPS[sync none]:-}")"
	echo
	echo "recv: WAL the receiver wrote into its directory during pgbench, per second; catch-up: seconds after pgbench"
	echo "until it held all of it; CPU: user+sys of the receiver from pgbench's start until caught up; RSS: VmHWM;"
	echo "lag: pg_current_wal_lsn() - flush_lsn every 100 ms (async: flush moves at segment ends, and pg_receivewal"
	echo "reports it every 10 s); segs: complete segments checked byte for byte against pg_wal, with no gap;"
	echo "other: CPU not charged to PostgreSQL, pgbench or the receiver, in % of all cores: kernel threads (the journal"
	echo "that fsyncs wake), the sampler, other users of the machine (the noise)."
}

# --- main ------------------------------------------------------------------------

main() {
	install_deps
	work=$(mktemp -d /tmp/bench-receive-wal.XXXXXX)
	chmod 0755 "$work"
	mkdir -p "$work/logs"
	local t0=$SECONDS
	fsync_floor
	start_pg
	write_conf
	local mode who rep
	for ((rep = 0; rep < REPEAT; rep++)); do
		for mode in async sync; do
			for who in none pg_receivewal ours; do
				run "$mode" "$who" "$rep"
				((rep)) || ORDER+=("$mode $who")
			done
		done
	done
	for mode in "${ORDER[@]}"; do
		pick_best "$mode"
	done
	log "done in $((SECONDS - t0)) s"
	report
}

main "$@"
