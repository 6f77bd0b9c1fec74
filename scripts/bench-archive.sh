#!/usr/bin/env bash
# bench-archive.sh: the WAL archiving benchmark.
#
# Makes N real 16 MiB WAL segments with a throwaway PostgreSQL 15 under
# pgbench load, then times, on the same N segments put fresh into place
# before each run (hard links; page cache warm for everyone):
#
#   - ours:        bin/barman archive-wal with compression none (the cost of
#                  the pipeline itself), gzip 6, zstd 3, lz4 1 (bzip2 9 with
#                  -x), on every core (barman-wal-compress's default -j);
#   - Barman 3.4:  Debian's barman archive-wal with compression = gzip, which
#                  runs `gzip -c` (level 6) per file (pigz too with -x);
#   - the CLIs:    gzip -6, zstd -3, lz4 -1 (bzip2 -9 with -x), one process
#                  per file one after the other (one core), and pigz -6 on
#                  every core: the floor of what compression costs;
#   - pgBackRest:  archive-push once per segment, as archive_command calls
#                  it, with compress-type gz and zst, and zst with
#                  archive-async and process-max = cores;
#   - the push:    barman-wal-ingest push over a real sshd on 127.0.0.1 to
#                  bin/barman put-wal, one segment per call (the first 8),
#                  against cp + fsync, a bare `ssh true`, `ssh cat > f &&
#                  sync f`, and Barman 3.4's barman-wal-archive to its own
#                  put-wal.
#
# Our push and push --async run also once per SSH transport
# (BARMAN_SSH_TRANSPORT=openssh: an ssh process per call or worker session;
# native: barman's own client); the plain lines are the default (auto). -T
# measures only those, for a quick comparison.
#
# After each of our runs it checks that xlog.db has N lines and that get-wal
# returns the first and last segments byte for byte (Barman 3.4's and
# pgBackRest's archives, and the pushed files, are checked likewise), so a
# broken run cannot pass for a fast one. Then it prints a table and ratios.
# The "other CPU" column is the CPU that processes outside the measured
# command used meanwhile (from /proc/stat): above a few % the machine was
# not quiet and that line is noisy.
#
# Run as root on Debian 12 after `make build` (it runs make build when bin/
# is missing or predates archive-wal, and installs missing packages with
# apt-get). Everything it starts is stopped, everything it writes removed.
#
# Usage: scripts/bench-archive.sh [-n N] [-r R] [-p P] [-s SCALE] [-x] [-T] [-k]
#   -n N      segments (default 64, ~5 min; -n 16 for a quick run)
#   -r R      run each measurement R times and keep the fastest (default 1)
#   -p P      segments pushed over ssh, one ssh per segment (default 8)
#   -s SCALE  pgbench -i scale (default 20*N/64, between 1 and 20)
#   -x        extras: bzip2 (ours and CLI), gzip/zstd CLIs on every core
#             with xargs -P, Barman 3.4 with pigz (~2 min more for N=64)
#   -T        only the SSH transports: our push and push --async with each
#   -k        keep the work directory (its path is printed at the end)
#   BIN=DIR   our binaries (default: bin/ of this repository)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-barmantest-pg}
BIN=${BIN:-$repo/bin}
BARMAN=$BIN/barman
INGEST=$BIN/barman-wal-ingest
CORES=$(nproc)
HZ=$(getconf CLK_TCK)
SEG_BYTES=$((16 * 1024 * 1024))

N=64
REPEAT=1
PUSH=
SCALE=
EXTRA=0
KEEP=0
ONLY_TRANSPORTS=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts n:r:p:s:xTkh opt; do
	case $opt in
	T) ONLY_TRANSPORTS=1 ;;
	n) N=$OPTARG ;;
	r) REPEAT=$OPTARG ;;
	p) PUSH=$OPTARG ;;
	s) SCALE=$OPTARG ;;
	x) EXTRA=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench-archive: -n wants a positive integer" >&2; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench-archive: -r wants a positive integer" >&2; exit 2; }
PUSH=${PUSH:-$((N < 8 ? N : 8))}
[[ $PUSH =~ ^[1-9][0-9]*$ ]] && ((PUSH <= N)) || { echo "bench-archive: -p wants an integer from 1 to N" >&2; exit 2; }
if [ -z "$SCALE" ]; then
	SCALE=$((20 * N / 64))
	((SCALE < 1)) && SCALE=1
	((SCALE > 20)) && SCALE=20
fi
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "bench-archive: -s wants a positive integer" >&2; exit 2; }

log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-archive: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as $PGUSER_OS, sshd needs root)"

# --- dependencies -------------------------------------------------------

install_deps() {
	local need=()
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || need+=(postgresql-15)
	[ -x "$PGBIN/psql" ] || need+=(postgresql-client-15)
	[ -x /usr/bin/time ] || need+=(time)
	command -v gzip >/dev/null || need+=(gzip)
	command -v pigz >/dev/null || need+=(pigz)
	command -v zstd >/dev/null || need+=(zstd)
	command -v lz4 >/dev/null || need+=(lz4)
	command -v bzip2 >/dev/null || need+=(bzip2)
	command -v pgbackrest >/dev/null || need+=(pgbackrest)
	[ -x /usr/bin/barman ] || need+=(barman)
	[ -x /usr/bin/barman-wal-archive ] || need+=(barman-cli)
	[ -x /usr/sbin/sshd ] || need+=(openssh-server)
	command -v ssh >/dev/null || need+=(openssh-client)
	command -v runuser >/dev/null || need+=(util-linux)
	if ((${#need[@]})); then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# A package that is not available only loses its measurement.
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
			log "apt-get install failed; what is missing is reported as not measured"
		# Debian's postgresql package starts a cluster of its own: not needed.
		if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
			pg_ctlcluster 15 main stop 2>/dev/null || true
		fi
	fi
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || die "PostgreSQL 15 is not installed in $PGBIN"
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
	local t stale=0
	for t in barman barman-wal-ingest barman-wal-compress; do
		[ -x "$BIN/$t" ] || stale=1
	done
	((stale)) || "$BARMAN" archive-wal --help >/dev/null 2>&1 || stale=1
	if ((stale)); then
		[ "$BIN" = "$repo/bin" ] || die "$BIN has no barman with archive-wal"
		log "bin/ is missing or predates archive-wal: make build"
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
sshd_pid=
cleanup() {
	local rc=$?
	set +e
	if ((pg_running)); then
		runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$work/pgdata" -m immediate -w stop >/dev/null 2>&1
	fi
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
	fi
	if [ -n "$work" ]; then
		# pgBackRest's asynchronous archiver detaches from us: stop any left,
		# found by this run's own configuration file.
		local p
		for p in $(pgrep -f -- "--config=$work/pgbr/" 2>/dev/null); do kill "$p" 2>/dev/null; done
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
psql_pg() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }

# --- 1. the reference segments --------------------------------------------

SEGRE='[0-9A-F]{24}'
nsegs() { find "$1" -maxdepth 1 -type f -regextype egrep -regex ".*/$SEGRE" | wc -l; }

make_segments() {
	local pgdata=$work/pgdata spool=$work/pg-archive
	install -d -o "$PGUSER_OS" -m 0700 "$pgdata"
	install -d -o "$PGUSER_OS" "$work/run" "$spool"
	port=$(free_port)
	log "PostgreSQL 15 on 127.0.0.1:$port as $PGUSER_OS; pgbench -i -s $SCALE, then pgbench until $N segments are archived"
	as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C -D "$pgdata" >/dev/null
	# fsync and synchronous_commit change how fast the throwaway server
	# goes, not what its WAL contains. The archive_command copies
	# atomically, so that a segment counted is complete.
	cat >>"$pgdata/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$work/run'
		wal_level = replica
		archive_mode = on
		archive_command = 'cp %p $spool/%f.tmp && mv $spool/%f.tmp $spool/%f'
		fsync = off
		synchronous_commit = off
	EOF
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$work/run/pg.log" -w start >/dev/null
	pg_running=1
	local pgb=("$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres)
	as_pg "${pgb[@]}" -i -q -s "$SCALE" postgres >"$work/pgbench-init.log" 2>&1 ||
		{ cat "$work/pgbench-init.log" >&2; die "pgbench -i failed"; }
	psql_pg -c 'CHECKPOINT' >/dev/null # the updates that follow write full pages, as in production
	# Rounds of pgbench's OLTP transactions and of a batch update of 100000
	# accounts (a nightly job), with a WAL switch every fifth round (an
	# archive_timeout): full segments mostly, a few switched ones.
	local start=$SECONDS have round=0 rows=$((SCALE * 100000)) from
	while :; do
		have=$(nsegs "$spool")
		((have >= N)) && break
		((SECONDS - start < 300)) || die "only $have of $N segments after 300 s of pgbench"
		as_pg "${pgb[@]}" -n -M prepared -c 4 -j 2 -T 2 postgres >>"$work/pgbench.log" 2>&1 ||
			{ tail "$work/pgbench.log" >&2; die "pgbench failed"; }
		from=$((round * 100000 % rows))
		psql_pg -c "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid > $from AND aid <= $from + 100000" >/dev/null
		round=$((round + 1))
		if ((round % 5 == 0)); then
			psql_pg -c 'SELECT pg_switch_wal()' >/dev/null
		fi
		sleep 0.2 # let the archiver copy what was closed
	done
	log "$have segments archived after $((SECONDS - start)) s of pgbench; keeping the first $N"
	setup_pgbackrest_stanza || log "pgBackRest: $PGBR_WHY"
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
	pg_running=0

	mkdir -p "$work/ref"
	find "$spool" -maxdepth 1 -type f -regextype egrep -regex ".*/$SEGRE" -printf '%f\n' |
		sort | head -n "$N" >"$work/segments.txt"
	mapfile -t SEGS <"$work/segments.txt"
	local s
	for s in "${SEGS[@]}"; do
		mv "$spool/$s" "$work/ref/$s"
	done
	rm -rf "$spool"
	chmod 0644 "$work/ref"/*
	FIRST=${SEGS[0]}
	LAST=${SEGS[$((N - 1))]}
	log "reference set: $N segments $FIRST .. $LAST ($(du -sm "$work/ref" | cut -f1) MiB)"
	cat "$work/ref"/* >/dev/null # warm-up: every run reads them from the page cache
	ref_stamp >"$work/ref.stamp"
}

# ref_stamp: size and modification time of the reference segments: the
# runs use hard links to them, and nothing may write to them.
ref_stamp() { stat -c '%n %s %Y' "$work/ref"/*; }

# --- measuring --------------------------------------------------------------

declare -A SECS RSS OUTB NOTE CORE OTHER COUNT
ORDER=()
SKIPPED=()
ERRLOGS=()

cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# measure KEY CORES PREP CMD...: runs PREP (a command line, untimed: a
# fresh copy of the input) then CMD, REPEAT times, and keeps the fastest
# run's wall time, the largest peak RSS (of the largest single process,
# /usr/bin/time %M), and the CPU other processes used meanwhile. CMD's
# output goes to $work/logs/KEY.log.
measure() {
	local key=$1 cores=$2 prep=$3
	shift 3
	local r secs rss usr sys b0 b1 other best= bestrss=0 bestother=0
	for ((r = 0; r < REPEAT; r++)); do
		eval "$prep"
		sync # the fresh copy's write-back is not charged to the run
		b0=$(cpu_busy)
		if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" >"$work/logs/$key.log" 2>&1; then
			log "$key FAILED:"
			tail -n 20 "$work/logs/$key.log" >&2
			return 1
		fi
		b1=$(cpu_busy)
		read -r secs rss usr sys < <(tail -n 1 "$work/time.out")
		other=$(awk -v b="$((b1 - b0))" -v hz="$HZ" -v u="$usr" -v s="$sys" -v w="$secs" -v c="$CORES" \
			'BEGIN { o = b / hz - u - s; if (o < 0) o = 0; printf "%.0f", (w > 0 ? 100 * o / (w * c) : 0) }')
		((rss > bestrss)) && bestrss=$rss
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs
			bestother=$other
		fi
	done
	SECS[$key]=$best
	RSS[$key]=$bestrss
	CORE[$key]=$cores
	OTHER[$key]=$bestother
	ORDER+=("$key")
	log "$(printf '%-24s %7.2f s  %7.1f MiB/s  RSS %6.1f MiB  other CPU %s%%' "$key" "$best" \
		"$(awk -v n="$N" -v s="$best" 'BEGIN { print (s > 0 ? n * 16 / s : 0) }')" \
		"$(awk -v k="$bestrss" 'BEGIN { print k / 1024 }')" "$bestother")"
}

skip() { SKIPPED+=("$1: not measured: $2"); log "$1: not measured: $2"; }

# bytes_of DIR NAME-GLOB: total size of the matching files under DIR.
bytes_of() { find "$1" -type f -name "$2" -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }'; }

# fresh_server HOME: an empty server directory with the N reference
# segments in its incoming/. They are hard links: to an archiver a fresh
# copy (it reads the file, then renames or unlinks it; nothing writes to
# it), without writing 16 MiB x N to disk before each run, and warm in the
# page cache for everyone.
fresh_server() {
	rm -rf "$1/main"
	mkdir -p "$1/main/incoming"
	ln "$work/ref"/* "$1/main/incoming/"
}

# --- ours -------------------------------------------------------------------

write_conf() { # ALGO LEVEL ("none" and "": no compression)
	local comp=$1 level="compression_level = $2"
	[ "$comp" = none ] && comp= level=
	cat >"$work/barman.conf" <<-EOF
		[barman]
		barman_home = $work/home
		barman_user = root
		log_file = $work/barman.log
		log_level = INFO
		compression = $comp
		$level

		[main]
		description = "bench-archive"
		conninfo = host=127.0.0.1 port=1 user=postgres dbname=postgres
		archiver = on
	EOF
}

# check_archive CONF BARMAN LABEL HOME: xlog.db has N lines, incoming/ is
# empty, and get-wal gives back the first and last segments byte for byte.
check_archive() {
	local conf=$1 barman=$2 label=$3 home=$4 s lines
	lines=$(wc -l <"$home/main/wals/xlog.db")
	[ "$lines" -eq "$N" ] || die "$label: xlog.db has $lines lines, not $N (see $work/logs)"
	[ -z "$(ls -A "$home/main/incoming")" ] || die "$label: incoming/ is not empty after archive-wal"
	# Barman appends xlog.db in name order, and its readers rely on it (they
	# stop at the first name past the end they look for).
	if ! cut -f1 "$home/main/wals/xlog.db" | LC_ALL=C sort -c 2>/dev/null; then
		NOTE[$label]="${NOTE[$label]:+${NOTE[$label]}; }xlog.db NOT in name order"
	fi
	for s in "$FIRST" "$LAST"; do
		"$barman" -c "$conf" get-wal main "$s" >"$work/getwal.out" 2>"$work/getwal.err" ||
			die "$label: get-wal $s failed: $(cat "$work/getwal.err")"
		cmp -s "$work/getwal.out" "$work/ref/$s" || die "$label: get-wal $s differs from the original"
	done
	rm -f "$work/getwal.out"
}

# notice KEY: keep for the report the error and warning lines of KEY's output.
notice() {
	if grep -qiE 'error|warning|traceback|panic' "$work/logs/$1.log"; then
		NOTE[$1]="${NOTE[$1]:+${NOTE[$1]}; }errors/warnings in output, see below"
		ERRLOGS+=("$1")
	fi
}

run_ours() { # ALGO LEVEL
	local key="ours $1-$2"
	[ "$1" = none ] && key="ours none"
	write_conf "$1" "$2"
	measure "$key" "$CORES" "fresh_server $work/home" "$BARMAN" -c "$work/barman.conf" archive-wal main ||
		die "$key: archive-wal failed"
	notice "$key"
	check_archive "$work/barman.conf" "$BARMAN" "$key" "$work/home"
	OUTB[$key]=$(bytes_of "$work/home/main/wals" '0000*')
}

# --- Debian's Barman 3.4 ------------------------------------------------------

# Barman 3.4 has no compression_level (show-server does not list it): gzip
# is `gzip -c` (level 6, as ours at compression_level = 6), pigz is `pigz
# -c` (level 6, every core). Should a later Barman list it, it is set to 6.
B34_LEVEL=
write_conf34() { # COMPRESSION
	if [ -z "$B34_LEVEL" ]; then
		B34_LEVEL=none
		write_conf34_text "$1"
		if /usr/bin/barman -c "$work/barman34.conf" show-server main 2>/dev/null | grep -q $'^\tcompression_level:'; then
			B34_LEVEL=6
		fi
	fi
	write_conf34_text "$1"
	[ "$B34_LEVEL" = none ] || echo "compression_level = $B34_LEVEL" >>"$work/barman34.conf"
}

write_conf34_text() {
	cat >"$work/barman34.conf" <<-EOF
		[barman]
		barman_home = $work/home34
		barman_user = root
		log_file = $work/barman34.log
		log_level = INFO
		compression = $1

		[main]
		description = "bench-archive"
		conninfo = host=127.0.0.1 port=1 user=postgres dbname=postgres
		backup_method = postgres
		archiver = on
	EOF
}

run_barman34() { # COMPRESSION
	local key="Barman 3.4 $1" cores=1
	[ "$1" = pigz ] && cores=$CORES
	[ -x /usr/bin/barman ] || { skip "$key" "/usr/bin/barman is not installed"; return 0; }
	write_conf34 "$1"
	measure "$key" "$cores" "fresh_server $work/home34" /usr/bin/barman -c "$work/barman34.conf" archive-wal main ||
		{ skip "$key" "archive-wal failed (see the log above)"; return 0; }
	notice "$key"
	check_archive "$work/barman34.conf" /usr/bin/barman "$key" "$work/home34"
	OUTB[$key]=$(bytes_of "$work/home34/main/wals" '0000*')
}

# --- the command-line compressors -------------------------------------------

run_cli() { # KEY EXT PROCS COMMAND... (compresses stdin to stdout)
	local key=$1 ext=$2 procs=$3 cores=$3
	shift 3
	[ "$1" = pigz ] && cores=$CORES
	command -v "$1" >/dev/null || { skip "$key" "$1 is not installed"; return 0; }
	# One process per file, as an archiver runs them; -P PROCS at once.
	measure "$key" "$cores" "rm -rf $work/cli; mkdir -p $work/cli" bash -c '
		ref=$1 out=$2 ext=$3 par=$4; shift 4
		cd "$ref" && printf "%s\0" * | xargs -0 -P "$par" -I{} sh -c "\"\$@\" < {} > $out/{}.$ext" sh "$@"
	' bash "$work/ref" "$work/cli" "$ext" "$procs" "$@" || die "$key failed"
	local n
	n=$(find "$work/cli" -type f -name "*.$ext" | wc -l)
	[ "$n" -eq "$N" ] || die "$key: $n outputs, not $N"
	OUTB[$key]=$(bytes_of "$work/cli" "*.$ext")
}

# --- pgBackRest ---------------------------------------------------------------

PGBR_OK=0
PGBR_WHY="not set up"
PGBR_CONF=

setup_pgbackrest_stanza() { # while PostgreSQL runs: the stanza records its system id
	command -v pgbackrest >/dev/null || { PGBR_WHY="pgbackrest is not installed"; return 1; }
	PGBR_CONF=$work/pgbr/pgbackrest.conf
	install -d -o "$PGUSER_OS" "$work/pgbr" "$work/pgbr/repo" "$work/pgbr/lock" "$work/pgbr/log" "$work/pgbr/spool"
	cat >"$PGBR_CONF" <<-EOF
		[global]
		repo1-path=$work/pgbr/repo
		lock-path=$work/pgbr/lock
		log-path=$work/pgbr/log
		spool-path=$work/pgbr/spool
		log-level-console=warn
		log-level-stderr=warn
		log-level-file=off

		[bench]
		pg1-path=$work/pgdata
		pg1-port=$port
		pg1-socket-path=$work/run
		pg1-user=postgres
	EOF
	chmod 0644 "$PGBR_CONF"
	if ! as_pg pgbackrest "--config=$PGBR_CONF" --stanza=bench stanza-create >"$work/pgbr/stanza-create.log" 2>&1; then
		PGBR_WHY="stanza-create failed: $(tr '\n' ' ' <"$work/pgbr/stanza-create.log" | cut -c1-300)"
		return 1
	fi
	PGBR_OK=1
}

# pgbr_fresh: an empty archive in the repository (archive.info kept), and a
# pg1-path for archive-push now that the cluster is stopped: its pg_control
# (archive-push checks the system id there) and a pg_wal with the N
# segments, each marked .ready as PostgreSQL does (the asynchronous mode
# reads them).
pgbr_fresh() {
	local pg=$work/pgbr/pg s
	rm -rf "$pg"
	mkdir -p "$pg/global" "$pg/pg_wal/archive_status"
	cp "$work/pgdata/global/pg_control" "$pg/global/"
	cp "$work/pgdata/PG_VERSION" "$pg/"
	for s in "${SEGS[@]}"; do : >"$pg/pg_wal/archive_status/$s.ready"; done
	chown -R "$PGUSER_OS:" "$pg"
	chmod 0700 "$pg"
	ln "$work/ref"/* "$pg/pg_wal/" # hard links, as in fresh_server (the files are 0644)
	find "$work/pgbr/repo/archive" -mindepth 3 -maxdepth 3 -type d -name '0000*' -exec rm -rf {} +
	rm -rf "$work/pgbr/spool"/*
}

# pgbr_settle: wait until no asynchronous archive-push of ours is left.
pgbr_settle() {
	local i
	for i in $(seq 100); do
		pgrep -f -- "--config=$PGBR_CONF" >/dev/null || return 0
		sleep 0.1
	done
}

run_pgbackrest() { # TYPE(gz|zst) ASYNC(0|1)
	local type=$1 async=$2 key cores=1
	key="pgBackRest $type"
	((async)) && { key="pgBackRest $type async"; cores=$CORES; }
	((PGBR_OK)) || { skip "$key" "$PGBR_WHY"; return 0; }
	local opts=("--config=$PGBR_CONF" --stanza=bench "--pg1-path=$work/pgbr/pg" "--compress-type=$type")
	((async)) && opts+=(--archive-async --process-max="$CORES")
	# archive_command runs archive-push once per segment, in order.
	if ! measure "$key" "$cores" "pgbr_settle; pgbr_fresh" runuser -u "$PGUSER_OS" -- bash -c '
		pg=$1; shift
		for s in $(ls "$pg/pg_wal" | grep -E "^[0-9A-F]{24}$"); do
			pgbackrest "$@" archive-push "$pg/pg_wal/$s" || exit 1
		done' bash "$work/pgbr/pg" "${opts[@]}"; then
		skip "$key" "archive-push failed: $(tail -n 3 "$work/logs/$key.log" | tr '\n' ' ' | cut -c1-300)"
		return 0
	fi
	pgbr_settle
	local dir n f
	dir=$(find "$work/pgbr/repo/archive/bench" -mindepth 2 -maxdepth 2 -type d -name '0000*' | head -n 1)
	n=$(find "$dir" -type f -name "0000*.$type" | wc -l)
	[ "$n" -eq "$N" ] || die "$key: $n files in the repository, not $N"
	f=$(find "$dir" -type f -name "$FIRST-*.$type")
	case $type in
	gz) gzip -dc "$f" ;;
	zst) zstd -qdc "$f" ;;
	esac | cmp -s - "$work/ref/$FIRST" || die "$key: $FIRST in the repository differs from the original"
	OUTB[$key]=$(bytes_of "$dir" "0000*.$type")
	# The asynchronous worker detaches: its memory is not counted, and its
	# CPU shows as "other".
	((async)) && NOTE[$key]="RSS: the foreground archive-push only"
	return 0
}

# --- the push over SSH ---------------------------------------------------------

SSH_WHY=
setup_sshd() {
	[ -x /usr/sbin/sshd ] || { SSH_WHY="/usr/sbin/sshd is not installed"; return 1; }
	command -v ssh >/dev/null || { SSH_WHY="ssh is not installed"; return 1; }
	local d=$work/ssh sport
	mkdir -p "$d" /run/sshd
	chmod 0700 "$d"
	sport=$(free_port)
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" -C bench-host
	ssh-keygen -q -t ed25519 -N '' -f "$d/client_key" -C bench-client
	cp "$d/client_key.pub" "$d/authorized_keys"
	cat >"$d/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $sport
		HostKey $d/host_key
		PidFile $d/sshd.pid
		AuthorizedKeysFile $d/authorized_keys
		StrictModes no
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		UseDNS no
		PrintMotd no
		PrintLastLog no
		LogLevel ERROR
		# bash sources ~/.bashrc for a command run by sshd when SHLVL < 2:
		# the benchmark times barman, not root's shell start-up.
		SetEnv SHLVL=1
	EOF
	cat >"$d/ssh_config" <<-EOF
		Host 127.0.0.1
		    Port $sport
		    IdentityFile $d/client_key
		    IdentitiesOnly yes
		    UserKnownHostsFile $d/known_hosts
		    StrictHostKeyChecking accept-new
		    BatchMode yes
		    LogLevel ERROR
	EOF
	# barman-wal-archive runs plain "ssh": give it one that reads our config.
	mkdir -p "$d/bin"
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$d/ssh_config" >"$d/bin/ssh"
	chmod 0755 "$d/bin/ssh"
	/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
	sshd_pid=$!
	local i
	for i in $(seq 50); do
		if ssh -F "$d/ssh_config" root@127.0.0.1 true 2>"$d/ssh-try.log"; then
			return 0
		fi
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	SSH_WHY="ssh root@127.0.0.1 true fails: $(cat "$d/ssh-try.log" "$d/sshd.log" | tr '\n' ' ' | cut -c1-300)"
	return 1
}

# check_pushed DIR LABEL: the first PUSH reference segments are in DIR,
# byte for byte.
check_pushed() {
	local dir=$1 label=$2 s
	for s in "${SEGS[@]:0:$PUSH}"; do
		cmp -s "$dir/$s" "$work/ref/$s" || die "$label: $dir/$s is missing or differs from the original"
	done
}

# time_push KEY SSH_OPTIONS NOTE [PUSH_OPTIONS...]: our push of the first
# PUSH segments, one process per segment as archive_command runs it, then
# the check that each arrived intact. Uses run_push's d and segs.
time_push() {
	local key=$1 sshopts=$2 note=$3
	shift 3
	measure "$key" 1 "rm -rf $work/home/main; mkdir -p $work/home/main/incoming" env BARMAN_SSH_TRANSPORT="${TRANSPORT:-auto}" bash -c '
		ingest=$1 sshconf=$2 barman=$3 conf=$4 ref=$5 sshopts=$6 nopts=$7
		shift 7
		opts=("${@:1:nopts}")
		shift "$nopts"
		for s in "$@"; do
			"$ingest" push "${opts[@]}" --ssh "ssh -F $sshconf $sshopts root@127.0.0.1" --remote-barman "$barman" \
				--remote-config "$conf" main "$ref/$s" || exit 1
		done
	' bash "$INGEST" "$d/ssh_config" "$BARMAN" "$work/barman.conf" "$work/ref" "$sshopts" "$#" "$@" "${segs[@]}" ||
		die "$key failed"
	notice "$key"
	check_pushed "$work/home/main/incoming" "$key"
	NOTE[$key]="${NOTE[$key]:+${NOTE[$key]}; }$note"
}

# time_async KEY ALGO: push --async as PostgreSQL's archiver drives it
# through a backlog: all N segments are ready in a pg_wal (hard links, with
# archive_status/*.ready); archive_command runs once per segment in order,
# and after each success the .ready becomes .done. The first call starts
# the worker, which pushes ahead through one ssh session (its handshake is
# in the timing, once for the N). Timed until the last call returns; the
# worker's idle time is waited out after the timing.
time_async() {
	local key=$1 algo=$2 pgwal=$work/pg_wal spool=$work/spool s
	rm -rf "$pgwal" "$spool"
	mkdir -p "$pgwal/archive_status"
	for s in "${SEGS[@]}"; do
		ln "$work/ref/$s" "$pgwal/$s"
	done
	# Driven as PostgreSQL's archiver drives it: archive_command through
	# /bin/sh -c (system()), then the rename of .ready to .done in process
	# (a mv per segment would add ~10 ms of fork and exec here).
	measure "$key" 1 "rm -rf $work/home/main $spool; mkdir -p $work/home/main/incoming; rm -f $pgwal/archive_status/*; for s in ${SEGS[*]}; do : > $pgwal/archive_status/\$s.ready; done" env BARMAN_SSH_TRANSPORT="${TRANSPORT:-auto}" python3 -c '
import os, shlex, subprocess, sys
ingest, sshconf, barman, conf, pgwal, spool, algo = sys.argv[1:8]
cmd = " ".join(shlex.quote(a) for a in [ingest, "push", "--async", "--async-idle", "1s", "--spool-path", spool,
    "--compress", algo, "--ssh", "ssh -F %s root@127.0.0.1" % sshconf, "--remote-barman", barman,
    "--remote-config", conf, "main"])
for s in sys.argv[8:]:
    if subprocess.run(cmd + " " + shlex.quote(os.path.join(pgwal, s)), shell=True).returncode != 0:
        sys.exit(1)
    st = os.path.join(pgwal, "archive_status", s)
    os.rename(st + ".ready", st + ".done")
' "$INGEST" "$d/ssh_config" "$BARMAN" "$work/barman.conf" "$pgwal" "$spool" "$algo" "${SEGS[@]}" ||
		die "$key failed"
	COUNT[$key]=$N
	local i
	for i in $(seq 100); do
		flock -n "$spool/main/worker.lock" true 2>/dev/null && break
		sleep 0.1
	done
	notice "$key"
	for s in "${SEGS[@]}"; do
		cmp -s "$work/home/main/incoming/$s" "$work/ref/$s" || die "$key: $s is missing or differs from the original"
	done
	NOTE[$key]="${NOTE[$key]:+${NOTE[$key]}; }all $N segments; --compress $algo (RSS: the driver and the calls, not the worker)"
	rm -rf "$pgwal"
}

# run_transports: our push and push --async with each SSH transport
# forced. Uses run_push's d and segs.
run_transports() {
	local t
	for t in openssh native; do
		TRANSPORT=$t time_push "push: ours $t" "" "BARMAN_SSH_TRANSPORT=$t"
		TRANSPORT=$t time_async "push: ours --async $t" none
	done
}

run_push() {
	if ! setup_sshd; then
		skip "push" "$SSH_WHY"
		return 0
	fi
	local d=$work/ssh key segs=("${SEGS[@]:0:$PUSH}")
	write_conf gzip 6
	if ((ONLY_TRANSPORTS)); then
		time_push "push: ours" "" "barman-wal-ingest push -> barman put-wal"
		time_async "push: ours --async" none
		run_transports
		return 0
	fi
	write_conf gzip 6
	write_conf34 gzip

	key="push: cp + fsync"
	measure "$key" 1 "rm -rf $work/cpdest; mkdir -p $work/cpdest" bash -c '
		ref=$1 dst=$2; shift 2
		for s in "$@"; do cp "$ref/$s" "$dst/$s" && sync "$dst/$s" || exit 1; done
	' bash "$work/ref" "$work/cpdest" "${segs[@]}" || die "$key failed"
	check_pushed "$work/cpdest" "$key"
	NOTE[$key]="the local floor"

	key="push: ssh true"
	measure "$key" 1 : bash -c '
		conf=$1; shift
		for s in "$@"; do ssh -F "$conf" root@127.0.0.1 true || exit 1; done
	' bash "$d/ssh_config" "${segs[@]}" || die "$key failed"
	NOTE[$key]="the ssh connection alone"

	key="push: ssh cat + fsync"
	measure "$key" 1 "rm -rf $work/cpdest; mkdir -p $work/cpdest" bash -c '
		conf=$1 ref=$2 dst=$3; shift 3
		for s in "$@"; do
			ssh -F "$conf" root@127.0.0.1 "cat > $dst/$s && sync $dst/$s" < "$ref/$s" || exit 1
		done
	' bash "$d/ssh_config" "$work/ref" "$work/cpdest" "${segs[@]}" || die "$key failed"
	check_pushed "$work/cpdest" "$key"
	NOTE[$key]="the transport floor: ssh carrying 16 MiB"

	time_push "push: ours" "" "barman-wal-ingest push -> barman put-wal"

	# The same with OpenSSH connection multiplexing (ControlMaster), which
	# a DBA can set in the PostgreSQL user's ~/.ssh/config: every push
	# after the first reuses the connection instead of a new handshake.
	local mux="-o ControlMaster=auto -o ControlPath=$d/cm-%C -o ControlPersist=120"
	ssh -F "$d/ssh_config" $mux root@127.0.0.1 true || die "push: cannot open the master connection"
	time_push "push: ours, multiplexed" "$mux" "ControlMaster=auto, ControlPersist: the handshake once"

	# Compressed on the way (--compress zstd, level low), with and without
	# multiplexing: less to carry through ssh.
	time_push "push: ours, zstd" "" "push --compress zstd" --compress zstd
	time_push "push: ours, zstd, multiplexed" "$mux" "push --compress zstd, ControlMaster" --compress zstd
	ssh -F "$d/ssh_config" $mux -O exit root@127.0.0.1 2>/dev/null || true

	# The transport's floor for one connection: all PUSH segments through
	# one ssh (tar), then one sync.
	key="push: one ssh, tar + sync"
	measure "$key" 1 "rm -rf $work/cpdest; mkdir -p $work/cpdest" bash -c '
		conf=$1 ref=$2 dst=$3; shift 3
		tar -C "$ref" -cf - "$@" | ssh -F "$conf" root@127.0.0.1 "tar -C $dst -xf - && sync -f $dst"
	' bash "$d/ssh_config" "$work/ref" "$work/cpdest" "${segs[@]}" || die "$key failed"
	check_pushed "$work/cpdest" "$key"
	NOTE[$key]="the floor of one ssh session carrying them all"

	# The same floor for all N segments, to compare with --async.
	key="push: one ssh, tar + sync, all"
	measure "$key" 1 "rm -rf $work/cpdest; mkdir -p $work/cpdest" bash -c '
		conf=$1 ref=$2 dst=$3; shift 3
		tar -C "$ref" -cf - "$@" | ssh -F "$conf" root@127.0.0.1 "tar -C $dst -xf - && sync -f $dst"
	' bash "$d/ssh_config" "$work/ref" "$work/cpdest" "${SEGS[@]}" || die "$key failed"
	COUNT[$key]=$N
	NOTE[$key]="the same for all $N segments"

	time_async "push: ours --async" none
	run_transports
	time_async "push: ours --async, s2" s2
	time_async "push: ours --async, lz4" lz4
	time_async "push: ours --async, zstd" zstd

	key="push: Barman 3.4"
	if [ ! -x /usr/bin/barman-wal-archive ]; then
		skip "$key" "barman-wal-archive (package barman-cli) is not installed"
		return 0
	fi
	if ! measure "$key" 1 "rm -rf $work/home34/main; mkdir -p $work/home34/main/incoming" \
		env PATH="$d/bin:$PATH" bash -c '
		conf=$1 ref=$2; shift 2
		for s in "$@"; do
			barman-wal-archive -U root -c "$conf" 127.0.0.1 main "$ref/$s" || exit 1
		done
	' bash "$work/barman34.conf" "$work/ref" "${segs[@]}"; then
		skip "$key" "barman-wal-archive failed (see the log above)"
		return 0
	fi
	notice "$key"
	check_pushed "$work/home34/main/incoming" "$key"
	NOTE[$key]="${NOTE[$key]:+${NOTE[$key]}; }barman-wal-archive -> Barman 3.4 put-wal"
}

# --- the report ------------------------------------------------------------------

mib() { awk -v k="$1" -v d="$2" 'BEGIN { printf "%.1f", k / d }'; }
ms() { awk -v a="$1" -v b="${2:-0}" -v n="$PUSH" 'BEGIN { printf "%.1f", 1000 * (a - b) / n }'; } # ms per pushed segment
# msk KEY: ms per segment of a push measurement (COUNT segments, else PUSH);
# dk KEY1 KEY2: their difference.
msk() { awk -v a="${SECS[$1]}" -v n="${COUNT[$1]:-$PUSH}" 'BEGIN { printf "%.1f", 1000 * a / n }'; }
dk() { awk -v a="$(msk "$1")" -v b="$(msk "$2")" 'BEGIN { printf "%.1f", a - b }'; }

report() {
	local k s n out
	echo
	echo "WAL archiving benchmark: $N segments of 16 MiB ($((N * 16)) MiB), $CORES cores, best of $REPEAT run(s)"
	echo "input: pgbench -i -s $SCALE, then pgbench and batch updates; segments $FIRST .. $LAST"
	if [ "${B34_LEVEL:-none}" = none ]; then
		echo "levels: ours compression_level 6 (gzip), 3 (zstd), 1 (lz4), 9 (bzip2); Barman 3.4 has no compression_level"
		echo "(show-server does not list it): its gzip is \`gzip -c\`, level 6"
	else
		echo "levels: ours compression_level 6 (gzip), 3 (zstd), 1 (lz4), 9 (bzip2); Barman 3.4 compression_level = $B34_LEVEL"
	fi
	echo "ours: $("$BARMAN" -v 2>&1 | head -n 1) ($BIN); Barman $(/usr/bin/barman -v 2>&1 | head -n 1 | cut -d' ' -f1);" \
		"pgBackRest $(pgbackrest version 2>/dev/null | cut -d' ' -f2); gzip $(gzip -V | head -n 1 | cut -d' ' -f2);" \
		"pigz $(pigz -V 2>&1 | cut -d' ' -f2); zstd $(zstd -V | grep -oE 'v[0-9.]+' | head -n 1);" \
		"lz4 $(lz4 -V 2>&1 | grep -oE 'v[0-9.]+' | head -n 1)"
	echo
	printf '%-24s %5s %8s %8s %8s %8s %6s %6s  %s\n' measurement cores seconds 'MiB/s' 'RSS MiB' 'out MiB' 'out%' 'other' note
	printf '%-24s %5s %8s %8s %8s %8s %6s %6s  %s\n' ------------------------ ----- -------- -------- -------- -------- ------ ------ ----
	for k in "${ORDER[@]}"; do
		[[ $k == push:* ]] && continue
		s=${SECS[$k]}
		out=${OUTB[$k]:-0}
		printf '%-24s %5s %8.2f %8.1f %8s %8s %5.1f%% %5s%%  %s\n' "$k" "${CORE[$k]}" "$s" \
			"$(awk -v n="$N" -v s="$s" 'BEGIN { print (s > 0 ? n * 16 / s : 0) }')" \
			"$(mib "${RSS[$k]}" 1024)" "$(mib "$out" 1048576)" \
			"$(awk -v b="$out" -v t="$((N * SEG_BYTES))" 'BEGIN { print 100 * b / t }')" \
			"${OTHER[$k]}" "${NOTE[$k]:-}"
	done
	echo
	echo "The push, as archive_command runs it: one process per segment, one after the other, first $PUSH segments"
	echo "(the --async lines and the last floor: all $N, a backlog as PostgreSQL's archiver meets it):"
	printf '%-24s %8s %10s %8s %6s  %s\n' measurement seconds 'ms/segment' 'RSS MiB' 'other' note
	printf '%-24s %8s %10s %8s %6s  %s\n' ------------------------ -------- ---------- -------- ------ ----
	for k in "${ORDER[@]}"; do
		[[ $k == push:* ]] || continue
		printf '%-24s %8.2f %10.1f %8s %5s%%  %s\n' "$k" "${SECS[$k]}" "$(msk "$k")" \
			"$(mib "${RSS[$k]}" 1024)" "${OTHER[$k]}" "${NOTE[$k]:-}"
	done
	echo
	echo "Ratios. speedup = their seconds / our seconds (above 1: ours is faster);"
	echo "per core = their seconds x their cores / (our seconds x our cores), when the core counts differ."
	ratio "ours gzip-6" "gzip -6 CLI"
	ratio "ours gzip-6" "gzip -6 CLI x$CORES"
	ratio "ours gzip-6" "pigz -6 CLI"
	ratio "ours gzip-6" "Barman 3.4 gzip"
	ratio "ours gzip-6" "Barman 3.4 pigz"
	ratio "ours gzip-6" "pgBackRest gz"
	ratio "ours zstd-3" "zstd -3 CLI"
	ratio "ours zstd-3" "zstd -3 CLI x$CORES"
	ratio "ours zstd-3" "pgBackRest zst"
	ratio "ours zstd-3" "pgBackRest zst async"
	ratio "ours lz4-1" "lz4 -1 CLI"
	ratio "ours bzip2-9" "bzip2 -9 CLI"
	local p=${SECS[push: ours]:-} c=${SECS[push: cp + fsync]:-} t=${SECS[push: ssh true]:-}
	local sc=${SECS[push: ssh cat + fsync]:-} b=${SECS[push: Barman 3.4]:-}
	if [ -n "$p" ]; then
		echo "  push overhead per segment (difference of ms/segment):"
		[ -n "$c" ] && printf '    ours - cp + fsync          = %7.1f ms (what archiving over ssh costs more than a local copy)\n' "$(ms "$p" "$c")"
		local pm=${SECS[push: ours, multiplexed]:-}
		[ -n "$c" ] && [ -n "$pm" ] && printf '    ours multiplexed - cp + fsync = %7.1f ms (goal: <= 30 ms)\n' "$(ms "$pm" "$c")"
		local pz=${SECS[push: ours, zstd]:-} pzm=${SECS[push: ours, zstd, multiplexed]:-}
		[ -n "$c" ] && [ -n "$pz" ] && printf '    ours --compress zstd - cp + fsync = %7.1f ms\n' "$(ms "$pz" "$c")"
		[ -n "$c" ] && [ -n "$pzm" ] && printf '    ours --compress zstd, multiplexed - cp + fsync = %7.1f ms (goal: <= 30 ms)\n' "$(ms "$pzm" "$c")"
		local a k fl=${SECS[push: one ssh, tar + sync, all]:-}
		for k in "push: ours --async" "push: ours --async, s2" "push: ours --async, lz4" "push: ours --async, zstd"; do
			a=${SECS[$k]:-}
			[ -n "$a" ] || continue
			[ -n "$c" ] && printf '    %-27s - cp + fsync = %7.1f ms (goal: <= 30 ms)\n' "${k#push: }" "$(dk "$k" "push: cp + fsync")"
			[ -n "$fl" ] && printf '    %-27s - one ssh, tar + sync = %7.1f ms\n' "${k#push: }" "$(dk "$k" "push: one ssh, tar + sync, all")"
		done
		[ -n "$c" ] && [ -n "$fl" ] && printf '    one ssh, tar + sync (all) - cp + fsync = %7.1f ms (what one ssh session costs more than a local copy)\n' "$(dk "push: one ssh, tar + sync, all" "push: cp + fsync")"
		[ -n "$sc" ] && printf '    ours - ssh cat + fsync     = %7.1f ms (barman'"'"'s own cost: push + put-wal start-up, tar, sha256, checks)\n' "$(ms "$p" "$sc")"
		[ -n "$t" ] && [ -n "$sc" ] && printf '    ssh cat + fsync - ssh true = %7.1f ms (carrying 16 MiB through ssh, and fsync)\n' "$(ms "$sc" "$t")"
		[ -n "$b" ] && awk -v p="$p" -v b="$b" 'BEGIN { printf "    Barman 3.4 / ours: speedup %.2f\n", b / p }'
	fi
	if ((${#SKIPPED[@]})); then
		echo
		printf '%s\n' "${SKIPPED[@]}"
	fi
	echo
	echo "seconds: wall time of the whole command (start-up, checks, compression, fsync, catalogue);"
	echo "RSS: peak resident memory of the largest single process (/usr/bin/time %M), not a sum;"
	echo "out%: compressed size / input size; other: CPU used by processes outside the measured command"
	echo "during the run, in % of all cores (above a few %, the line is noisy; for the push, sshd and the remote"
	echo "put-wal count as other too; for pgBackRest async, its detached worker);"
	echo "the CLIs write without fsync, one process per file (xN: N at once with xargs -P); ours and Barman 3.4"
	echo "fsync each file and the catalogue. Checked after each archiving run: xlog.db has $N lines and get-wal"
	echo "returns $FIRST and $LAST intact; pgBackRest's $FIRST decompresses intact; pushed files are intact."
	local e
	for e in "${ERRLOGS[@]}"; do
		echo
		echo "Error and warning lines in the output of $e:"
		grep -iE 'error|warning|traceback|panic' "$work/logs/$e.log" | sort | uniq -c | sort -rn | head -n 10
	done
}

ratio() { # OURS THEIRS
	local ours=$1 theirs=$2
	[ -n "${SECS[$ours]:-}" ] && [ -n "${SECS[$theirs]:-}" ] || return 0
	awk -v a="${SECS[$ours]}" -v b="${SECS[$theirs]}" -v ca="${CORE[$ours]}" -v cb="${CORE[$theirs]}" \
		-v o="$ours" -v t="$theirs" 'BEGIN {
		if (a <= 0) a = 0.01
		line = sprintf("  %-12s vs %-21s speedup %5.2f", o, t, b / a)
		if (ca != cb) line = line sprintf("   per core %5.2f", b * cb / (a * ca))
		print line }'
}

# --- main ------------------------------------------------------------------------

main() {
	install_deps
	work=$(mktemp -d /tmp/bench-archive.XXXXXX)
	chmod 0755 "$work"
	mkdir -p "$work/logs"
	local t0=$SECONDS
	make_segments

	if ((ONLY_TRANSPORTS)); then
		log "the push over ssh to 127.0.0.1, per SSH transport"
		run_push
		log "done in $((SECONDS - t0)) s"
		report
		return 0
	fi
	log "ours: $BARMAN archive-wal (barman-wal-compress -j $CORES)"
	run_ours none 0
	run_ours gzip 6
	run_ours zstd 3
	run_ours lz4 1
	((EXTRA)) && run_ours bzip2 9

	log "Debian's Barman 3.4: barman archive-wal"
	run_barman34 gzip
	((EXTRA)) && run_barman34 pigz

	log "the command-line compressors, one process per file"
	run_cli "gzip -6 CLI" gz 1 gzip -6 -c
	((EXTRA)) && run_cli "gzip -6 CLI x$CORES" gz "$CORES" gzip -6 -c
	run_cli "pigz -6 CLI" gz 1 pigz -6 -c -p "$CORES"
	run_cli "zstd -3 CLI" zst 1 zstd -3 -q -c
	((EXTRA)) && run_cli "zstd -3 CLI x$CORES" zst "$CORES" zstd -3 -q -c
	run_cli "lz4 -1 CLI" lz4 1 lz4 -1 -q -c
	((EXTRA)) && run_cli "bzip2 -9 CLI" bz2 1 bzip2 -9 -c

	log "pgBackRest archive-push"
	run_pgbackrest gz 0
	run_pgbackrest zst 0
	run_pgbackrest zst 1

	log "the push over ssh to 127.0.0.1"
	run_push

	ref_stamp | cmp -s - "$work/ref.stamp" || die "a reference segment was modified during the runs"
	log "done in $((SECONDS - t0)) s"
	report
}

main "$@"
