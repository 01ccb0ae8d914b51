#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as CI runs it: installs dependencies, builds edgelb
# twice (ASan+UBSan, then plain) and runs every test. The sanitizer run
# comes first so that meson's summary of the full run ends the output.
# Needs root (apt-get, BPF, network namespaces).
#
# Under CI (CI=true in the environment) a test that cannot run is a
# failure, not a skip: the shell tests fail on their own
# (tests/integration/check.sh: skip_or_fail), and no_skips below fails the
# run for the C test programs that exit 77 (meson's SKIP).
set -euo pipefail
cd "$(dirname "$0")/.."

# no_skips BUILDDIR: under CI, fail if meson's last run skipped a test
no_skips() {
	local skipped
	[ "${CI:-}" = true ] || return 0
	skipped=$(jq -r 'select(.result == "SKIP") | .name' "$1/meson-logs/testlog.json")
	[ -z "$skipped" ] && return 0
	echo "CI=true: these tests were skipped, which fails the run:"
	echo "$skipped" | sed 's/^/    /'
	return 1
}

tools/install-deps.sh

echo "== ASan + UBSan build: every test"
tools/build.sh build-asan -Dsanitizers=true -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs
no_skips build-asan

echo "== plain build: every test"
tools/build.sh build
meson test -C build --print-errorlogs
no_skips build
