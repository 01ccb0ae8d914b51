#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelb end to end in network namespaces (tools/lab/lab.sh): a client, a
# balancer running edgelbd and the XDP program, three backends that
# decapsulate with bpf/decap.bpf.c and answer directly (DSR).
#
#  1. 1000 TCP connections complete and land where Maglev predicts
#     (edgelb-predict computes it from the ring and the flow hash alone);
#  2. drain: 100 long connections stay on the drained backend and keep
#     working, no new connection reaches it;
#  3. delete: new flows of a deleted backend go elsewhere;
#  4. persistence: a drain survives kill -9 of edgelbd;
#  5. hitless restart: kill -9 and restart under UDP traffic loses nothing,
#     and the restarted edgelbd adopts the flow table;
#  6. program replace: a new edgelbd swaps its program in under traffic,
#     nothing lost, flows kept;
#  7. reload: a bad config is rejected and the running one stays; a good
#     one changes only what changed.
#
# usage: test_lb.sh BUILDDIR     (root; exits 77 when it cannot run, 1
# under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_lb.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=elbt$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, XDP"
need_tools ip ethtool python3 ss jq bpftool nft
trap lab_down EXIT

predict() { # predict FIRST COUNT BACKEND...
	local first=$1 count=$2
	shift 2
	"$BUILD/tools/lab/edgelb-predict" --ring-size 65537 --client "$LAB_CLIENT" \
		--vip "$LAB_VIP" --port 80 --sports "$first-$((first + count - 1))" "$@"
}

lab_up 3 || exit 1
lab_config 3 >/dev/null
lab_edgelbd_start || exit 1
T=$LAB_DIR/t
mkdir -p "$T"

# 1. a thousand connections, as predicted
lab_client conns "$LAB_VIP" 80 20000 1000 >"$T/conns"
predict 20000 1000 be1 be2 be3 >"$T/predicted"
check "1000 connections completed" [ "$(grep -vc FAILED "$T/conns")" -eq 1000 ]
check "every connection on its Maglev backend" cmp -s "$T/predicted" "$T/conns"
for b in be1 be2 be3; do
	check "$b took part ($(grep -c " $b$" "$T/conns") connections)" grep -q " $b$" "$T/conns"
done
new_flows=$(lab_lbctl --json stats | jq '[.vips[] | select(.name == "web") | .new_flows] | add')
check "lbctl stats counts 1000 new flows ($new_flows)" [ "$new_flows" -ge 1000 ]
# the flow table: its size said at start, its fill level in lbctl flows
# (1000 connections, each saved: well within the new-flow guard's burst)
check "edgelbd logged the flow table's size" grep -q "xdp: flow table: 65536 entries per CPU x .* MiB" "$LAB_DIR/edgelbd.log"
fill=$(lab_lbctl --json flows --max 1 | jq '.fill.entries')
check "lbctl flows: the table holds the 1000 flows ($fill)" [ "$fill" -ge 1000 ]
check "lbctl flows shows the fill level" bash -c "'$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' flows --max 1 | grep -q '^flow table: [0-9]* of [0-9]* entries in use'"
check "no new flow was held back (new_flow_unsaved)" [ "$(lab_lbctl --json stats | jq '.events.new_flow_unsaved // 0')" -eq 0 ]

# 2. drain be2 under 100 long connections
mkfifo "$T/ctl"
lab_client long "$LAB_VIP" 80 30000 100 "$T/ctl" >"$T/long" &
client=$!
exec 7>"$T/ctl"
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_until 5 lines_at_least "$T/long" 100
on_be2=$(grep -c " be2$" "$T/long")
check "100 long connections open ($on_be2 on be2)" [ "$(grep -c ' be' "$T/long")" -eq 100 ]
lab_lbctl backend drain web be2 >/dev/null
check "lbctl shows be2 drained" bash -c "'$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' backend list web | grep -q 'be2 .*drained'"
echo ping >&7
wait_until 5 grep -q DONE "$T/long"
sed -n '101,200p' "$T/long" | grep -v DONE >"$T/long2"
check "all 100 long connections still answered after the drain" \
	[ "$(grep -c ' be' "$T/long2")" -eq 100 ]
check "each stayed on its backend" cmp -s <(head -100 "$T/long" | sort) <(sort "$T/long2")
lab_client conns "$LAB_VIP" 80 40000 300 >"$T/after_drain"
check "300 new connections completed" [ "$(grep -vc FAILED "$T/after_drain")" -eq 300 ]
check "no new connection reached the drained be2" bash -c "! grep -q ' be2$' '$T/after_drain'"
echo quit >&7
exec 7>&-
wait "$client"

# 3. delete be3
lab_lbctl backend undrain web be2 >/dev/null
lab_lbctl backend del web be3 >/dev/null
lab_client conns "$LAB_VIP" 80 41000 300 >"$T/after_del"
check "300 connections after deleting be3 completed" \
	[ "$(grep -vc FAILED "$T/after_del")" -eq 300 ]
check "none reached the deleted be3" bash -c "! grep -q ' be3$' '$T/after_del'"
predict 41000 300 be1 be2 >"$T/pred_del"
check "they follow the ring of be1 and be2" cmp -s "$T/pred_del" "$T/after_del"

# 4. persistence: drain be1, kill -9, restart
lab_lbctl backend drain web be1 >/dev/null
lab_edgelbd_kill KILL
lab_edgelbd_start || exit 1
check "drain of be1 survived kill -9" bash -c "'$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' backend list web | grep -q 'be1 .*drained'"
check "deletion of be3 survived kill -9" bash -c "! '$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' backend list web | grep -q ' be3 '"
check "edgelbd adopted the pinned maps" grep -q "adopted the maps" "$LAB_DIR/edgelbd.log"
lab_lbctl backend undrain web be1 >/dev/null
lab_lbctl backend add web be3 "$(lab_be_addr 3)" >/dev/null

# the balancer's account of a stream: what entered the backends' IP input
# after the decap (lab_udp_arrived); what the lab servers then read is
# reported beside it, a python loop behind on a loaded machine being no loss
# (lab.sh). 5. kill -9 under traffic; 6. program replace under traffic
for phase in "kill -9 and restart" "replace the program (new edgelbd, old one stopped)"; do
	lab_stream_mark || {
		bad "the backends' nftables counter for the stream could not be set up"
		exit 1
	}
	# 3 s of traffic; the fault comes once 500 datagrams have arrived
	lab_client udp "$LAB_VIP" 80 15000 5000 >"$T/udp_sent" &
	sender=$!
	wait_until 10 lab_udp_arrived_at_least 500 ||
		echo "    (no traffic at the backends 10 s after the sender started)"
	if [ "$phase" = "kill -9 and restart" ]; then
		lab_edgelbd_kill KILL
		sleep 0.3 # nobody in charge: the data plane forwards alone
		lab_edgelbd_start || exit 1
	else
		lab_edgelbd_kill TERM
		lab_edgelbd_start || exit 1
	fi
	wait "$sender"
	sent=$(cat "$T/udp_sent")
	wait_until 3 lab_udp_arrived_at_least "$sent"
	arrived=$(lab_udp_arrived)
	echo "$phase: sent $sent, $arrived entered the backends, lost $((sent - arrived))"
	# losses outside the data plane (veth queues under CPU load) show here
	lab_stream_explain
	check "$phase: 0 of $sent packets lost" [ "$arrived" -eq "$sent" ]
	check "$phase: none arrived corrupted (the backends' UDP InCsumErrors)" \
		[ "$(lab_stream_corrupted)" -eq 0 ]
	check "$phase: the data plane's own counter forwarded all $sent" \
		[ "$(lab_stream_forwarded)" -eq "$sent" ]
	lab_stream_servers "$sent" 5
done
check "the restarted edgelbd replaced the program in place" \
	grep -q "replaced the running program; maps and flows kept" "$LAB_DIR/edgelbd.log"

# flows survived: a long connection opened before the restarts is still served
mkfifo "$T/ctl2"
lab_client long "$LAB_VIP" 80 33000 20 "$T/ctl2" >"$T/keep" &
client=$!
exec 8>"$T/ctl2"
wait_until 5 lines_at_least "$T/keep" 20
lab_edgelbd_kill KILL
lab_edgelbd_start || exit 1
echo ping >&8
wait_until 5 grep -q DONE "$T/keep"
check "20 connections kept their backends across kill -9 and restart" \
	cmp -s <(head -20 "$T/keep" | sort) <(sed -n '21,40p' "$T/keep" | sort)
echo quit >&8
exec 8>&-
wait "$client"

# 8. a backend's MAC changes (a NIC swap): the data plane follows the
# neighbour table. The new MAC reaches lb1's table as a gratuitous ARP
# would put it there.
new_mac=02:00:00:00:bb:01
ip -n "$(lab_ns be1)" link set eth0 address "$new_mac"
ip -n "$(lab_ns lb1)" neigh replace "$(lab_be_addr 1)" lladdr "$new_mac" dev eth0 nud reachable
has_mac() { # MAC: some entry of the backends map has it
	local want
	want=$(IFS=: read -ra b <<<"$1" && printf '%d,' "${b[@]/#/0x}")
	bpftool -j map dump pinned "$LAB_DIR/bpffs/edgelb/backends" |
		jq -e --argjson want "[${want%,}]" 'any(.[]; .formatted.value.mac == $want)' >/dev/null
}
check "the backends map holds be1's new MAC" wait_until 3 has_mac "$new_mac"
lab_client conns "$LAB_VIP" 80 44000 200 >"$T/after_mac"
check "200 connections after be1's MAC change completed" \
	[ "$(grep -vc FAILED "$T/after_mac")" -eq 200 ]
check "be1 still takes its share" grep -q " be1$" "$T/after_mac"

# 7. reload
cp "$LAB_DIR/edgelb.conf" "$T/good.conf"
echo "this is not a config" >>"$LAB_DIR/edgelb.conf"
out=$(lab_lbctl config reload 2>&1)
rc=$?
check "a bad config is rejected by reload (exit $rc)" [ "$rc" -ne 0 ]
check "the rejection names file and line" grep -q "edgelb.conf:[0-9]*:" <<<"$out"
lab_client conns "$LAB_VIP" 80 42000 50 >"$T/after_bad"
check "the running config still serves" [ "$(grep -vc FAILED "$T/after_bad")" -eq 50 ]
sed 's/name = "be2"; address/name = "be2"; weight = 300; address/' "$T/good.conf" >"$LAB_DIR/edgelb.conf"
lab_lbctl config reload >/dev/null
check "a good config is applied" bash -c "'$BUILD/tools/lbctl' -s '$LAB_DIR/edgelb.sock' backend list web | grep -q 'be2 .* 300 '"
kill -HUP "$(cat "$LAB_DIR/edgelbd.pid")"
check "SIGHUP reloads too" wait_until 3 grep -q "SIGHUP: reloading" "$LAB_DIR/edgelbd.log"

# a clean stop: the sanitizer build reports leaks and UB here, if any
lab_edgelbd_kill TERM
check "edgelbd stopped cleanly (no sanitizer report in its log)" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/edgelbd.log'"
check "the data plane forwards with edgelbd stopped" \
	[ "$(lab_client conns "$LAB_VIP" 80 43000 20 | grep -vc FAILED)" -eq 20 ]

echo
check_summary
