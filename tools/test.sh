#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as CI runs it: installs dependencies, builds edgelb
# twice (ASan+UBSan, then plain) and runs every test. The sanitizer run
# comes first so that meson's summary of the full run ends the output.
# Needs root (apt-get, BPF, network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh

echo "== ASan + UBSan build: every test"
tools/build.sh build-asan -Dsanitizers=true -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs

echo "== plain build: every test"
tools/build.sh build
meson test -C build --print-errorlogs
