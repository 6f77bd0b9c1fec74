# barman in Go. `make demo` and `make test` are the two set-up commands.
SHELL := /bin/bash
GO ?= go
BIN := bin
PGBIN ?= /usr/lib/postgresql/15/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/gobarman/barman/internal/cli/clikit.version=$(VERSION)
TOOLS := barman barman-wal-compress barman-wal-ingest barman-basebackup barman-restore barman-cloud
# The barman-cloud-* tools: one binary, run by the name it is called by.
CLOUD_TOOLS := barman-cloud-wal-archive barman-cloud-wal-restore barman-cloud-check-wal-archive \
	barman-cloud-backup barman-cloud-restore barman-cloud-backup-list barman-cloud-backup-show \
	barman-cloud-backup-delete barman-cloud-backup-keep

.PHONY: all build deps test vet lint fuzz bench demo quickstart man clean tidy-check

all: build

# Static binaries (no cgo): barman-wal-ingest push and pull are copied
# alone to PostgreSQL hosts, whatever their C library.
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ $(addprefix ./cmd/,$(TOOLS))
	@for t in $(CLOUD_TOOLS); do ln -sfn barman-cloud $(BIN)/$$t; done

# deps installs what the tests and the demo need and are missing:
# PostgreSQL 15 (server, pgbench), OpenSSH server and client, rsync, and
# Debian's barman 3.4 (the peer the catalogue is tested against).
deps:
	@scripts/deps.sh

vet:
	$(GO) vet ./...

lint: vet
	@gofmt -l . | tee /dev/stderr | (! read)

tidy-check:
	@$(GO) mod tidy -diff

# A test whose component (PostgreSQL, sshd, flock, root...) is missing
# fails; BARMAN_TEST_ALLOW_SKIP=1 skips it instead, outside CI (internal/pgtest).
test: deps vet tidy-check
	$(GO) test -race -count=1 -timeout 15m ./...

# Short fuzzing of every parser (not part of `make test`): 100000 inputs each.
fuzz:
	@scripts/fuzz.sh 100000x

# Benchmarks against reference tools in the same run, reported as ratios
# (not part of `make test`): the compression stage against the gzip, zstd,
# bzip2 and lz4 CLIs, and WAL archiving end to end against Debian's
# Barman 3.4 and pgBackRest, base backups and recovery against cp -a,
# pg_basebackup, Barman 3.4 and pgBackRest on pgbench -s SCALE, retention
# over 1,000 backups and 1,000,000 xlog.db lines against reading xlog.db and
# Barman 3.4, and WAL streaming (receive-wal, asynchronous and synchronous)
# against pg_receivewal under pgbench for D seconds per run, and the
# barman-cloud-* tools against Barman 3.4's, pgBackRest's S3 repository and
# aws s3 cp on a local Versity S3 Gateway.
# N=16 SCALE=10 D=10 for a quick run.
N ?= 64
SCALE ?= 100
D ?= 60
bench: deps build
	scripts/bench-compress.sh --segments $(N)
	scripts/bench-archive.sh -n $(N)
	scripts/bench-backup.sh -s $(SCALE)
	scripts/bench-recover.sh -s $(SCALE)
	scripts/bench-retention.sh
	scripts/bench-receive-wal.sh -d $(D)
	scripts/bench-cloud.sh -s $(SCALE)

# The demo: a throwaway PostgreSQL 15, WAL archiving, a backup, pgbench,
# and a point-in-time recovery checked row for row (scripts/demo.sh).
demo: deps build
	@scripts/demo.sh

quickstart: demo

clean:
	rm -rf $(BIN)
