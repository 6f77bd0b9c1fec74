#!/usr/bin/env bash
# Installs what barman's tests and demo need, when missing: PostgreSQL 15
# (server binaries, pgbench, pg_verifybackup), OpenSSH server and client, rsync, flock,
# and Debian's barman (the peer the catalogue is checked against).
# Under CI (CI=true) a failed install fails the run.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
need=()
[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] && [ -x "$PGBIN/pg_verifybackup" ] || need+=(postgresql-15)
command -v psql >/dev/null || need+=(postgresql-client-15)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v rsync >/dev/null || need+=(rsync)
command -v flock >/dev/null || need+=(util-linux)
# The compression CLIs the compress tests check our output against.
for tool in gzip:gzip pigz:pigz bzip2:bzip2 zstd:zstd lz4:lz4 xz:xz-utils; do
	command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
command -v runuser >/dev/null || need+=(util-linux)
# Debian's Barman 3.4: the peer the catalogue is tested against.
[ -x /usr/bin/barman ] || need+=(barman)

# Debian's barman-cli-cloud 3.4 (with boto3): the peer of the cloud tools.
[ -x /usr/bin/barman-cloud-backup ] || need+=(barman-cli-cloud)
python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)

# Versity S3 Gateway: the S3-compatible server the cloud tests run against,
# built from its Go module (about a minute) into /usr/local/bin.
VERSITYGW_VERSION=v1.8.0
if ! command -v versitygw >/dev/null && [ ! -x /usr/local/bin/versitygw ] && [ -z "${VERSITYGW:-}" ]; then
	echo "deps: building versitygw $VERSITYGW_VERSION (go install)" >&2
	GOBIN=/usr/local/bin go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" ||
		{ echo "deps: could not build versitygw: run GOBIN=/usr/local/bin go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2; exit 1; }
fi

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${need[*]}" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root: install ${need[*]} yourself (apt-get install -y ${need[*]})" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's postgresql package starts a cluster of its own; the tests do not need it.
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
	pg_ctlcluster 15 main stop 2>/dev/null || true
fi
