#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelbd driving edgelb-dpdk, end to end in network namespaces
# (tools/lab/lab.sh): a client, a balancer lb1 whose eth0 is given to
# edgelb-dpdk (net_af_packet) with an exception TAP that holds lb1's
# addresses, edgelbd with dataplane.mode = "dpdk" writing the tables file,
# three backends that decapsulate and answer the client directly.
#
#  1. TCP connections complete through edgelb-dpdk and land where Maglev
#     predicts (edgelb-predict); lbctl's counters are the lcores' sums;
#  2. drain: long connections stay on the drained backend, no new one
#     reaches it;
#  3. a health-check failure (checks through the TAP) takes a backend out
#     of new connections within fall x interval + timeout (edgelbd's own
#     stamp), and it comes back;
#  4. kill -9 of edgelbd under a UDP stream loses no datagram (counted as
#     they enter the backends' IP input, not as a python server reads
#     them), and the restarted edgelbd adopts the tables (lbctl status);
#  5. edgelb-dpdk stopped (SIGSTOP) while ring changes come: they fail
#     within the bound with a message naming the cause, edgelbd's loop
#     keeps answering; after SIGCONT changes go through again.
#
# usage: test_dpdk.sh BUILDDIR     (root; exits 77 when it cannot run, 1
# under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_dpdk.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=edpd$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, TAP devices, DPDK"
need_tools ip ethtool python3 ss jq nft timeout
DPDK=$BUILD/dataplane/dpdk/edgelb-dpdk
[ -x "$DPDK" ] || skip_or_fail "$DPDK is not built (DPDK, Debian package dpdk-dev, was not found)"
[ -c /dev/net/tun ] || skip_or_fail "no /dev/net/tun for edgelb-dpdk's exception TAP"

EAL_PREFIX=edgelb-edpd$$
TABLES=/dev/shm/edgelb-edpd$$
TAP=edtap0
dpdk_pid=
cleanup() {
	trap '' INT TERM # timeout signals the whole group again: let the cleanup finish
	if [ -n "$dpdk_pid" ]; then
		kill -CONT "$dpdk_pid" 2>/dev/null
		kill -TERM "$dpdk_pid" 2>/dev/null
		timeout 5 tail --pid="$dpdk_pid" -f /dev/null 2>/dev/null
		kill -KILL "$dpdk_pid" 2>/dev/null
	fi
	lab_down
	rm -f "$TABLES" "$TABLES".new.*
	rm -rf "/var/run/dpdk/$EAL_PREFIX"
}
trap cleanup EXIT
trap 'exit 1' INT TERM # the EXIT trap cleans up after a timeout too

INTERVAL_MS=200 TIMEOUT_MS=150 FALL=2 SLACK_MS=150
LAB_HEALTH="type = \"tcp\"; interval = $(ms_to_s $INTERVAL_MS); timeout = $(ms_to_s $TIMEOUT_MS);
  rise = 2; fall = $FALL;"
export LAB_HEALTH

lab_up 3 || exit 1
T=$LAB_DIR/t
mkdir -p "$T"
NS=$(lab_ns lb1)
# lb1's eth0 is edgelb-dpdk's port; its addresses go to the TAP (lab.sh)
lab_dpdk_port lb1
lab_dpdk_start lb1 "$TAP" "$TABLES" "$EAL_PREFIX" "$LAB_DIR/dpdk.log"
dpdk_pid=$!
if ! lab_dpdk_wait "$LAB_DIR/dpdk.log"; then
	bad "edgelb-dpdk did not start"
	exit 1
fi
ip -n "$NS" link set "$TAP" up
ip -n "$NS" addr add "$LAB_LB/24" dev "$TAP"
ip -n "$NS" addr add "$LAB_VIP/32" dev "$TAP"
ok "edgelb-dpdk forwards: $(grep '^edgelb-dpdk: port' "$LAB_DIR/dpdk.log")"

conf=$(lab_config 3)
lab_dpdk_config "$conf" "$TAP" "$TABLES" || {
	bad "the lab's config has no dataplane line to turn into mode dpdk"
	exit 1
}
lab_edgelbd_start || exit 1
check "edgelbd wrote the tables edgelb-dpdk made (not adopted: empty)" \
	grep -q "dpdk: created the tables in $TABLES" "$LAB_DIR/edgelbd.log"
check "edgelbd saw no missing data plane" \
	bash -c "! grep -q 'no edgelb-dpdk has' '$LAB_DIR/edgelbd.log'"

# bfield BACKEND FIELD: one field of the backend in lbctl --json health web
bfield() {
	lab_lbctl --json health web | jq -r --arg b "$1" --arg f "$2" \
		'.backends[] | select(.name == $b) | .[$f] | tostring'
}
is_health() { [ "$(bfield "$1" health)" = "$2" ]; }
for b in be1 be2 be3; do
	check "$b is up: its checks pass through the TAP and edgelb-dpdk" \
		wait_until 5 is_health "$b" up
done

predict() { # predict FIRST COUNT BACKEND...
	local first=$1 count=$2
	shift 2
	"$BUILD/tools/lab/edgelb-predict" --ring-size 65537 --client "$LAB_CLIENT" \
		--vip "$LAB_VIP" --port 80 --sports "$first-$((first + count - 1))" "$@"
}
completed() { grep -vc FAILED "$1"; }

# 1. connections through edgelb-dpdk, as predicted
lab_client conns "$LAB_VIP" 80 20000 300 >"$T/conns"
predict 20000 300 be1 be2 be3 >"$T/predicted"
check "300 TCP connections through edgelb-dpdk completed ($(completed "$T/conns"))" \
	[ "$(completed "$T/conns")" -eq 300 ]
check "every connection on its Maglev backend (edgelb-predict)" cmp -s "$T/predicted" "$T/conns"
for b in be1 be2 be3; do
	check "$b answered ($(grep -c " $b$" "$T/conns") connections)" grep -q " $b$" "$T/conns"
done
new_flows=$(lab_lbctl --json stats | jq '[.vips[] | select(.name == "web") | .new_flows] | add')
check "lbctl stats sums the lcores: $new_flows new flows of web" [ "$new_flows" -ge 300 ]

# 2. drain be2 under 30 long connections
mkfifo "$T/ctl"
lab_client long "$LAB_VIP" 80 30000 30 "$T/ctl" >"$T/long" &
client=$!
exec 7>"$T/ctl"
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_until 10 lines_at_least "$T/long" 30
on_be2=$(grep -c " be2$" "$T/long")
check "30 long connections open ($on_be2 on be2)" [ "$(grep -c ' be' "$T/long")" -eq 30 ]
check "lbctl backend drain web be2" lab_lbctl backend drain web be2
echo ping >&7
wait_until 10 grep -q DONE "$T/long"
sed -n '31,60p' "$T/long" >"$T/long2"
check "the 30 long connections still answered after the drain" \
	[ "$(grep -c ' be' "$T/long2")" -eq 30 ]
check "each stayed on its backend ($on_be2 on the drained be2)" \
	cmp -s <(head -30 "$T/long" | sort) <(sort "$T/long2")
lab_client conns "$LAB_VIP" 80 40000 200 >"$T/drained"
check "200 new connections completed ($(completed "$T/drained"))" \
	[ "$(completed "$T/drained")" -eq 200 ]
check "none reached the drained be2" bash -c "! grep -q ' be2$' '$T/drained'"
check "they follow the ring of be1 and be3" cmp -s <(predict 40000 200 be1 be3) "$T/drained"
echo quit >&7
exec 7>&-
wait "$client"
lab_lbctl backend undrain web be2 >/dev/null

# 3. be3's server stops: out of new connections within fall x interval
# (+10 % jitter) + timeout, by edgelbd's own stamp of the transition
t_stop=$(now_ms)
lab_server_stop 3
check "be3 is down by its checks" wait_until 5 is_health be3 down
took=$(($(bfield be3 since_unix_ms) - t_stop))
bound=$((FALL * INTERVAL_MS * 11 / 10 + TIMEOUT_MS + SLACK_MS))
within_ms() { [ "$1" -ge 0 ] && [ "$1" -le "$2" ]; }
check "be3 taken out ${took} ms after its server stopped (bound $bound ms)" \
	within_ms "$took" "$bound"
lab_client conns "$LAB_VIP" 80 41000 200 >"$T/hc"
check "200 new connections completed without be3 ($(completed "$T/hc"))" \
	[ "$(completed "$T/hc")" -eq 200 ]
check "none went to be3" bash -c "! grep -q ' be3$' '$T/hc'"
lab_server_start 3 || exit 1
check "be3 is back up once its server listens" wait_until 5 is_health be3 up

# 4. kill -9 of edgelbd under a UDP stream through edgelb-dpdk. The
# balancer's account is what entered the backends' IP input after the
# decap (lab_udp_arrived); what the lab servers then read is reported
# beside it: a python loop behind on a loaded machine is not a lost datagram.
lab_stream_mark || {
	bad "the backends' nftables counter for the stream could not be set up"
	exit 1
}
lab_client udp "$LAB_VIP" 80 10000 4000 >"$T/udp_sent" &
sender=$!
check "the UDP stream reaches the backends before the kill" \
	wait_until 10 lab_udp_arrived_at_least 500
lab_edgelbd_kill KILL
killed_ms=$(now_ms)
at_kill=$(lab_udp_arrived)
check "edgelb-dpdk forwards alone with edgelbd dead" \
	wait_until 3 lab_udp_arrived_at_least $((at_kill + 200))
lab_edgelbd_start || exit 1
restarted_ms=$(now_ms)
wait "$sender"
sent=$(cat "$T/udp_sent")
wait_until 5 lab_udp_arrived_at_least "$sent"
arrived=$(lab_udp_arrived)
echo "kill -9: sent $sent, $arrived entered the backends, lost $((sent - arrived)); edgelbd" \
	"was down $((restarted_ms - killed_ms)) ms"
[ "$arrived" -eq "$sent" ] || lab_stream_explain
check "kill -9 of edgelbd: 0 of $sent datagrams lost" [ "$arrived" -eq "$sent" ]
check "none arrived corrupted (the backends' UDP InCsumErrors)" [ "$(lab_stream_corrupted)" -eq 0 ]
fwd=$(lab_stream_forwarded)
check "edgelb-dpdk's own counter forwarded all $sent ($fwd)" [ "$fwd" -eq "$sent" ]
lab_stream_servers "$sent" 10
check "the restarted edgelbd adopted the tables (lbctl status)" \
	bash -c "[ \"\$('$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' --json status | jq -r '.adopted, .dataplane' | tr '\n' ' ')\" = 'true dpdk ' ]"
check "its log says so" grep -q "dpdk: adopted the tables in $TABLES" "$LAB_DIR/edgelbd.log"
lab_lbctl status | sed 's/^/    /'
lab_client conns "$LAB_VIP" 80 42000 100 >"$T/after"
check "100 connections after the restart, on their Maglev backends" \
	cmp -s <(predict 42000 100 be1 be2 be3) "$T/after"

# 5. edgelb-dpdk stopped: a ring change that must wait for its lcores
# fails within the bound (EDGELB_DPDK_GRACE_MS = 200) instead of hanging
# edgelbd; while it stays stopped later ones fail at once
# be1 must be up (in the ring) for its drain to change a ring: on a loaded
# machine a check through the TAP can time out and take it out for a while
check "be1 is up before edgelb-dpdk is stopped" wait_until 10 is_health be1 up
kill -STOP "$dpdk_pid"
failed_changes=0 slowest=0
for i in 1 2 3 4 5 6; do
	if [ $((i % 2)) -eq 1 ]; then what=drain; else what=undrain; fi
	t0=$(now_ms)
	lab_lbctl backend "$what" web be1 >"$T/change$i" 2>&1 || failed_changes=$((failed_changes + 1))
	dt=$(($(now_ms) - t0))
	[ "$dt" -gt "$slowest" ] && slowest=$dt
done
check "ring changes with edgelb-dpdk stopped: $failed_changes of 6 failed" [ "$failed_changes" -ge 1 ]
check "each answered within 1 s (slowest $slowest ms)" [ "$slowest" -le 1000 ]
check "lbctl says the data plane change failed" grep -qh "changing the data plane failed" "$T"/change*
check "edgelbd's log names the cause" grep -q "stopped (SIGSTOP) or hung" "$LAB_DIR/edgelbd.log"
check "edgelbd answers while edgelb-dpdk is stopped" lab_lbctl status
kill -CONT "$dpdk_pid"
check "after SIGCONT changes go through (drain)" lab_lbctl backend drain web be1
check "after SIGCONT changes go through (undrain)" lab_lbctl backend undrain web be1
check "edgelbd says the lcores poll again" \
	wait_until 3 grep -q "edgelb-dpdk polls again" "$LAB_DIR/edgelbd.log"
for b in be1 be2 be3; do
	check "$b is up again" wait_until 5 is_health "$b" up
done
lab_client conns "$LAB_VIP" 80 43000 100 >"$T/final"
check "100 connections at the end, on their Maglev backends" \
	cmp -s <(predict 43000 100 be1 be2 be3) "$T/final"

# edgelbd stops cleanly (the sanitizer build reports here); edgelb-dpdk too
lab_edgelbd_kill TERM
check "edgelbd stopped cleanly (no sanitizer report in its log)" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/edgelbd.log'"
# --cleanup would strand a running edgelb-dpdk on an unlinked file: refused
rc=0
ip netns exec "$NS" "$BUILD/controlplane/edgelbd" --cleanup -c "$conf" >"$T/cleanup1" 2>&1 || rc=$?
check "edgelbd --cleanup refused while edgelb-dpdk maps the tables (exit $rc)" [ "$rc" -eq 3 ]
check "the tables stay" [ -f "$TABLES" ]
kill -TERM "$dpdk_pid"
rc=0
wait "$dpdk_pid" || rc=$?
dpdk_pid=
check "edgelb-dpdk exits 0 on SIGTERM" [ "$rc" -eq 0 ]
grep -E "^edgelb-dpdk: (stopped|worker [0-9]+:|dispatcher:)" "$LAB_DIR/dpdk.log" | sed 's/^/    /'
check "edgelbd --cleanup then removes the tables" \
	ip netns exec "$NS" "$BUILD/controlplane/edgelbd" --cleanup -c "$conf"
check "the tables file is gone" [ ! -e "$TABLES" ]

echo
check_summary
