#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-bad.sh EDGELBD FILE EXPECTED
#
# Asserts that "EDGELBD --check-config FILE" rejects FILE: exit status 1,
# nothing claimed OK on stdout, and a line on stderr starting with
# "FILE:EXPECTED", where EXPECTED is "LINE: PATH: message". A wrong line,
# path or message therefore fails the test, not only a wrong exit status.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 EDGELBD FILE EXPECTED" >&2
	exit 2
fi
edgelbd=$1
file=$2
expected="$file:$3"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$edgelbd" --check-config "$file" >"$tmp/out" 2>"$tmp/err"
rc=$?
fail=0

if [ "$rc" -ne 1 ]; then
	echo "FAIL: exit status $rc, expected 1" >&2
	fail=1
fi
if grep -q "configuration OK" "$tmp/out"; then
	echo "FAIL: stdout claims the configuration is OK" >&2
	fail=1
fi
# a prefix match: the message may go on after EXPECTED (ENVIRON, not
# awk -v, which would interpret backslashes)
if ! want="$expected" awk 'index($0, ENVIRON["want"]) == 1 { found = 1 } END { exit !found }' "$tmp/err"; then
	echo "FAIL: no stderr line starts with: $expected" >&2
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	echo "--- stderr of $edgelbd --check-config $file:" >&2
	cat "$tmp/err" >&2
	exit 1
fi
echo "ok: $expected"
