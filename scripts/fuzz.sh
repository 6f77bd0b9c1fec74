#!/usr/bin/env bash
# Runs every Fuzz* target of the module for a fixed number of inputs each
# (a count, not a duration: Go 1.26 fuzzing can end a timed run with a
# spurious "context deadline exceeded").
set -euo pipefail
t=${1:-100000x}
cd "$(dirname "$0")/.."
for pkg in $(go list ./...); do
	for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $f"
		go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
	done
done
