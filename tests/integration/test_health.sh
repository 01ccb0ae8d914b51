#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Health checks end to end (tools/lab/lab.sh): edgelbd checks the lab's
# backends over HTTP every 200 ms (rise 2, fall 2, timeout 150 ms).
#
#  1. a backend whose server stops is out of the ring within
#     fall x interval + timeout, and no new connection fails after that;
#  2. when its server comes back it is back after rise x interval;
#  3. a drained backend that is healthy stays drained;
#  4. checks through the tunnel catch a backend that lost the VIP on its
#     loopback, which a check of its own address cannot see.
#
# usage: test_health.sh BUILDDIR     (root; exits 77 when it cannot run)
set -u
BUILD=$(cd "${1:?usage: test_health.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=elbh$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (namespaces, XDP)"
	exit 77
fi
trap lab_down EXIT
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

INTERVAL=0.2 TIMEOUT=0.15 RISE=2 FALL=2 JITTER=0.1
export LAB_HEALTH="type = \"http\"; interval = $INTERVAL; timeout = $TIMEOUT; rise = $RISE;
  fall = $FALL; jitter = $JITTER; http = { path = \"/health\"; };"

# health BACKEND: up | down | drained, as lbctl --json health web reports it
health() {
	lab_lbctl --json health web | python3 -c '
import json, sys
for b in json.load(sys.stdin)["backends"]:
    if b["name"] == sys.argv[1]:
        print("drained" if b.get("state") == "drained" else b["health"])' "$1"
}

# wait_for BACKEND STATE MAX_S: prints the seconds it took, or fails
wait_for() {
	local start end
	start=$(date +%s.%N)
	end=$(python3 -c "print($start + $3)")
	while python3 -c "import sys,time; sys.exit(0 if time.time() < $end else 1)"; do
		if [ "$(health "$1")" = "$2" ]; then
			python3 -c "import time; print(f'{time.time() - $start:.3f}')"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

within() { python3 -c "import sys; sys.exit(0 if $1 <= $2 else 1)"; }
quiet() { "$@" >/dev/null; }

lab_up 3 || exit 1
lab_config 3 >/dev/null
lab_edgelbd_start || exit 1
T=$LAB_DIR/t
mkdir -p "$T"

for b in be1 be2 be3; do
	check "$b is up after the first checks" quiet wait_for "$b" up 3
done

# 1. stop be2's server
# + 0.3 s: one poll of wait_for (lbctl + python, 20 ms sleep) takes 50-150 ms
# on the loaded 2-CPU CI machine, and the server's stop is not instant;
# a doubled interval would still exceed it (fall itself is pinned by the
# unit tests of health/fsm.c, not here)
down_bound=$(python3 -c "print($FALL * $INTERVAL * (1 + $JITTER) + $TIMEOUT + 0.3)")
lab_server_stop 2
if took=$(wait_for be2 down 5); then
	echo "be2 marked down $took s after its server stopped (bound $down_bound s)"
	check "be2 removed within fall x interval + timeout" within "$took" "$down_bound"
else
	check "be2 removed at all" false
fi
lab_client conns "$LAB_VIP" 80 20000 300 >"$T/after_down"
check "300 connections after the removal, none failed" \
	[ "$(grep -c FAILED "$T/after_down")" -eq 0 ]
check "none went to be2" bash -c "! grep -q ' be2$' '$T/after_down'"
grep -q "health\[web/be2\]: down" "$LAB_DIR/edgelbd.log"
check "the transition is logged" [ $? -eq 0 ]

# a restart (kill -9) must not put the down be2 back into the ring
lab_edgelbd_kill KILL
lab_edgelbd_start || exit 1
check "after kill -9 and restart, be2 is still down" [ "$(health be2)" = down ]
lab_client conns "$LAB_VIP" 80 20500 200 >"$T/after_restart"
check "and still gets no connection, none failed" \
	bash -c "! grep -qE ' be2$|FAILED' '$T/after_restart'"

# 2. be2 comes back
up_bound=$(python3 -c "print(($RISE + 1) * $INTERVAL * (1 + $JITTER) + $TIMEOUT + 0.3)")
lab_server_start 2
if took=$(wait_for be2 up 5); then
	echo "be2 back up $took s after its server restarted (bound $up_bound s)"
	check "be2 re-added after rise x interval" within "$took" "$up_bound"
else
	check "be2 re-added at all" false
fi
lab_client conns "$LAB_VIP" 80 21000 300 >"$T/after_up"
check "be2 takes new connections again" grep -q " be2$" "$T/after_up"

# 3. drained and healthy stays drained
lab_lbctl backend drain web be1 >/dev/null
sleep 1
check "a healthy drained backend stays drained" [ "$(health be1)" = drained ]
lab_client conns "$LAB_VIP" 80 22000 200 >"$T/drained"
check "and gets no new connection" bash -c "! grep -q ' be1$' '$T/drained'"
lab_lbctl backend undrain web be1 >/dev/null

# 4. through the tunnel: be3 loses the VIP on its loopback
export LAB_HEALTH="$LAB_HEALTH through_tunnel = true;"
lab_config 3 >/dev/null
lab_lbctl config reload >/dev/null
check "tunnel checks see be3 up" quiet wait_for be3 up 5
ip -n "$(lab_ns be3)" addr del "$LAB_VIP/32" dev lo
check "be3 without the VIP is caught by the tunnel check" quiet wait_for be3 down 5
check "while its own address still answers" \
	lab_exec lb1 python3 -c "import socket; socket.create_connection(('$(lab_be_addr 3)', 80), 2)"
ip -n "$(lab_ns be3)" addr add "$LAB_VIP/32" dev lo
check "be3 is back once the VIP is" quiet wait_for be3 up 5

lab_edgelbd_kill TERM
check "edgelbd stopped cleanly (no sanitizer report)" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/edgelbd.log'"
echo
check_summary
