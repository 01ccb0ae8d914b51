#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-cli.sh EDGELBD EXAMPLE VERSION
#
# edgelbd's command line: exit codes (0 ok, 1 invalid config, 2 usage) and
# the exact lines scripts and operators rely on.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 EDGELBD EXAMPLE VERSION" >&2
	exit 2
fi
edgelbd=$1
example=$2
version=$3

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NAME STATUS STREAM TEXT -- ARGS...: run edgelbd ARGS, check the
# exit status and that STREAM (out or err) has a line starting with TEXT.
expect() {
	name=$1 status=$2 stream=$3 text=$4
	shift 5
	"$edgelbd" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		echo "FAIL $name: exit status $rc, expected $status" >&2
		failures=$((failures + 1))
		return
	fi
	if ! want="$text" awk 'index($0, ENVIRON["want"]) == 1 { found = 1 } END { exit !found }' \
		"$tmp/$stream"; then
		echo "FAIL $name: no line on std$stream starts with: $text" >&2
		sed 's/^/  | /' "$tmp/$stream" >&2
		failures=$((failures + 1))
		return
	fi
	echo "ok $name"
}

expect version 0 out "edgelbd $version" -- -V
expect version-long 0 out "edgelbd $version" -- --version
expect help 0 out "Usage: edgelbd" -- --help
expect check-ok 0 out \
	"$example: configuration OK (4 services, 13 backends, 2 VRRP instances)" -- -t "$example"
expect check-ok-long 0 out "$example: configuration OK" -- --check-config "$example"
expect check-missing-file 1 err "/nonexistent/edgelb.conf: cannot open: " \
	-- --check-config /nonexistent/edgelb.conf
expect daemon-missing-config 1 err "/nonexistent/edgelb.conf: cannot open: " \
	-- -c /nonexistent/edgelb.conf
expect check-without-file 2 err "edgelbd: option --check-config needs a FILE argument" \
	-- --check-config
expect unknown-option 2 err "edgelbd: unknown option --bogus" -- --bogus
expect stray-argument 2 err "edgelbd: unexpected argument \"extra\"" -- -t "$example" extra
# a FIFO would block a plain open(): refused at once, as /dev/zero is
mkfifo "$tmp/fifo.conf"
expect check-fifo 1 err "$tmp/fifo.conf: not a regular file" -- --check-config "$tmp/fifo.conf"
expect check-device 1 err "/dev/zero: not a regular file" -- --check-config /dev/zero

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
