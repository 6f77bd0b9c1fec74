#!/usr/bin/env bash
# bench-backup.sh: the base backup benchmark.
#
# Starts a throwaway PostgreSQL 15 (archive_mode = on; archive_command
# copies each segment into our barman's incoming/, into Debian's Barman
# 3.4's, and runs pgBackRest's archive-push), with a tablespace tbs1 that
# holds pgbench's tables (the indexes stay in the default tablespace), and
# fills it with pgbench -i -s SCALE. Then times, one after the other, each
# into its own destination, the page cache warm for everyone:
#
#   - cp -a:          the data directory and the tablespace (the floor;
#                     pg_wal included, no fsync);
#   - pg_basebackup:  -Fp -X none -c fast, with --tablespace-mapping (fsyncs);
#   - ours:           bin/barman backup --wait, backup_method = postgres (also
#                     with backup_compression = zstd, compressed here and by
#                     the server with 2 workers), and
#                     rsync (tar streams through ssh to a real sshd on
#                     127.0.0.1, as the PostgreSQL OS user) with -j 1 and -j 2;
#   - Barman 3.4:     Debian's barman backup --wait, backup_method = rsync
#                     (through the same sshd) and postgres;
#   - pgBackRest:     backup --type=full --process-max=2 --start-fast, with
#                     compress-type none and zst.
#
# Then pgbench -T 10 and a second backup of ours (rsync -j 2) with
# reuse_backup = link: its time, size, and what it shares with the first.
#
# Our rsync method runs also once per SSH transport (BARMAN_SSH_TRANSPORT=
# openssh: an ssh process per stream; native: barman's own client, one
# connection for the backup's commands); the plain lines are the default
# (auto). -T measures only those (and cp -a), for a quick comparison.
#
# Each of our backups must end DONE and pass verify-backup; Barman 3.4's
# must end DONE; pgBackRest's must be listed by its info command.
#
# Run as root on Debian 12 (it runs make build when bin/barman is missing
# and installs missing packages with apt-get). Everything it starts is
# stopped, everything it writes removed (unless -k).
#
# Usage: scripts/bench-backup.sh [-s SCALE] [-T] [-k]
#   -s SCALE  pgbench -i scale (default 100, ~1.5 GB; -s 10 for a quick run)
#   -T        only the SSH transports: cp -a, pg_basebackup, ours rsync -j2,
#             and ours rsync -j1/-j2 with each transport
#   -k        keep the work directory (its path is printed at the end)
#   BIN=DIR   our binaries (default: bin/ of this repository)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-barmantest-pg}
BIN=${BIN:-$repo/bin}
BARMAN=$BIN/barman

SCALE=100
KEEP=0
ONLY_TRANSPORTS=0
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts s:Tkh opt; do
	case $opt in
	s) SCALE=$OPTARG ;;
	T) ONLY_TRANSPORTS=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "bench-backup: -s wants a positive integer" >&2; exit 2; }

log() { printf '\033[1m[bench %s]\033[0m %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench-backup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL runs as $PGUSER_OS, sshd needs root)"

# --- dependencies -------------------------------------------------------

install_deps() {
	local need=()
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || need+=(postgresql-15)
	[ -x "$PGBIN/psql" ] && [ -x "$PGBIN/pg_basebackup" ] || need+=(postgresql-client-15)
	[ -x /usr/bin/time ] || need+=(time)
	command -v rsync >/dev/null || need+=(rsync)
	command -v pgbackrest >/dev/null || need+=(pgbackrest)
	[ -x /usr/bin/barman ] || need+=(barman)
	[ -x /usr/sbin/sshd ] || need+=(openssh-server)
	command -v ssh >/dev/null || need+=(openssh-client)
	command -v runuser >/dev/null || need+=(util-linux)
	if ((${#need[@]})); then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
			log "apt-get install failed; what is missing is reported as not measured"
		if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
			pg_ctlcluster 15 main stop 2>/dev/null || true
		fi
	fi
	[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || die "PostgreSQL 15 is not installed in $PGBIN"
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
	[ -x /usr/sbin/sshd ] || die "sshd is missing (apt-get install openssh-server)"
	if [ ! -x "$BARMAN" ] || ! "$BARMAN" backup --help >/dev/null 2>&1; then
		[ "$BIN" = "$repo/bin" ] || die "$BIN has no barman with backup"
		log "bin/barman is missing: make build"
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

# --- sshd on 127.0.0.1 --------------------------------------------------------

setup_sshd() {
	local d=$work/ssh sport
	mkdir -p "$d" /run/sshd
	chmod 0755 "$d"
	sport=$(free_port)
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" -C bench-host
	ssh-keygen -q -t ed25519 -N '' -f "$d/client_key" -C bench-client
	cp "$d/client_key.pub" "$d/authorized_keys"
	chmod 0644 "$d/authorized_keys"
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
		# the benchmark times the copy, not the shell start-up.
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
	/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
	sshd_pid=$!
	SSH_CMD="ssh -F $d/ssh_config $PGUSER_OS@127.0.0.1"
	local i
	for i in $(seq 50); do
		$SSH_CMD true 2>"$d/ssh-try.log" && return 0
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	die "ssh $PGUSER_OS@127.0.0.1 true fails: $(cat "$d/ssh-try.log" "$d/sshd.log" | tr '\n' ' ' | cut -c1-300)"
}

# --- the cluster -----------------------------------------------------------

PGBR_CONF=
start_cluster() {
	local pgdata=$work/pgdata tbs=$work/tbs1
	install -d -o "$PGUSER_OS" -m 0700 "$pgdata" "$tbs"
	install -d -o "$PGUSER_OS" "$work/run" "$work/arch-tmp" "$work/home/main/incoming" "$work/home34/main/incoming"
	install -d -o "$PGUSER_OS" "$work/pgbr" "$work/pgbr/repo" "$work/pgbr/lock" "$work/pgbr/log" "$work/pgbr/spool"
	port=$(free_port)
	write_conf rsync
	write_conf34 rsync
	PGBR_CONF=$work/pgbr/pgbackrest.conf
	cat >"$PGBR_CONF" <<-EOF
		[global]
		repo1-path=$work/pgbr/repo
		repo1-retention-full=99
		lock-path=$work/pgbr/lock
		log-path=$work/pgbr/log
		spool-path=$work/pgbr/spool
		log-level-console=warn
		log-level-stderr=warn
		log-level-file=off
		start-fast=y

		[global:archive-push]
		compress-type=lz4

		[bench]
		pg1-path=$pgdata
		pg1-port=$port
		pg1-socket-path=$work/run
		pg1-user=postgres
	EOF
	chmod 0644 "$PGBR_CONF"
	log "PostgreSQL 15 on 127.0.0.1:$port as $PGUSER_OS, tablespace tbs1 in $tbs"
	as_pg "$PGBIN/initdb" -A trust -U postgres --no-sync -E UTF8 --locale=C -D "$pgdata" >/dev/null
	# Each archived segment goes to three archivers; the copies are atomic
	# (cp into a directory of the same file system, then mv).
	local t=$work/arch-tmp
	cat >>"$pgdata/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$work/run'
		wal_level = replica
		max_wal_senders = 10
		archive_mode = on
		archive_command = 'cp %p $t/a.%f && mv $t/a.%f $work/home/main/incoming/%f && cp %p $t/b.%f && mv $t/b.%f $work/home34/main/incoming/%f && pgbackrest --config=$PGBR_CONF --stanza=bench archive-push %p'
		fsync = off
		synchronous_commit = off
		min_wal_size = 32MB
		max_wal_size = 512MB
	EOF
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$work/run/pg.log" -w start >/dev/null
	pg_running=1
	as_pg pgbackrest "--config=$PGBR_CONF" --stanza=bench stanza-create >"$work/logs/pgbr-stanza.log" 2>&1 ||
		{ cat "$work/logs/pgbr-stanza.log" >&2; die "pgBackRest stanza-create failed"; }
	psql_pg -c "CREATE TABLESPACE tbs1 LOCATION '$tbs'"
	log "pgbench -i -s $SCALE --tablespace=tbs1 (tables in tbs1, indexes in pg_default)"
	as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$SCALE" --tablespace=tbs1 postgres \
		>"$work/logs/pgbench-init.log" 2>&1 || { cat "$work/logs/pgbench-init.log" >&2; die "pgbench -i failed"; }
	psql_pg -c 'CHECKPOINT' -c 'SELECT pg_switch_wal()' >/dev/null
	wait_archived
	psql_pg -c 'CHECKPOINT' >/dev/null
	log "archiving what pgbench -i wrote (untimed)"
	drain
	DATA_BYTES=$(du -sb "$pgdata" "$tbs" | awk '{ t += $1 } END { print t }')
	WAL_BYTES=$(du -sb "$pgdata/pg_wal" | cut -f1)
	log "data directory + tablespace: $(mib "$DATA_BYTES") MiB (pg_wal $(mib "$WAL_BYTES") MiB)"
}

# wait_archived: until PostgreSQL has nothing left to archive.
wait_archived() {
	local i
	for i in $(seq 600); do
		[ -z "$(ls "$work/pgdata/pg_wal/archive_status" | grep '\.ready$' || true)" ] && return 0
		sleep 0.5
	done
	die "PostgreSQL still has WAL to archive after 300 s"
}

# drain: archive, untimed, what is waiting in both incoming directories, so
# that a timed backup archives only its own WAL (pgbench's, and the other
# tools' backups', are archived before).
drain() {
	wait_archived
	"$BARMAN" -c "$work/barman.conf" archive-wal main >>"$work/logs/archive-wal-ours.log" 2>&1 ||
		{ tail "$work/logs/archive-wal-ours.log" >&2; die "our archive-wal failed"; }
	/usr/bin/barman -c "$work/barman34.conf" archive-wal main >>"$work/logs/archive-wal-34.log" 2>&1 ||
		{ tail "$work/logs/archive-wal-34.log" >&2; die "Barman 3.4 archive-wal failed"; }
}

# --- configurations --------------------------------------------------------

write_conf() { # METHOD (rsync|postgres) [REUSE] [EXTRA LINES]
	cat >"$work/barman.conf" <<-EOF
		[barman]
		barman_home = $work/home
		barman_user = root
		log_file = $work/barman.log
		log_level = INFO

		[main]
		description = "bench-backup"
		conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		streaming_conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		ssh_command = $SSH_CMD
		backup_method = $1
		archiver = on
		immediate_checkpoint = true
		reuse_backup = ${2:-off}
		${3:-}
	EOF
}

write_conf34() { # METHOD (rsync|postgres)
	cat >"$work/barman34.conf" <<-EOF
		[barman]
		barman_home = $work/home34
		barman_user = root
		log_file = $work/barman34.log
		log_level = INFO
		path_prefix = $PGBIN

		[main]
		description = "bench-backup"
		conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		streaming_conninfo = host=127.0.0.1 port=$port user=postgres dbname=postgres
		ssh_command = $SSH_CMD
		backup_method = $1
		backup_options = concurrent_backup
		archiver = on
		immediate_checkpoint = true
	EOF
}

# --- measuring --------------------------------------------------------------

declare -A SECS RSS OUTB INB NOTE
ORDER=()
SKIPPED=()

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
slug() { tr -c 'A-Za-z0-9.\n-' _ <<<"$1"; }

# measure KEY CMD...: times CMD (wall time and peak RSS of its largest
# process); its output goes to $work/logs/KEY.log.
measure() {
	local key=$1 secs rss
	shift
	sync # the previous run's write-back is not charged to this one
	log "$key: $*"
	if ! /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >"$work/logs/$(slug "$key").log" 2>&1; then
		log "$key FAILED:"
		tail -n 20 "$work/logs/$(slug "$key").log" >&2
		return 1
	fi
	read -r secs rss < <(tail -n 1 "$work/time.out")
	SECS[$key]=$secs
	RSS[$key]=$rss
	ORDER+=("$key")
	log "$(printf '%-26s %7.2f s  RSS %6.1f MiB' "$key" "$secs" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')")"
}

skip() { SKIPPED+=("$1: not measured: $2"); log "$1: not measured: $2"; }

# du_b PATH...: bytes on disk (hard links counted once).
du_b() { du -scb "$@" | tail -n 1 | cut -f1; }

# info_get FILE KEY: a key of a backup.info.
info_get() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# newest backup ID under HOME/main/base
newest_id() { ls -1 "$1/main/base" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}$' | sort | tail -n 1; }

run_cp() {
	local dst=$work/dst/cp
	mkdir -p "$dst"
	measure "cp -a" bash -c 'cp -a "$1" "$3/data" && cp -a "$2" "$3/tbs1"' bash \
		"$work/pgdata" "$work/tbs1" "$dst" || die "cp -a failed"
	OUTB["cp -a"]=$(du_b "$dst")
	INB["cp -a"]=${OUTB["cp -a"]}
	NOTE["cp -a"]="the floor: no fsync, pg_wal included"
}

run_pg_basebackup() {
	local dst=$work/dst/pgbb key="pg_basebackup -Fp"
	install -d -o "$PGUSER_OS" "$dst"
	measure "$key" runuser -u "$PGUSER_OS" -- "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres \
		-Fp -X none -c fast -D "$dst/data" "--tablespace-mapping=$work/tbs1=$dst/tbs1" || die "$key failed"
	OUTB[$key]=$(du_b "$dst")
	BASE_BYTES=${OUTB[$key]}
	NOTE[$key]="-X none -c fast, fsyncs"
}

# check_ours KEY: the newest backup is DONE and passes verify-backup.
check_ours() {
	local key=$1 id info st
	id=$(newest_id "$work/home")
	[ -n "$id" ] || die "$key: no backup in $work/home/main/base"
	info=$work/home/main/base/$id/backup.info
	st=$(info_get "$info" status)
	[ "$st" = DONE ] || die "$key: backup $id is $st, not DONE"
	"$BARMAN" -c "$work/barman.conf" list-backups main >"$work/logs/list-backups.out" 2>&1 ||
		die "$key: list-backups failed: $(cat "$work/logs/list-backups.out")"
	grep -q "$id" "$work/logs/list-backups.out" || die "$key: list-backups does not list $id"
	if grep -E "$id" "$work/logs/list-backups.out" | grep -qiE 'FAILED|WAITING|STARTED'; then
		die "$key: list-backups: $(grep "$id" "$work/logs/list-backups.out")"
	fi
	"$BARMAN" -c "$work/barman.conf" verify-backup main latest >"$work/logs/$(slug "$key").verify" 2>&1 ||
		die "$key: verify-backup main latest failed: $(tail -n 5 "$work/logs/$(slug "$key").verify")"
	OUTB[$key]=$(du_b "$work/home/main/base/$id")
	LAST_ID=$id
	if grep -qiE 'error|warning|panic' "$work/logs/$(slug "$key").log"; then
		NOTE[$key]="${NOTE[$key]:+${NOTE[$key]}; }warnings in output (below)"
		WARNLOGS+=("$key")
	fi
}
WARNLOGS=()

run_ours() { # KEY METHOD JOBS [REUSE] [EXTRA CONFIGURATION LINES]; TRANSPORT=openssh|native|auto
	local key=$1 method=$2 jobs=$3 reuse=${4:-off} transport=${TRANSPORT:-auto}
	write_conf "$method" "$reuse" "${5:-}"
	drain
	local args=(-c "$work/barman.conf" backup --wait --wait-timeout 300 main)
	[ "$method" = rsync ] && args=(-c "$work/barman.conf" backup -j "$jobs" --reuse-backup "$reuse" --wait --wait-timeout 300 main)
	measure "$key" env BARMAN_SSH_TRANSPORT="$transport" "$BARMAN" "${args[@]}" || die "$key failed"
	check_ours "$key"
	NOTE[$key]="${NOTE[$key]:+${NOTE[$key]}; }$LAST_ID DONE, verify-backup OK"
	[ "$transport" = auto ] || NOTE[$key]+="; BARMAN_SSH_TRANSPORT=$transport"
}

run_barman34() { # METHOD
	local key="Barman 3.4 $1" id st
	[ -x /usr/bin/barman ] || { skip "$key" "/usr/bin/barman is not installed"; return 0; }
	write_conf34 "$1"
	drain
	if ! measure "$key" /usr/bin/barman -c "$work/barman34.conf" backup --wait --wait-timeout 300 main; then
		skip "$key" "barman backup failed (see the log above)"
		return 0
	fi
	id=$(newest_id "$work/home34")
	st=$(info_get "$work/home34/main/base/$id/backup.info" status)
	[ "$st" = DONE ] || { NOTE[$key]="backup $id is $st, not DONE"; }
	OUTB[$key]=$(du_b "$work/home34/main/base/$id")
	NOTE[$key]="${NOTE[$key]:-$id $st}"
}

run_pgbackrest() { # TYPE
	local key="pgBackRest $1" before after label
	before=$(ls "$work/pgbr/repo/backup/bench" 2>/dev/null | grep -E '^[0-9]{8}-[0-9]{6}F$' || true)
	if ! measure "$key" runuser -u "$PGUSER_OS" -- pgbackrest "--config=$PGBR_CONF" --stanza=bench \
		backup --type=full --process-max=2 "--compress-type=$1"; then
		skip "$key" "pgbackrest backup failed (see the log above)"
		return 0
	fi
	after=$(ls "$work/pgbr/repo/backup/bench" | grep -E '^[0-9]{8}-[0-9]{6}F$')
	label=$(comm -13 <(echo "$before") <(echo "$after") | tail -n 1)
	[ -n "$label" ] || die "$key: no new backup in the repository"
	as_pg pgbackrest "--config=$PGBR_CONF" --stanza=bench info >"$work/logs/pgbr-info.out" 2>&1
	grep -q "full backup: $label" "$work/logs/pgbr-info.out" || die "$key: info does not list $label"
	OUTB[$key]=$(du_b "$work/pgbr/repo/backup/bench/$label")
	NOTE[$key]="$label, process-max 2"
}

# --- the report ------------------------------------------------------------------

report() {
	local k s
	echo
	echo "Base backup benchmark: pgbench -i -s $SCALE (tables in tablespace tbs1), $(nproc) cores, one run each, page cache warm"
	echo "data directory + tablespace: $(mib "$DATA_BYTES") MiB, of which pg_wal $(mib "$WAL_BYTES") MiB;" \
		"pg_basebackup -Fp copy: $(mib "$BASE_BYTES") MiB"
	echo "ours: $("$BARMAN" -v 2>&1 | head -n 1) ($BIN); Barman $(/usr/bin/barman -v 2>&1 | head -n 1 | cut -d' ' -f1);" \
		"pgBackRest $(pgbackrest version 2>/dev/null | cut -d' ' -f2); PostgreSQL $("$PGBIN/postgres" -V | cut -d' ' -f3)"
	echo
	printf '%-26s %8s %8s %8s %9s  %s\n' measurement seconds 'MiB/s' 'RSS MiB' 'size MiB' note
	printf '%-26s %8s %8s %8s %9s  %s\n' -------------------------- -------- -------- -------- --------- ----
	for k in "${ORDER[@]}"; do
		s=${SECS[$k]}
		printf '%-26s %8.2f %8.1f %8s %9s  %s\n' "$k" "$s" \
			"$(awk -v b="${INB[$k]:-$BASE_BYTES}" -v s="$s" 'BEGIN { print (s > 0 ? b / 1048576 / s : 0) }')" \
			"$(awk -v k="${RSS[$k]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$(mib "${OUTB[$k]:-0}")" "${NOTE[$k]:-}"
	done
	echo
	echo "MiB/s: the pg_basebackup -Fp copy's size / seconds (cp -a: its own size, pg_wal included);"
	echo "RSS: peak resident memory of the largest single process (/usr/bin/time %M), not a sum (our rsync"
	echo "method's remote tar and sshd, pgBackRest's local workers, Barman 3.4's rsync children are separate);"
	echo "size: du of the backup directory (hard links counted once; for the reuse run, see below)."
	if [ -n "${REUSE_ID:-}" ]; then
		echo
		echo "Second backup with reuse_backup = link, after pgbench -T 10 (${REUSE_ID} reusing ${REUSE_PREV}):"
		echo "  backup.info size = $(mib "$REUSE_SIZE") MiB, deduplicated_size = $(mib "$REUSE_DEDUP") MiB" \
			"(shared with the previous backup: $(mib $((REUSE_SIZE - REUSE_DEDUP))) MiB," \
			"$(awk -v s="$REUSE_SIZE" -v d="$REUSE_DEDUP" 'BEGIN { printf "%.1f", (s > 0 ? 100 * (s - d) / s : 0) }')%)"
		echo "  on disk: alone $(mib "$REUSE_DU_ALONE") MiB, beyond the previous backup $(mib "$REUSE_DU_NEW") MiB" \
			"(du of both minus du of the previous)"
	fi
	echo
	echo "Ratios: ratio = our seconds / their seconds (below 1: ours is faster)."
	local ours theirs
	printf '  %-24s' ''
	for theirs in "cp -a" "pg_basebackup -Fp" "Barman 3.4 rsync" "Barman 3.4 postgres" "pgBackRest none" "pgBackRest zst"; do
		printf ' %20s' "$theirs"
	done
	echo
	for ours in "ours rsync -j1" "ours rsync -j2" "ours postgres" "ours postgres zstd" "ours postgres zstd@server" "ours rsync -j2 reuse=link"; do
		[ -n "${SECS[$ours]:-}" ] || continue
		printf '  %-24s' "$ours"
		for theirs in "cp -a" "pg_basebackup -Fp" "Barman 3.4 rsync" "Barman 3.4 postgres" "pgBackRest none" "pgBackRest zst"; do
			if [ -n "${SECS[$theirs]:-}" ]; then
				printf ' %20s' "$(awk -v a="${SECS[$ours]}" -v b="${SECS[$theirs]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
			else
				printf ' %20s' -
			fi
		done
		echo
	done
	echo
	echo "Goals (uncompressed backups of ours):"
	for ours in "ours rsync -j1" "ours rsync -j2" "ours postgres"; do
		[ -n "${SECS[$ours]:-}" ] || continue
		goal "$ours" "pg_basebackup -Fp" 1.15
		goal "$ours" "Barman 3.4 rsync" 0.25
	done
	echo "Goals (zstd backup_compression, against pgBackRest zst: time and size):"
	for ours in "ours postgres zstd" "ours postgres zstd@server"; do
		[ -n "${SECS[$ours]:-}" ] || continue
		goal "$ours" "pgBackRest zst" 0.8
		[ -n "${OUTB["pgBackRest zst"]:-}" ] && awk -v a="${OUTB[$ours]}" -v b="${OUTB["pgBackRest zst"]}" -v o="$ours" 'BEGIN {
			printf "  %-26s size %.1f MiB vs %.1f MiB  %5.2fx  <= 1.00x  %s\n", o, a / 1048576, b / 1048576, a / b, (a <= b ? "met" : "MISSED") }'
	done
	for ours in "ours rsync -j1" "ours rsync -j2" "ours postgres" "ours postgres zstd" "ours postgres zstd@server" "ours rsync -j2 reuse=link"; do
		[ -n "${RSS[$ours]:-}" ] || continue
		awk -v r="${RSS[$ours]}" -v o="$ours" 'BEGIN { m = r / 1024
			printf "  %-26s peak RSS %6.1f MiB  <= 100 MiB            %s\n", o, m, (m <= 100 ? "met" : "MISSED") }'
	done
	if ((${#SKIPPED[@]})); then
		echo
		printf '%s\n' "${SKIPPED[@]}"
	fi
	local e
	for e in "${WARNLOGS[@]}"; do
		echo
		echo "Error and warning lines in the output of $e:"
		grep -iE 'error|warning|panic' "$work/logs/$(slug "$e").log" | sort | uniq -c | sort -rn | head -n 10
	done
}

goal() { # OURS THEIRS LIMIT
	[ -n "${SECS[$2]:-}" ] || { printf '  %-26s vs %-20s: not measured\n' "$1" "$2"; return 0; }
	awk -v a="${SECS[$1]}" -v b="${SECS[$2]}" -v l="$3" -v o="$1" -v t="$2" 'BEGIN {
		r = (b > 0 ? a / b : 0)
		printf "  %-26s vs %-20s %5.2fx  <= %.2fx  %s\n", o, t, r, l, (r <= l ? "met" : "MISSED") }'
}

# run_transports: our rsync method with each SSH transport forced.
run_transports() {
	local t
	for t in openssh native; do
		TRANSPORT=$t run_ours "ours rsync -j1 $t" rsync 1
		TRANSPORT=$t run_ours "ours rsync -j2 $t" rsync 2
	done
}

# --- main ------------------------------------------------------------------------

main() {
	install_deps
	work=$(mktemp -d /tmp/bench-backup.XXXXXX)
	chmod 0755 "$work"
	mkdir -p "$work/logs" "$work/dst"
	local t0=$SECONDS
	setup_sshd
	start_cluster

	run_cp
	run_pg_basebackup
	if ((ONLY_TRANSPORTS)); then
		run_ours "ours rsync -j2" rsync 2
		run_transports
		log "done in $((SECONDS - t0)) s"
		report
		return 0
	fi
	run_ours "ours postgres" postgres 1
	run_ours "ours postgres zstd" postgres 1 off "backup_compression = zstd"
	run_ours "ours postgres zstd@server" postgres 1 off $'backup_compression = zstd\nbackup_compression_location = server\nbackup_compression_workers = 2'
	run_ours "ours rsync -j1" rsync 1
	run_ours "ours rsync -j2" rsync 2
	run_transports
	run_barman34 rsync
	run_barman34 postgres
	run_pgbackrest none
	run_pgbackrest zst

	log "pgbench -T 10, then our second backup with reuse_backup = link"
	REUSE_PREV=$(newest_id "$work/home")
	as_pg "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -j 2 -T 10 postgres \
		>"$work/logs/pgbench-T10.log" 2>&1 || { tail "$work/logs/pgbench-T10.log" >&2; die "pgbench -T 10 failed"; }
	run_ours "ours rsync -j2 reuse=link" rsync 2 link
	REUSE_ID=$LAST_ID
	local info=$work/home/main/base/$REUSE_ID/backup.info prev=$work/home/main/base/$REUSE_PREV
	REUSE_SIZE=$(info_get "$info" size)
	REUSE_DEDUP=$(info_get "$info" deduplicated_size)
	[ -n "$REUSE_SIZE" ] || REUSE_SIZE=0
	[ -n "$REUSE_DEDUP" ] || { REUSE_DEDUP=$REUSE_SIZE; NOTE["ours rsync -j2 reuse=link"]+="; backup.info has no deduplicated_size"; }
	REUSE_DU_ALONE=$(du_b "$work/home/main/base/$REUSE_ID")
	REUSE_DU_NEW=$(($(du_b "$prev" "$work/home/main/base/$REUSE_ID") - $(du_b "$prev")))
	OUTB["ours rsync -j2 reuse=link"]=$REUSE_DU_NEW
	NOTE["ours rsync -j2 reuse=link"]+="; size: beyond the previous backup"
	log "done in $((SECONDS - t0)) s"
	report
}

main "$@"
