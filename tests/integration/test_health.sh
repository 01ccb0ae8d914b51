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
#     loopback, which a check of its own address cannot see;
#  5. the checks run on a few sockets, reset and taken again (/metrics).
#
# usage: test_health.sh BUILDDIR     (root; exits 77 when it cannot run,
# 1 under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_health.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=elbh$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, XDP"
need_tools ip ss ethtool python3 jq timeout curl
trap lab_down EXIT

# Times are integers in ms; the config takes seconds
INTERVAL_MS=200 TIMEOUT_MS=150 RISE=2 FALL=2 JITTER_PM=100
LAB_HEALTH="type = \"http\"; interval = $(ms_to_s $INTERVAL_MS); timeout = $(ms_to_s $TIMEOUT_MS);
  rise = $RISE; fall = $FALL; jitter = $(ms_to_s $JITTER_PM); http = { path = \"/health\"; };"
export LAB_HEALTH
# Detection times are edgelbd's own: the since_unix_ms of the transition
# in lbctl --json health, against the wall-clock time the fault was
# injected (taken by date right there). No polling slack is in the
# figure, so the bounds are the checker's own worst case plus SLACK_MS for
# scheduling on a loaded 2-CPU machine (a check started late shows as
# late_ms, printed with each figure).
SLACK_MS=100
JIT_INTERVAL_MS=$((INTERVAL_MS * (1000 + JITTER_PM) / 1000))
# and a floor: N checks in a row take at least N - 1 shortest intervals
# (a checker that ignored rise or fall would be quicker)
MIN_INTERVAL_MS=$((INTERVAL_MS * (1000 - JITTER_PM) / 1000))

# bfield BACKEND FIELD: one field of the backend in lbctl --json health web
bfield() {
	lab_lbctl --json health web | jq -r --arg b "$1" --arg f "$2" \
		'.backends[] | select(.name == $b) | .[$f] | tostring'
}
# health BACKEND: up | down | drained
health() {
	lab_lbctl --json health web | jq -r --arg b "$1" \
		'.backends[] | select(.name == $b) | if .state == "drained" then "drained" else .health end'
}
is_health() { [ "$(health "$1")" = "$2" ]; }
within_ms() { [ "$1" -ge 0 ] && [ "$1" -le "$2" ]; }

# listen_stamp BE OUT: in the background, writes to OUT the wall-clock ms
# at which something listens on port 80 of BE (ss in a tight loop inside
# one netns exec: the stamp is late by at most one ss run, a few ms)
listen_stamp() {
	timeout 15 ip netns exec "$(lab_ns "$1")" bash -c \
		'until ss -Hltn "sport = :80" | grep -q .; do :; done; date +%s%3N' >"$2" &
}

lab_up 3 || exit 1
lab_config 3 >/dev/null
lab_edgelbd_start || exit 1
T=$LAB_DIR/t
mkdir -p "$T"

for b in be1 be2 be3; do
	check "$b is up after the first checks" wait_until 3 is_health "$b" up
done

# 1. stop be2's server. Worst case: it stops just after a passing check;
# fall failing checks follow, each up to a jittered interval after the
# previous one, the last one taking at most the timeout.
down_bound=$((FALL * JIT_INTERVAL_MS + TIMEOUT_MS + SLACK_MS))
down_floor=$(((FALL - 1) * MIN_INTERVAL_MS - SLACK_MS))
t_stop=$(now_ms)
lab_server_stop 2
if wait_until 5 is_health be2 down; then
	took=$(($(bfield be2 since_unix_ms) - t_stop))
	echo "be2 marked down $took ms after its server stopped (edgelbd's transition time; bound $down_bound ms; late_ms $(bfield be2 late_ms))"
	check "be2 removed within fall x interval + timeout ($took ms, bound $down_bound)" \
		within_ms "$took" "$down_bound"
	check "and not before fall checks ($took ms, floor $down_floor)" [ "$took" -ge "$down_floor" ]
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

# 2. be2 comes back: measured from the moment its server listens. Worst
# case: a check fails just before; the next one comes up to a jittered
# interval later, rise passing checks in all.
up_bound=$((RISE * JIT_INTERVAL_MS + TIMEOUT_MS + SLACK_MS))
up_floor=$(((RISE - 1) * MIN_INTERVAL_MS - SLACK_MS))
listen_stamp be2 "$T/listen"
stamper=$!
lab_server_start 2
wait "$stamper"
t_listen=$(cat "$T/listen")
if [ -n "$t_listen" ] && wait_until 5 is_health be2 up; then
	took=$(($(bfield be2 since_unix_ms) - t_listen))
	echo "be2 back up $took ms after its server listened (edgelbd's transition time; bound $up_bound ms; late_ms $(bfield be2 late_ms))"
	check "be2 re-added after rise x interval ($took ms, bound $up_bound)" within_ms "$took" "$up_bound"
	check "and not before rise checks ($took ms, floor $up_floor)" [ "$took" -ge "$up_floor" ]
else
	check "be2 re-added at all (server listening at ${t_listen:-never})" false
fi
lab_client conns "$LAB_VIP" 80 21000 300 >"$T/after_up"
check "be2 takes new connections again" grep -q " be2$" "$T/after_up"

# 3. drained and healthy stays drained
passed_before=$(bfield be1 checks_passed)
lab_lbctl backend drain web be1 >/dev/null
# enough passing checks after the drain that a rise would have happened
passed_enough() { [ "$(bfield be1 checks_passed)" -ge $((passed_before + RISE + 1)) ]; }
check "be1 passed $((RISE + 1)) checks after the drain" wait_until 3 passed_enough
check "a healthy drained backend stays drained" [ "$(health be1)" = drained ]
lab_client conns "$LAB_VIP" 80 22000 200 >"$T/drained"
check "and gets no new connection" bash -c "! grep -q ' be1$' '$T/drained'"
lab_lbctl backend undrain web be1 >/dev/null

# 4. through the tunnel: be3 loses the VIP on its loopback
export LAB_HEALTH="$LAB_HEALTH through_tunnel = true;"
lab_config 3 >/dev/null
lab_lbctl config reload >/dev/null
check "tunnel checks see be3 up" wait_until 5 is_health be3 up
ip -n "$(lab_ns be3)" addr del "$LAB_VIP/32" dev lo
check "be3 without the VIP is caught by the tunnel check" wait_until 5 is_health be3 down
check "while its own address still answers" \
	lab_exec lb1 python3 -c "import socket; socket.create_connection(('$(lab_be_addr 3)', 80), 2)"
ip -n "$(lab_ns be3)" addr add "$LAB_VIP/32" dev lo
check "be3 is back once the VIP is" wait_until 5 is_health be3 up

# 5. the checks' sockets are kept (sockpool.c): since the restart above,
#    every check took a socket, and nearly all took one an earlier check
#    had used (reset, not closed); /metrics counts both
metric_sum() { # PREFIX: the sum of the samples whose name{labels} starts with PREFIX
	awk -v p="$1" 'index($1, p) == 1 { s += $2 } END { printf "%d", s }' "$T/metrics"
}
lab_exec lb1 curl -fsS -m 5 http://127.0.0.1:9274/metrics >"$T/metrics"
opened=$(metric_sum 'edgelb_health_sockets_total{result="opened"}')
reused=$(metric_sum 'edgelb_health_sockets_total{result="reused"}')
checks=$(metric_sum 'edgelb_health_checks_total{type="http"')
check "$checks HTTP checks on $opened sockets ($reused taken again)" \
	[ "$checks" -ge 30 ] && [ "$opened" -ge 1 ] && [ "$opened" -le 10 ] &&
	[ $((opened + reused)) -ge "$checks" ]

lab_edgelbd_kill TERM
check "edgelbd stopped cleanly (no sanitizer report)" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/edgelbd.log'"
echo
check_summary
