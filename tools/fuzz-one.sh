#!/bin/sh
# fuzz-one.sh PACKAGE TARGET: go test -fuzz TARGET in PACKAGE for $FUZZTIME
# (default 20s) with $GO (default go).
#
# Go 1.26's fuzz coordinator can fail a run with "context deadline exceeded"
# as -fuzztime ends although no input failed (golang/go#75804, fixed in Go
# 1.27). Such a run writes no reproducer to PACKAGE/testdata/fuzz/TARGET and
# is run once more; a run that writes one fails at once.
set -u
pkg=$1
target=$2
dir=$pkg/testdata/fuzz/$target
count() { ls "$dir" 2>/dev/null | wc -l; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for try in 1 2; do
	before=$(count)
	"${GO:-go}" test "$pkg" -run '^$' -fuzz "$target" -fuzztime "${FUZZTIME:-20s}" >"$log" 2>&1
	rc=$?
	cat "$log"
	[ "$rc" -eq 0 ] && exit 0
	if [ "$(count)" -gt "$before" ] || ! grep -q 'context deadline exceeded' "$log"; then
		exit "$rc"
	fi
	echo "fuzz-one.sh: $target: the Go fuzzer's deadline race (golang/go#75804), no failing input; running it again" >&2
done
exit "$rc"
