#!/usr/bin/env bash
# bench-retention.sh: retention policy enforcement on a big catalogue.
#
# Builds a synthetic barman_home for server main: BACKUPS DONE backups
# (default 1000), one hour apart, and an xlog.db of LINES segments (default
# 1,000,000), each backup owning LINES/BACKUPS of them. The WAL files the
# oldest backup owns exist on disk (the others are only catalogued: unlinking
# a missing file is not an error). Then times, each on a fresh copy, as a
# ratio to reading xlog.db once (`cat xlog.db > /dev/null`, page cache
# warm) in the same run:
#
#   - ours cron --dry-run, REDUNDANCY BACKUPS-1: the plan, nothing removed;
#   - ours list-backups: every backup's sizes and status (not a retention
#     step, but what a DBA runs on such a catalogue);
#   - ours cron, REDUNDANCY BACKUPS-1: the steady state, one backup and the
#     WAL files only it needed go;
#   - ours cron, REDUNDANCY BACKUPS/2: a first enforcement, half the
#     backups and half the catalogued WAL go at once;
#   - Debian's Barman 3.4 cron, REDUNDANCY BACKUPS-1 (the reference);
#
# then the steady-state cron on catalogues of LINES/4, LINES/2 and LINES
# lines: the time per million lines shows whether the cost is linear.
#
# Usage: scripts/bench-retention.sh [-b BACKUPS] [-l LINES] [-k]
#   -b BACKUPS  backups in the catalogue (default 1000)
#   -l LINES    xlog.db lines (default 1000000)
#   -k          keep the work directory
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
BARMAN=${BIN:-$repo/bin}/barman
BACKUPS=1000
LINES=1000000
KEEP=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts b:l:kh opt; do
	case $opt in
	b) BACKUPS=$OPTARG ;;
	l) LINES=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-retention: error: %s\n' "$*" >&2; exit 1; }
((LINES >= 4 * BACKUPS)) || die "LINES must be at least 4 x BACKUPS"
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
[ -x "$BARMAN" ] || make -C "$repo" build >&2

work=$(mktemp -d /tmp/bench-retention.XXXXXX)
cleanup() {
	local rc=$?
	if ((KEEP)); then log "kept $work"; else rm -rf "$work"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sample=$repo/pkg/catalog/testdata/barman34/pg/base/20261125T152856/backup.info

# make_home DIR LINES: a catalogue of BACKUPS backups over LINES segments.
make_home() {
	local home=$1 lines=$2 per=$(($2 / BACKUPS)) t0 i ts id begin end
	mkdir -p "$home/main/base" "$home/main/wals" "$home/main/incoming" "$home/main/errors" "$home/main/streaming"
	# Segment n (from 1) of timeline 1; 256 segments of 16 MiB per log file.
	awk -v n="$lines" 'BEGIN { for (i = 1; i <= n; i++) printf "%08X%08X%08X\t4194304\t%d.5\tgzip\n", 1, int(i / 256), i % 256, 1700000000 + i }' \
		>"$home/main/wals/xlog.db"
	t0=$(($(date +%s) - BACKUPS * 3600 - 86400))
	for ((i = 0; i < BACKUPS; i++)); do
		ts=$((t0 + i * 3600))
		printf -v id '%(%Y%m%dT%H%M%S)T' "$ts"
		begin=$(printf '%08X%08X%08X' 1 $(((i * per + 1) / 256)) $(((i * per + 1) % 256)))
		end=$(printf '%08X%08X%08X' 1 $(((i * per + 2) / 256)) $(((i * per + 2) % 256)))
		mkdir -p "$home/main/base/$id"
		sed -e "s/^begin_wal=.*/begin_wal=$begin/; s/^end_wal=.*/end_wal=$end/; /^backup_name=/d" \
			-e "s/^begin_time=.*/begin_time=$(date -u -d "@$ts" '+%Y-%m-%d %H:%M:%S').000000+00:00/" \
			-e "s/^end_time=.*/end_time=$(date -u -d "@$((ts + 60))" '+%Y-%m-%d %H:%M:%S').000000+00:00/" \
			-e "s/^server_name=.*/server_name=main/; s/^tablespaces=.*/tablespaces=None/" \
			"$sample" >"$home/main/base/$id/backup.info"
	done
	# The WAL files of the oldest backup, up to the next one's begin_wal.
	awk -v n="$per" -v d="$home/main/wals" 'BEGIN { for (i = 1; i <= n; i++) { h = sprintf("%08X%08X", 1, int(i / 256)); f = sprintf("%s%08X", h, i % 256); print d "/" h "/" f } }' |
		while read -r f; do mkdir -p "${f%/*}"; : >"$f"; done
}

# conf NAME HOME POLICY: a configuration for HOME.
conf() {
	cat >"$work/$1.conf" <<EOF
[barman]
barman_home = $2
barman_user = root
log_file = $work/$1.log
[main]
conninfo = host=127.0.0.1 port=1
backup_method = postgres
archiver = on
retention_policy = $3
EOF
	echo "$work/$1.conf"
}

declare -A SECS RSS
ORDER=()
# measure KEY CMD...: the command's time and peak RSS.
measure() {
	local key=$1
	shift
	sync
	/usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >"$work/${key// /_}.out" 2>&1 || { tail -n 20 "$work/${key// /_}.out" >&2; die "$key failed"; }
	read -r secs rss < <(tail -n 1 "$work/time.out")
	SECS[$key]=$secs RSS[$key]=$rss
	ORDER+=("$key")
	log "$(printf '%-34s %8.2f s  RSS %6.1f MiB' "$key" "$secs" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')")"
}
fresh() { rm -rf "$work/run" && cp -a "$work/$1" "$work/run"; cat "$work/run/main/wals/xlog.db" >/dev/null; }

log "building catalogues: $BACKUPS backups over $LINES, $((LINES / 2)) and $((LINES / 4)) xlog.db lines"
make_home "$work/home" "$LINES"
make_home "$work/home-half" "$((LINES / 2))"
make_home "$work/home-quarter" "$((LINES / 4))"
xlog=$work/home/main/wals/xlog.db
cat "$xlog" >/dev/null
measure "cat xlog.db" bash -c 'cat "$1" >/dev/null' bash "$xlog"

steady="REDUNDANCY $((BACKUPS - 1))"
fresh home
measure "ours cron --dry-run ($steady)" "$BARMAN" -c "$(conf ours "$work/run" "$steady")" cron --dry-run
grep -q "Would remove backup" "$work/ours_cron_--dry-run_(${steady// /_}).out" || die "the dry run removes nothing"
measure "ours list-backups ($steady)" "$BARMAN" -c "$(conf ours "$work/run" "$steady")" list-backups main
[ "$(grep -c OBSOLETE "$work/ours_list-backups_(${steady// /_}).out")" = 1 ] || die "list-backups does not show one OBSOLETE backup"
fresh home
measure "ours cron ($steady)" "$BARMAN" -c "$(conf ours "$work/run" "$steady")" cron
[ "$(ls "$work/run/main/base" | wc -l)" = $((BACKUPS - 1)) ] || die "ours: $(ls "$work/run/main/base" | wc -l) backups left"
left_ours=$(wc -l <"$work/run/main/wals/xlog.db")
fresh home
measure "Barman 3.4 cron ($steady)" /usr/bin/barman -c "$(conf theirs "$work/run" "$steady")" cron
sleep 1
[ "$(ls "$work/run/main/base" | wc -l)" = $((BACKUPS - 1)) ] || die "Barman 3.4: $(ls "$work/run/main/base" | wc -l) backups left"
[ "$(wc -l <"$work/run/main/wals/xlog.db")" = "$left_ours" ] || die "Barman 3.4 left another xlog.db"
half="REDUNDANCY $((BACKUPS / 2))"
fresh home
measure "ours cron ($half)" "$BARMAN" -c "$(conf ours "$work/run" "$half")" cron
[ "$(ls "$work/run/main/base" | wc -l)" = $((BACKUPS / 2)) ] || die "ours: $(ls "$work/run/main/base" | wc -l) backups left"
for h in home-quarter home-half; do
	fresh "$h"
	measure "ours cron ($steady), $h" "$BARMAN" -c "$(conf ours "$work/run" "$steady")" cron
done

ratio() { awk -v a="${SECS[$1]}" -v b="${SECS["cat xlog.db"]}" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
echo
echo "Retention benchmark: $BACKUPS backups, $LINES xlog.db lines ($(du -h "$xlog" | cut -f1)), $(nproc) cores, page cache warm"
echo
printf '%-44s %8s %10s %8s\n' measurement seconds 'x cat' 'RSS MiB'
for k in "${ORDER[@]}"; do
	printf '%-44s %8.2f %10s %8.1f\n' "$k" "${SECS[$k]}" "$(ratio "$k")" "$(awk -v k="${RSS[$k]}" 'BEGIN { print k / 1024 }')"
done
echo
printf 'Barman 3.4 / ours, steady state: %.1fx\n' "$(awk -v a="${SECS["Barman 3.4 cron ($steady)"]}" -v b="${SECS["ours cron ($steady)"]}" 'BEGIN { print a / b }')"
echo "Steady-state cron, seconds per million xlog.db lines (flat = linear):"
for pair in "$((LINES / 4)):ours cron ($steady), home-quarter" "$((LINES / 2)):ours cron ($steady), home-half" "$LINES:ours cron ($steady)"; do
	n=${pair%%:*} k=${pair#*:}
	printf '  %9d lines  %6.2f s  %6.2f s per million\n' "$n" "${SECS[$k]}" "$(awk -v s="${SECS[$k]}" -v n="$n" 'BEGIN { print s / n * 1000000 }')"
done
