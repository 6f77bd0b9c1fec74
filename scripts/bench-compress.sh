#!/usr/bin/env bash
# bench-compress.sh: time barman-wal-compress against the system compressors
# (gzip -6, bzip2 -9, zstd -3, lz4 -1) on real 16 MiB WAL segments.
#
#   scripts/bench-compress.sh [--segments N] [--wal-dir DIR] [--out-dir DIR]
#                             [--repeat R] [--keep]
#
# Without --wal-dir it makes N segments (default 64): a throwaway
# PostgreSQL 15 in a temporary directory, run by a non-root user
# (barmantest-pg or postgres when run as root), archive_command='cp %p DIR/%f',
# checkpoint_timeout=30s (so that full-page images appear as on a busy
# server), pgbench -i -s 10 then pgbench -T 10 until N segments are archived;
# pg_switch_wal() only when a round archived nothing, as a switched segment
# is mostly zeros and would flatter every compressor.
#
# For each algorithm, on the same files, with a warm page cache:
#   1 core  ours: barman-wal-compress -c ALGO -l L < f > f.z, file after file
#           CLI:  ALGO -L -c < f > f.z, file after file      (both taskset to one CPU)
#   2 cores ours: barman-wal-compress --records -j 2 (durable: fsync + rename per file)
#           CLI:  two lanes of the loop above in parallel (no fsync)
# MB/s is uncompressed input bytes (10^6) per second of wall time, the best
# of R runs (default 3: the machine may be shared). The peak RSS is the
# highest of the record mode runs (/usr/bin/time). Outputs go to --out-dir
# (default: the temporary directory); a tmpfs there (/dev/shm) takes the
# cost of fsync out of the record mode figures.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SEGMENTS=64
WAL_DIR=""
OUT_DIR=""
REPEAT=3
KEEP=0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin/barman-wal-compress

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--segments) SEGMENTS=$2; shift 2 ;;
	--wal-dir) WAL_DIR=$2; shift 2 ;;
	--out-dir) OUT_DIR=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench-compress: error: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

for tool in gzip bzip2 zstd lz4 taskset /usr/bin/time; do
	command -v "$tool" >/dev/null || {
		echo "bench-compress: error: $tool is missing" >&2
		echo "bench-compress: hint: apt-get install -y gzip bzip2 zstd lz4 util-linux time" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/bench-compress.XXXXXX)
chmod 755 "$WORK"
PGDATA=""
cleanup() {
	if [[ -n $PGDATA && -f $PGDATA/postmaster.pid ]]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [[ $KEEP == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK" "$OUT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_pg runs a command as the PostgreSQL user (ourselves unless root).
PGUSER_OS=$(id -un)
if [[ $(id -u) == 0 ]]; then
	PGUSER_OS=barmantest-pg
	id "$PGUSER_OS" >/dev/null 2>&1 || PGUSER_OS=postgres
fi
as_pg() {
	if [[ $(id -u) == 0 ]]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

# count_segments prints how many full 16 MiB segments DIR holds.
count_segments() {
	find "$1" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9A-F]{24}' -size 16384k | wc -l
}

make_segments() {
	local arch=$WORK/archive sock=$WORK/pg
	PGDATA=$WORK/pg/data
	mkdir -p "$arch" "$PGDATA"
	chown -R "$PGUSER_OS" "$WORK/pg" "$arch"
	echo "making $SEGMENTS WAL segments with PostgreSQL as $PGUSER_OS in $WORK/pg ..." >&2
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust --no-sync >/dev/null
	cat >>"$PGDATA/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$sock'
		archive_mode = on
		archive_command = 'cp %p $arch/%f'
		max_wal_size = 4GB
		checkpoint_timeout = 30s
		synchronous_commit = off
		fsync = off
	EOF
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/log" -w start >/dev/null
	local pg=(-h "$sock" -U postgres)
	as_pg "$PGBIN/pgbench" "${pg[@]}" -q -i -s 10 postgres >/dev/null 2>&1
	local before now
	while now=$(count_segments "$arch") && ((now < SEGMENTS)); do
		if [[ $now == "${before:-}" ]]; then
			as_pg "$PGBIN/psql" "${pg[@]}" -qAtc 'SELECT pg_switch_wal()' postgres >/dev/null
		fi
		before=$now
		as_pg "$PGBIN/pgbench" "${pg[@]}" -c 4 -j 2 -T 10 postgres >/dev/null 2>&1
		echo "  $now segments archived" >&2
	done
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null
	PGDATA=""
	WAL_DIR=$arch
}

[[ -n $WAL_DIR ]] || make_segments
OUT=$WORK/out
[[ -z $OUT_DIR ]] || OUT=$(mktemp -d "$OUT_DIR/bench-compress-out.XXXXXX")
mkdir -p "$OUT"
mapfile -t FILES < <(find "$WAL_DIR" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9A-F]{24}' -size 16384k | sort | head -n "$SEGMENTS")
((${#FILES[@]} > 0)) || { echo "bench-compress: error: no 16 MiB segments in $WAL_DIR" >&2; exit 1; }
TOTAL=$((${#FILES[@]} * 16777216))

echo "building $BIN ..." >&2
(cd "$ROOT" && go build -o "$BIN" ./cmd/barman-wal-compress)
cat "${FILES[@]}" >/dev/null # warm the page cache

now() { date +%s.%N; }
mbps() { awk -v b="$TOTAL" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
size_of() { du -cb "$1" | tail -1 | cut -f1; }

# loop_files OUT CMD...: CMD < f > OUT/name, for the files given on stdin.
loop_files() {
	local out=$1 f
	shift
	while IFS= read -r f; do "$@" <"$f" >"$out/${f##*/}"; done
}

# best_of CMD...: runs CMD (which prints "seconds [rss]") REPEAT times;
# prints the lowest time and the highest rss.
best_of() {
	local i
	for ((i = 0; i < REPEAT; i++)); do "$@"; echo; done |
		awk 'NF { if (t == "" || $1 < t) t = $1; if ($2 > m) m = $2 } END { print t, m + 0 }'
}

# timed_lanes LANES OUT CMD...: the files split over LANES parallel loops;
# prints the seconds taken.
timed_lanes() {
	local lanes=$1 out=$2 t0 i
	shift 2
	rm -rf "$out" && mkdir -p "$out"
	t0=$(now)
	for ((i = 0; i < lanes; i++)); do
		printf '%s\n' "${FILES[@]}" | awk -v n="$lanes" -v i="$i" 'NR % n == i' | loop_files "$out" "$@" &
	done
	wait
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

# records_run ALGO LEVEL: record mode -j 2 into a fresh directory; prints
# "seconds rss_kib".
records_run() {
	local out=$OUT/rec f
	rm -rf "$out" && mkdir -p "$out"
	for f in "${FILES[@]}"; do
		printf '{"type":"wal_file","name":"%s","path":"%s","dest":"%s"}\n' "${f##*/}" "$f" "$out/${f##*/}"
	done >"$WORK/records.jsonl"
	/usr/bin/time -f '%e %M' -o "$WORK/time.txt" \
		"$BIN" --records -j 2 -c "$1" -l "$2" <"$WORK/records.jsonl" >"$WORK/records.out"
	grep -q '"type":"summary".*"exit_status":0' "$WORK/records.out" || {
		echo "bench-compress: error: record mode failed:" >&2
		cat "$WORK/records.out" >&2
		exit 1
	}
	cat "$WORK/time.txt"
}

printf '%d segments, %d MB; MB/s of input, best of %d; x = ours / CLI; outputs in %s; load %s\n\n' \
	"${#FILES[@]}" $((TOTAL / 1000000)) "$REPEAT" "$(df --output=fstype "$OUT" | tail -1)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-8s | %8s %8s %6s | %8s %8s %6s | %10s %10s | %7s\n' \
	algo cli "ours-1c" "cli-1c" "x1c" "ours-2c" "cli-2c" "x2c" "ours-MB" "cli-MB" "RSS-MiB"
# algo, our level, CLI command
BENCH=(
	"gzip 6 gzip -6 -c"
	"bzip2 9 bzip2 -9 -c"
	"zstd 3 zstd -3 -q -c"
	"lz4 1 lz4 -1 -q -c"
)
for line in "${BENCH[@]}"; do
	read -r algo level cli <<<"$line"
	read -ra clicmd <<<"$cli"
	read -r ours1 _ < <(best_of timed_lanes 1 "$OUT/ours" taskset -c 0 "$BIN" -c "$algo" -l "$level")
	oursize=$(size_of "$OUT/ours")
	read -r cli1 _ < <(best_of timed_lanes 1 "$OUT/cli" taskset -c 0 "${clicmd[@]}")
	clisize=$(size_of "$OUT/cli")
	read -r ours2 rss < <(best_of records_run "$algo" "$level")
	read -r cli2 _ < <(best_of timed_lanes 2 "$OUT/cli" "${clicmd[@]}")
	printf '%-6s %-8s | %8s %8s %6s | %8s %8s %6s | %10.1f %10.1f | %7.1f\n' \
		"$algo" "${clicmd[0]} ${clicmd[1]}" \
		"$(mbps "$ours1")" "$(mbps "$cli1")" "$(ratio "$cli1" "$ours1")" \
		"$(mbps "$ours2")" "$(mbps "$cli2")" "$(ratio "$cli2" "$ours2")" \
		"$(awk -v s="$oursize" 'BEGIN { print s / 1e6 }')" "$(awk -v s="$clisize" 'BEGIN { print s / 1e6 }')" \
		"$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
done
