#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A backend whose next hop never resolves must not black-hole its share of
# new flows (tools/lab/lab.sh, one balancer, three backends):
#
#  1. lbctl backend add web ghost 10.99.0.21, an on-link address nobody
#     answers ARP for: it shows as "unresolved" (backend list, JSON with
#     since when), edgelbd logs it once (at the first retry, 1 s: the
#     real backends' neighbours, unknown for a moment at the start, are
#     not logged), and 300 new connections all complete on the three
#     real backends;
#  2. a host starts answering at 10.99.0.21 (a fourth backend, be11): the
#     backend resolves without any operator action, is logged once as
#     resolved, and takes its share of the next 300 new connections.
#
# usage: test_nexthop.sh BUILDDIR     (root)
set -u
BUILD=$(cd "${1:?usage: test_nexthop.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=elbn$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"

# skip, or fail under CI=true (check.sh's skip_or_fail)
source "$(dirname "$0")/check.sh"
need_root "namespaces, XDP"

trap lab_down EXIT
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

GHOST=$(lab_be_addr 11) # 10.99.0.21: nobody there yet

# in_state NAME STATE: lbctl lists backend NAME of web in STATE
in_state() { lab_lbctl backend list web 2>/dev/null | grep -Eq "^web +$1 .* $2( |$)"; }

lab_up 3 || exit 1
lab_config 3 >/dev/null
lab_edgelbd_start || exit 1
T=$LAB_DIR/t
mkdir -p "$T"
LOG=$(lab_file lb1 log)

# 1. the ghost: unresolved, out of the ring, said once
check "backend add ghost $GHOST" lab_lbctl backend add web ghost "$GHOST"
check "ghost listed as unresolved" wait_until 5 in_state ghost unresolved
lab_lbctl --json backend list web >"$T/list.json"
check "JSON: next_hop unresolved, with since" \
	grep -q '"name": *"ghost".*"next_hop": *"unresolved", *"next_hop_unresolved_since_unix_ms": *[1-9]' \
	<(tr -d '\n' <"$T/list.json" | sed 's/}, *{/}\n{/g')
lab_client conns "$LAB_VIP" 80 20000 300 >"$T/conns1"
failed=$(grep -c FAILED "$T/conns1")
check "300 new connections with the ghost in place: $failed failed" [ "$failed" -eq 0 ]
check "all 300 completed" [ "$(grep -c ' be[123]$' "$T/conns1")" -eq 300 ]
# said at the first retry (a cold start's unknown neighbours are no news)
check "the log says it" wait_until 5 grep -q -- 'web/ghost.*no next hop' "$LOG"
check "... once" [ "$(grep -c 'web/ghost.*no next hop' "$LOG")" -eq 1 ]
check "the real backends' first resolution was not logged as a problem" \
	[ "$(grep -c 'web/be[123].*no next hop' "$LOG")" -eq 0 ]
check "no drop for an unresolved next hop" \
	bash -c "! lab_lbctl stats 2>/dev/null | grep -q 'no_next_hop'"

# 2. somebody answers now: no operator action needed
lab_backend 11 || exit 1
check "ghost resolves by itself" wait_until 15 in_state ghost up
check "the log says resolved" wait_until 5 grep -q -- 'web/ghost.*next hop resolved' "$LOG"
check "... once" [ "$(grep -c 'web/ghost.*next hop resolved' "$LOG")" -eq 1 ]
lab_client conns "$LAB_VIP" 80 21000 300 >"$T/conns2"
failed=$(grep -c FAILED "$T/conns2")
on_ghost=$(grep -c ' be11$' "$T/conns2")
check "300 new connections after it resolved: $failed failed" [ "$failed" -eq 0 ]
# four equal backends: about 75 of 300; far from 0 either way
check "the ghost takes its share ($on_ghost of 300)" [ "$on_ghost" -ge 30 ]

# the log counts what lbctl counts: 6 backends from the file, the ghost added
PID=$(cat "$(lab_file lb1 pid)")
CONF=$(lab_file lb1 conf)
kill -HUP "$PID"
check "a reload's log line counts the runtime backend (7)" \
	wait_until 5 grep -q -- "reloaded .*(2 services, 7 backends)" "$LOG"
# a rejected reload is an error in the log, not a warning
cp "$CONF" "$T/good.conf"
echo "this is not libconfig" >>"$CONF"
kill -HUP "$PID"
check "a rejected SIGHUP reload logs its syntax error as an error" \
	wait_until 5 grep -Eq -- "error: config: .*edgelb.conf:[0-9]+" "$LOG"
check "... never as a warning" bash -c "! grep -Eq 'warning: config: .*edgelb.conf:[0-9]+' '$LOG'"
cp "$T/good.conf" "$CONF"

check_summary
