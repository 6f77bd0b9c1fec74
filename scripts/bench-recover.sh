#!/usr/bin/env bash
# bench-recover.sh: the recovery benchmark.
#
# Starts a throwaway PostgreSQL 15 with a tablespace tbs1 holding pgbench's
# tables, fills it with pgbench -i -s SCALE, and archives its WAL into our
# barman (compression = gzip), Debian's Barman 3.4 (compression = gzip) and
# pgBackRest (archive-push, zst). Takes one backup with each (ours and
# Barman's: backup_method = postgres; pgBackRest: full, compress-type none,
# process-max 2), runs pgbench -T SECONDS and archives the WAL it wrote. Then
# times, one after the other, each into its own empty directory, the
# tablespace relocated, the page cache warm:
#
#   - cp -a:        our backup's data/ and tablespace directories (the floor);
#   - ours:         barman recover main latest DEST (WAL copied into pg_wal),
#                   and with --get-wal (no WAL copied): the difference is the
#                   WAL preparation; and the recovery of an earlier backup of
#                   ours taken with backup_compression = zstd;
#   - Barman 3.4:   barman recover the same two ways;
#   - pgBackRest:   restore --process-max=2 (WAL fetched on demand later).
#
# Every time runs until the written files are on disk: the command, then
# sync (ours fsyncs what it writes; cp, Barman and pgBackRest may leave
# some of it in the page cache). RSS is the largest process's.
#
# Our recovered directory is then started and must reach the end of the
# archive with pgbench's row counts; Barman's and pgBackRest's runs must
# exit 0 and leave a PG_VERSION.
#
# Usage: scripts/bench-recover.sh [-s SCALE] [-t SECONDS] [-k]
#   -s SCALE  pgbench -i scale (default 100, ~1.5 GB; -s 10 for a quick run)
#   -t SECONDS  pgbench run after the backups, whose WAL recovery prepares (default 30)
#   -k        keep the work directory
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-barmantest-pg}
BARMAN=${BIN:-$repo/bin}/barman
SCALE=100
SECONDS_PGBENCH=30
KEEP=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts s:t:kh opt; do
	case $opt in
	s) SCALE=$OPTARG ;;
	t) SECONDS_PGBENCH=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-recover: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as $PGUSER_OS)"

need=()
[ -x "$PGBIN/pgbench" ] || need+=(postgresql-15)
[ -x /usr/bin/time ] || need+=(time)
[ -x /usr/bin/barman ] || need+=(barman)
command -v pgbackrest >/dev/null || need+=(pgbackrest)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "$BARMAN" ] || make build >&2
id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$PGUSER_OS"

work=$(mktemp -d /tmp/bench-recover.XXXXXX)
chmod 0755 "$work"
mkdir -p "$work/logs" "$work/dst"
pgs=()
cleanup() {
	local rc=$? d
	set +e
	for d in "${pgs[@]}"; do runuser -u "$PGUSER_OS" -- "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1; done
	sleep 0.5
	if ((KEEP)); then log "kept $work"; else rm -rf "$work" 2>/dev/null || rm -rf "$work"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
psql_at() { as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

declare -A SECS RSS
ORDER=()
measure() { # KEY CMD...
	local key=$1 secs rss
	shift
	sync
	log "$key: $*"
	# The time runs until the files are on disk (sync): ours fsyncs what it
	# writes, cp, Barman and pgBackRest may leave it to the page cache.
	/usr/bin/time -f '%e %M' -o "$work/time.out" bash -c '"$@" && sync' bash "$@" >"$work/logs/${key// /_}.log" 2>&1 ||
		{ tail -n 20 "$work/logs/${key// /_}.log" >&2; die "$key failed"; }
	read -r secs rss < <(tail -n 1 "$work/time.out")
	SECS[$key]=$secs RSS[$key]=$rss
	ORDER+=("$key")
	log "$(printf '%-28s %7.2f s  RSS %6.1f MiB' "$key" "$secs" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')")"
}

# --- the cluster, its archives and backups (untimed) ---------------------------
port=$(free_port)
pgdata=$work/pgdata tbs=$work/tbs1
install -d -o "$PGUSER_OS" -m 0700 "$pgdata" "$tbs"
install -d -o "$PGUSER_OS" "$work/run" "$work/arch-tmp" "$work/home/main/incoming" "$work/home34/main/incoming" \
	"$work/pgbr" "$work/pgbr/repo" "$work/pgbr/lock" "$work/pgbr/log" "$work/pgbr/spool"
cat >"$work/barman.conf" <<EOF
[barman]
barman_home = $work/home
barman_user = root
log_file = $work/barman.log
[main]
conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
streaming_conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
backup_method = postgres
archiver = on
compression = gzip
immediate_checkpoint = true
EOF
sed -e "s|$work/home|$work/home34|; s|barman.log|barman34.log|" "$work/barman.conf" >"$work/barman34.conf"
printf 'path_prefix = %s\n' "$PGBIN" >>"$work/barman34.conf"
PGBR=$work/pgbr/pgbackrest.conf
cat >"$PGBR" <<EOF
[global]
repo1-path=$work/pgbr/repo
lock-path=$work/pgbr/lock
log-path=$work/pgbr/log
spool-path=$work/pgbr/spool
log-level-console=warn
log-level-file=off
start-fast=y
[global:archive-push]
compress-type=zst
[bench]
pg1-path=$pgdata
pg1-port=$port
pg1-socket-path=$work/run
pg1-user=postgres
EOF
chmod 0644 "$PGBR"
log "PostgreSQL 15 on 127.0.0.1:$port, pgbench -i -s $SCALE in tablespace tbs1"
as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C -D "$pgdata" >/dev/null
t=$work/arch-tmp
cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work/run'
wal_level = replica
archive_mode = on
archive_command = 'cp %p $t/a.%f && mv $t/a.%f $work/home/main/incoming/%f && cp %p $t/b.%f && mv $t/b.%f $work/home34/main/incoming/%f && pgbackrest --config=$PGBR --stanza=bench archive-push %p'
fsync = off
max_wal_size = 512MB
EOF
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$work/run/pg.log" -w start >/dev/null
pgs+=("$pgdata")
as_pg pgbackrest "--config=$PGBR" --stanza=bench stanza-create >"$work/logs/stanza.log" 2>&1 || die "stanza-create"
psql_at "$port" "CREATE TABLESPACE tbs1 LOCATION '$tbs'"
as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$SCALE" --tablespace=tbs1 postgres >"$work/logs/init.log" 2>&1
archive_all() {
	psql_at "$port" "SELECT pg_switch_wal()" >/dev/null
	local i
	for i in $(seq 600); do
		[ -z "$(ls "$pgdata/pg_wal/archive_status" | grep '\.ready$' || true)" ] && break
		sleep 0.5
	done
	# archive-wal, not cron: Barman's cron archives in the background, and
	# a recovery must find the whole archive (and no archiver running).
	"$BARMAN" -c "$work/barman.conf" archive-wal main >>"$work/logs/archive-wal.log" 2>&1
	/usr/bin/barman -c "$work/barman34.conf" archive-wal main >>"$work/logs/archive-wal34.log" 2>&1
}
archive_all
log "backups: ours, Barman 3.4, pgBackRest (untimed)"
# A zstd-compressed backup first (backup_compression), then the plain one
# that "latest" names.
sed -e 's/^immediate_checkpoint = true$/immediate_checkpoint = true\nbackup_compression = zstd/' "$work/barman.conf" >"$work/barman-zstd.conf"
"$BARMAN" -c "$work/barman-zstd.conf" backup --wait main >"$work/logs/backup-zstd.log" 2>&1 || die "our zstd backup: $(tail -3 "$work/logs/backup-zstd.log")"
zid=$(ls "$work/home/main/base" | sort | tail -n 1)
sleep 1 # a new backup ID
"$BARMAN" -c "$work/barman.conf" backup --wait main >"$work/logs/backup.log" 2>&1 || die "our backup: $(tail -3 "$work/logs/backup.log")"
/usr/bin/barman -c "$work/barman34.conf" backup --wait main >"$work/logs/backup34.log" 2>&1 || die "Barman 3.4 backup: $(tail -3 "$work/logs/backup34.log")"
as_pg pgbackrest "--config=$PGBR" --stanza=bench backup --type=full --process-max=2 --compress-type=none >"$work/logs/pgbr-backup.log" 2>&1 || die "pgbackrest backup"
log "pgbench -T $SECONDS_PGBENCH after the backups, then archive its WAL"
as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -T "$SECONDS_PGBENCH" postgres >"$work/logs/pgbench.log" 2>&1
want=$(psql_at "$port" "SELECT count(*) FROM pgbench_history")
archive_all
n_ours=$(grep -c '^0000000[0-9A-F]\{17\} ' "$work/home/main/xlog.db" || true)
n_34=$(grep -c '^0000000[0-9A-F]\{17\} ' "$work/home34/main/xlog.db" || true)
[ "$n_ours" = "$n_34" ] || die "the archives differ: ours has $n_ours segments, Barman 3.4's $n_34"
id=$(ls "$work/home/main/base" | sort | tail -n 1)
BACKUP_BYTES=$(du -sb "$work/home/main/base/$id" | cut -f1)
WALS=$(ls "$work/home/main/wals"/*/ | grep -c '^0000')

# Our backups are written with O_DIRECT (not left in the page cache):
# read every source once, so that all tools start from a warm cache.
find "$work/home" "$work/home34" "$work/pgbr/repo" -type f -exec cat {} + >/dev/null

# --- timed ------------------------------------------------------------------------
mkdir -p "$work/dst/cp"
measure "cp -a" bash -c 'cp -a "$1/data" "$2/data" && cp -a "$1"/[0-9]* "$2/"' bash "$work/home/main/base/$id" "$work/dst/cp"
for mode in "" --get-wal; do
	k="ours recover${mode:+ $mode}"
	measure "$k" "$BARMAN" -c "$work/barman.conf" recover $mode --tablespace "tbs1:$work/dst/o$mode/tbs1" main latest "$work/dst/o$mode/data"
	k="Barman 3.4 recover${mode:+ $mode}"
	measure "$k" /usr/bin/barman -c "$work/barman34.conf" recover $mode --tablespace "tbs1:$work/dst/b$mode/tbs1" main latest "$work/dst/b$mode/data"
	[ -f "$work/dst/b$mode/data/PG_VERSION" ] || die "Barman 3.4 recover left no PG_VERSION"
done
measure "ours recover, zstd backup" "$BARMAN" -c "$work/barman.conf" recover --tablespace "tbs1:$work/dst/oz/tbs1" main "$zid" "$work/dst/oz/data"
[ -f "$work/dst/oz/data/PG_VERSION" ] || die "the recovery of the zstd backup left no PG_VERSION"
install -d -o "$PGUSER_OS" -m 0700 "$work/dst/pgbr" "$work/dst/pgbr/data"
measure "pgBackRest restore" runuser -u "$PGUSER_OS" -- pgbackrest "--config=$PGBR" --stanza=bench restore --process-max=2 \
	"--pg1-path=$work/dst/pgbr/data" "--tablespace-map=tbs1=$work/dst/pgbr/tbs1"
[ -f "$work/dst/pgbr/data/PG_VERSION" ] || die "pgBackRest restore left no PG_VERSION"

# WAL files each recovery prepared (counted before PostgreSQL recycles them).
w_ours=$(find "$work/dst/o/data/pg_wal" -maxdepth 1 -name '0*' -type f | wc -l)
w_34=$(find "$work/dst/b/data/pg_wal" -maxdepth 1 -name '0*' -type f | wc -l)

# --- our recovered server must start with the data ----------------------------------
log "starting our recovered server"
chown -R "$PGUSER_OS" "$work/dst/o"
install -d -o "$PGUSER_OS" "$work/run2"
p2=$(free_port)
as_pg "$PGBIN/pg_ctl" -D "$work/dst/o/data" -l "$work/run2/pg.log" -o "-p $p2 -k $work/run2" -w -t 300 start >/dev/null
pgs+=("$work/dst/o/data")
got=$(psql_at "$p2" "SELECT count(*) FROM pgbench_history")
[ "$got" = "$want" ] || die "our recovered server has $got pgbench_history rows, want $want"

# --- report -----------------------------------------------------------------------------
ratio() { awk -v a="${SECS[$1]}" -v b="${SECS[$2]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo
echo "Recovery benchmark: pgbench -i -s $SCALE (tables in tbs1) + pgbench -T $SECONDS_PGBENCH; $(nproc) cores; page cache warm"
echo "our backup $id: $(mib "$BACKUP_BYTES") MiB; $WALS WAL segments archived with gzip; pgbench_history rows at the end: $want (our recovered server: $got)"
echo
printf '%-30s %8s %8s %8s\n' measurement seconds 'MiB/s' 'RSS MiB'
for k in "${ORDER[@]}"; do
	printf '%-30s %8.2f %8.1f %8.1f\n' "$k" "${SECS[$k]}" "$(awk -v b="$BACKUP_BYTES" -v s="${SECS[$k]}" 'BEGIN { print b / 1048576 / s }')" \
		"$(awk -v k="${RSS[$k]}" 'BEGIN { print k / 1024 }')"
done
wal_ours=$(awk -v a="${SECS["ours recover"]}" -v b="${SECS["ours recover --get-wal"]}" 'BEGIN { printf "%.2f", a - b }')
wal_34=$(awk -v a="${SECS["Barman 3.4 recover"]}" -v b="${SECS["Barman 3.4 recover --get-wal"]}" 'BEGIN { printf "%.2f", a - b }')
echo
echo "WAL preparation (recover minus recover --get-wal): ours $wal_ours s for $w_ours files, Barman 3.4 $wal_34 s for $w_34 files"
echo
echo "Ratios (ours / theirs; below 1: ours is faster) and goals:"
printf '  ours recover / cp -a                  %5.2fx  (the floor)\n' "$(ratio "ours recover" "cp -a")"
printf '  ours recover, zstd backup / plain     %5.2fx  (backup %s: %s MiB)\n' "$(ratio "ours recover, zstd backup" "ours recover")" \
	"$zid" "$(mib "$(du -sb "$work/home/main/base/$zid" | cut -f1)")"
r=$(ratio "ours recover" "Barman 3.4 recover")
printf '  ours recover / Barman 3.4 recover     %5.2fx  <= 0.40x  %s\n' "$r" "$(awk -v r="$r" 'BEGIN { print (r <= 0.4 ? "met" : "MISSED") }')"
r=$(ratio "ours recover --get-wal" "pgBackRest restore")
printf '  ours recover --get-wal / pgBackRest   %5.2fx  <= 0.80x  %s  (both without WAL)\n' "$r" "$(awk -v r="$r" 'BEGIN { print (r <= 0.8 ? "met" : "MISSED") }')"
r=$(ratio "ours recover" "pgBackRest restore")
printf '  ours recover / pgBackRest restore     %5.2fx  <= 0.80x  %s  (ours also prepares the WAL)\n' "$r" "$(awk -v r="$r" 'BEGIN { print (r <= 0.8 ? "met" : "MISSED") }')"
awk -v a="$wal_34" -v b="$wal_ours" 'BEGIN { r = (b > 0 ? a / b : 0); printf "  WAL preparation speed-up over Barman  %5.2fx  >= 2x     %s\n", r, (r >= 2 ? "met" : "MISSED") }'
