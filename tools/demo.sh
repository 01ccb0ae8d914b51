#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo: installs the dependencies, builds edgelb and shows it at work in
# network namespaces (tools/lab/lab.sh): a client, a balancer running
# edgelbd with the XDP program, three backends that decapsulate and answer
# the client directly. Everything is removed at the end. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
tools/build.sh build >/dev/null
echo "built: $(build/controlplane/edgelbd --version)"

export BUILD=$PWD/build LAB_PREFIX=demo
# shellcheck source=lab/lab.sh
source tools/lab/lab.sh
trap lab_down EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
share() { awk '{print $2}' "$1" | sort | uniq -c | awk '{printf "  %s: %s connections\n", $2, $1}'; }

step "1. The lab: client 10.99.0.100, balancer lb1, backends be1..be3, VIP $LAB_VIP"
lab_up 3
# HTTP checks every 200 ms, through the tunnel as client traffic travels
export LAB_HEALTH='type = "http"; interval = 0.2; timeout = 0.15; rise = 2; fall = 2;
  through_tunnel = true; http = { path = "/health"; };'
lab_config 3 >/dev/null
lab_edgelbd_start
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
sleep 0.5
after=$(($(lab_udp_count 1) + $(lab_udp_count 2) + $(lab_udp_count 3)))
echo "  sent $(cat "$LAB_DIR/sent"), received $((after - before))"
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

step "Done. Not in this demo yet: VRRP, the two-site lab, DPDK (see README)."
