#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The one-site demo (the main demo, tools/demo.sh, shows the two-site
# world): installs the dependencies, builds edgelb and shows it at work in
# network namespaces (tools/lab/lab.sh): a client, two balancers running
# edgelbd with the XDP program and sharing the VIP with VRRP, three
# backends that decapsulate and answer the client directly; at the end the
# same lab served by edgelb-dpdk instead of XDP. Everything is removed at
# the end. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
tools/build.sh build >/dev/null
echo "built: $(build/controlplane/edgelbd --version)"

export BUILD=$PWD/build LAB_PREFIX=demo LAB_LBS=2
# shellcheck source=lab/lab.sh
source tools/lab/lab.sh
DPDK=$BUILD/dataplane/dpdk/edgelb-dpdk
DPDK_PREFIX=edgelb-demo$$ DPDK_TABLES=/dev/shm/edgelb-demo$$
dpdk_pid=
dpdk_down() {
	if [ -n "$dpdk_pid" ]; then
		kill -TERM "$dpdk_pid" 2>/dev/null
		timeout 5 tail --pid="$dpdk_pid" -f /dev/null 2>/dev/null || kill -KILL "$dpdk_pid" 2>/dev/null
	fi
	rm -f "$DPDK_TABLES"
	rm -rf "/var/run/dpdk/$DPDK_PREFIX"
}
trap 'dpdk_down; lab_down' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
vrrp_state() { lab_lbctl_at "$1" --json vrrp status | python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["state"])'; }
wait_state() { # NODE STATE: up to 5 s
	for _ in $(seq 50); do [ "$(vrrp_state "$1")" = "$2" ] && return 0; sleep 0.1; done
	echo "  $1 is $(vrrp_state "$1"), not $2"
}
# udp_received BEFORE SENT: datagrams the backends counted since BEFORE. Waits
# (up to 5 s) until all SENT are in: on a loaded machine the servers may write
# their counts well after the sender ends, which is no loss
udp_received() {
	local now=0
	for _ in $(seq 50); do
		now=$(($(lab_udp_count 1) + $(lab_udp_count 2) + $(lab_udp_count 3) - $1))
		[ "$now" -ge "$2" ] && break
		sleep 0.1
	done
	echo "$now"
}
share() { awk '{print $2}' "$1" | sort | uniq -c | awk '{printf "  %s: %s connections\n", $2, $1}'; }

step "1. The lab: client 10.99.0.100, balancers lb1 and lb2 (lb2 joins in step 7), backends be1..be3, VIP $LAB_VIP"
lab_up 3
# HTTP checks every 200 ms, through the tunnel as client traffic travels
export LAB_HEALTH='type = "http"; interval = 0.2; timeout = 0.15; rise = 2; fall = 2;
  through_tunnel = true; http = { path = "/health"; };'
lab_config 3 >/dev/null
lab_edgelbd_start
wait_state lb1 MASTER # VRRP: alone on the segment, it takes the VIP
sed 's/^/  /' "$LAB_DIR/edgelbd.log"
lab_lbctl status | sed 's/^/  /'
lab_lbctl backend list web | sed 's/^/  /'
for _ in $(seq 50); do # the first checks: backends start down until they pass
	[ "$(lab_lbctl health web | grep -c ' up ')" -ge 3 ] && break
	sleep 0.1
done

step "2. 300 TCP connections to the VIP: XDP encapsulates (IPIP), backends reply directly"
lab_client conns "$LAB_VIP" 80 20000 300 >"$LAB_DIR/c1"
share "$LAB_DIR/c1"
"$BUILD/tools/lab/edgelb-predict" --ring-size 65537 --client "$LAB_CLIENT" --vip "$LAB_VIP" \
	--port 80 --sports 20000-20299 be1 be2 be3 >"$LAB_DIR/p1"
if cmp -s "$LAB_DIR/p1" "$LAB_DIR/c1"; then
	echo "  every connection landed where the Maglev ring says (edgelb-predict agrees on 300/300)"
else
	echo "  MISMATCH with the Maglev prediction:"
	diff "$LAB_DIR/p1" "$LAB_DIR/c1" | head
fi

step "3. Maintenance: drain be2 before its upgrade"
lab_lbctl backend drain web be2 | sed 's/^/  /'
lab_client conns "$LAB_VIP" 80 21000 300 >"$LAB_DIR/c2"
share "$LAB_DIR/c2"
echo "  (be2 keeps its established flows; new ones avoid it)"
lab_lbctl backend undrain web be2 | sed 's/^/  /'

step "4. edgelbd killed with -9 under 10 000 UDP datagrams: the data plane does not notice"
before=$(($(lab_udp_count 1) + $(lab_udp_count 2) + $(lab_udp_count 3)))
lab_client udp "$LAB_VIP" 80 10000 5000 >"$LAB_DIR/sent" &
sender=$!
sleep 0.5
lab_edgelbd_kill KILL
echo "  edgelbd killed; restarting"
sleep 0.3
lab_edgelbd_start
wait "$sender"
echo "  sent $(cat "$LAB_DIR/sent"), received $(udp_received "$before" "$(cat "$LAB_DIR/sent")")"
tail -4 "$LAB_DIR/edgelbd.log" | sed 's/^/  /'

step "5. be3's web server dies: its checks take it out of the ring, then back"
lab_server_stop 3
sleep 1
lab_lbctl health web | sed 's/^/  /'
lab_client conns "$LAB_VIP" 80 22000 300 >"$LAB_DIR/c3"
share "$LAB_DIR/c3"
echo "  ($(grep -c FAILED "$LAB_DIR/c3") of 300 failed)"
lab_server_start 3
sleep 1
lab_lbctl health web | sed 's/^/  /'

step "6. Counters: lbctl stats, and /metrics for Prometheus"
lab_lbctl stats | sed 's/^/  /'
lab_exec lb1 curl -s http://127.0.0.1:9274/metrics | grep -E '^edgelb_(vip_packets_total|backend_up)' | head -6 | sed 's/^/  /'

step "7. lb2 joins as VRRP backup; lb1 hands the VIP over under 10 000 UDP datagrams"
lab_config 3 lb2 >/dev/null
lab_edgelbd_start lb2
wait_state lb2 BACKUP
lab_lbctl_at lb1 vrrp status | sed 's/^/  lb1: /'
lab_lbctl_at lb2 vrrp status | sed 's/^/  lb2: /'
before=$(($(lab_udp_count 1) + $(lab_udp_count 2) + $(lab_udp_count 3)))
lab_client udp "$LAB_VIP" 80 10000 5000 >"$LAB_DIR/sent" &
sender=$!
sleep 0.5
lab_lbctl vrrp handover >/dev/null
wait_state lb2 MASTER
echo "  lb1 handed over: lb2 MASTER; the client's entry for the VIP:" \
	"$(lab_exec client ip neigh show "$LAB_VIP" | awk '{print $5}') (lb2's eth0: $(lab_exec lb2 cat /sys/class/net/eth0/address))"
wait "$sender"
echo "  sent $(cat "$LAB_DIR/sent"), received $(udp_received "$before" "$(cat "$LAB_DIR/sent")"):" \
	"lb1 forwarded until the client moved"
lab_lbctl vrrp release >/dev/null
wait_state lb1 MASTER
echo "  released: lb1 MASTER again, lb2 $(vrrp_state lb2)"
for n in lb1 lb2; do grep "vrrp\[" "$(lab_file "$n" log)" | tail -3 | sed "s/^/  $n: /"; done

step "8. The same lab on DPDK: lb1's eth0 is given to edgelb-dpdk, edgelbd drives it"
if [ ! -x "$DPDK" ]; then
	echo "  skipped: edgelb-dpdk is not built (Debian's dpdk-dev was not found)"
else
	lab_edgelbd_kill TERM lb2
	lab_edgelbd_kill TERM lb1
	NS=$(lab_ns lb1)
	ip netns exec "$NS" "$BUILD/controlplane/edgelbd" --cleanup -c "$(lab_file lb1 conf)" | sed 's/^/  /'
	# lb1's eth0 is edgelb-dpdk's port; its addresses go to the TAP (lab.sh)
	lab_dpdk_port lb1
	lab_dpdk_start lb1 dtap0 "$DPDK_TABLES" "$DPDK_PREFIX" "$LAB_DIR/dpdk.log"
	dpdk_pid=$!
	lab_dpdk_wait "$LAB_DIR/dpdk.log" 20 2>/dev/null
	sed 's/^/  /' "$LAB_DIR/dpdk.log"
	ip -n "$NS" link set dtap0 up
	ip -n "$NS" addr add "$(lab_lb_addr lb1)/24" dev dtap0
	ip -n "$NS" addr add "$LAB_VIP/32" dev dtap0
	lab_dpdk_config "$(lab_file lb1 conf)" dtap0 "$DPDK_TABLES"
	lab_edgelbd_start
	grep "dpdk" "$LAB_DIR/edgelbd.log" | tail -2 | sed 's/^/  /'
	for _ in $(seq 100); do
		[ "$(lab_lbctl health web | grep -c ' up ')" -ge 3 ] && break
		sleep 0.1
	done
	lab_lbctl status | sed 's/^/  /'
	lab_client conns "$LAB_VIP" 80 23000 300 >"$LAB_DIR/c4"
	share "$LAB_DIR/c4"
	"$BUILD/tools/lab/edgelb-predict" --ring-size 65537 --client "$LAB_CLIENT" --vip "$LAB_VIP" \
		--port 80 --sports 23000-23299 be1 be2 be3 >"$LAB_DIR/p4"
	if cmp -s "$LAB_DIR/p4" "$LAB_DIR/c4"; then
		echo "  every connection landed where the Maglev ring says, as with XDP (300/300)"
	else
		echo "  MISMATCH with the Maglev prediction:"
		diff "$LAB_DIR/p4" "$LAB_DIR/c4" | head
	fi
	lab_lbctl stats | head -8 | sed 's/^/  /'
fi

step "Done. The two-site world, with its operations under load: tools/demo.sh"
