#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Health checks through the tunnel (controlplane/health/tunnel.c,
# bpf/hc_encap.bpf.c) in the lab's namespaces (tools/lab/lab.sh): lb1
# holds the VIP like a VRRP master, the backends decapsulate in XDP and
# hold the VIP on lo. hc-tunnel-ctl plays edgelbd, one run per call.
#
#   lb1: socket(SO_MARK = 0x4c42NNNN) -> VIP:80
#        rule fwmark 0x4c420000/0xffff0000 -> table 19522 -> eth0
#        tc egress: wrap for backend NNNN  ===>  beN: decap, VIP on lo
#
#  1. marked connects reach the backend their mark names, through IPIP,
#     GUE (next hop left to the kernel), IPv6-in-IPv6, IPv4 in GUE over
#     IPv6, and DSR; the counters of both ends move;
#  2. unmarked traffic is untouched: a plain connect to the VIP stays on
#     lb1, a plain connect to a backend's own address works;
#  3. the point of it all: a backend without the VIP on lo, or without
#     its decapsulator, fails the marked check while a check of its own
#     address still passes; it passes again once repaired;
#  4. restarts (a run that exits without cleaning up, as a killed edgelbd)
#     leave one rule, one route per VIP and one filter, and keep the
#     pinned targets; a VIP dropped from the config loses its route;
#  5. close leaves no rule, route, neighbour entry, filter, qdisc or pin,
#     and "lookup local" back at preference 0.
#
# usage: test_hc_tunnel.sh BUILDDIR     (root; exits 77 when it cannot run)
set -u
BUILD=$(cd "${1:?usage: test_hc_tunnel.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=hct$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"

# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"
need_root "namespaces, tc BPF, policy routing"
need_tools ip tc ethtool python3 ss

CTL=$BUILD/tests/integration/hc-tunnel-ctl
DECAP=$BUILD/tools/lab/edgelb-decap
TABLE=19522
VIP6=fd99::10
LB6=fd99::2
be6() { echo "fd99::$((10 + $1))"; }

trap lab_down EXIT

# hello ADDR MARK: from lb1, connect (SO_MARK MARK unless 0), send a line,
# print the backend's name or FAIL. Bounded: 2 s per connection.
hello() {
	lab_exec lb1 python3 -c '
import socket, sys
addr, mark = sys.argv[1], int(sys.argv[2], 0)
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
if mark:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
s.settimeout(2)
try:
    s.connect((addr, 80))
    s.sendall(b"hello\n")
    print(s.recv(100).decode().strip() or "FAIL")
except OSError:
    print("FAIL")' "$1" "$2"
}

# counter NAME: the tunnel program's counter (hc-tunnel-ctl stats)
counter() { "$CTL" stats "$PIN" | awk -v n="$1" '$1 == n { print $2 }'; }
decap_counter() { # decap_counter BE NAME
	lab_exec "be$1" "$DECAP" stats --pin "$LAB_DIR/bpffs/decap-be$1" |
		awk -v n="$2" '$1 == n { print $2 }'
}

# listen BE ADDR: one more lab server on beN (bound to ADDR) unless one
# listens there already; waits until it does. The lab's own server takes
# every IPv4 address (0.0.0.0); IPv6 ones need "::" (IPv6 only, as asyncio
# binds it).
listening() { lab_exec "be$1" ss -Hltn "sport = :80" | awk '{print $4}' | grep -qxF "$2:80"; }
listen() {
	local i=$1 addr=$2 any=0.0.0.0
	[[ $addr == *:* ]] && any="[::]"
	listening "$i" "$any" && return 0
	[[ $addr == *:* ]] && addr="::"
	lab_exec "be$i" python3 "$LAB_ROOT/tools/lab/lab_server.py" "be$i" "$addr" 80 \
		>>"$LAB_DIR/be$i-extra.log" 2>&1 &
	disown
	[[ $addr == *:* ]] && addr="[::]"
	for _ in $(seq 50); do
		listening "$i" "$addr" && return 0
		sleep 0.1
	done
	echo "server of be$i on $addr did not start: $(cat "$LAB_DIR/be$i-extra.log")" >&2
	return 1
}

lab_up 3 || exit 1
PIN=$LAB_DIR/bpffs/hc

# IPv6 beside the lab's IPv4 (nodad: usable at once), the VIPs on lb1 as a
# VRRP master holds them, servers on each backend's own addresses and on
# the IPv6 VIP, decapsulators that accept both outer families.
ip -n "$(lab_ns lb1)" addr add "$LB6/64" dev eth0 nodad
ip -n "$(lab_ns lb1)" addr add "$VIP6/128" dev eth0 nodad
for i in 1 2 3; do
	ip -n "$(lab_ns "be$i")" addr add "$(be6 "$i")/64" dev eth0 nodad
	ip -n "$(lab_ns "be$i")" addr add "$VIP6/128" dev lo nodad
	lab_exec "be$i" "$DECAP" detach eth0 --pin "$LAB_DIR/bpffs/decap-be$i" >/dev/null
	lab_exec "be$i" "$DECAP" attach eth0 --addr "$(lab_be_addr "$i")" --addr "$(be6 "$i")" \
		--gue-port 6080 --pin "$LAB_DIR/bpffs/decap-be$i" >/dev/null || exit 1
	listen "$i" "$(lab_be_addr "$i")" || exit 1
	listen "$i" "$VIP6" || exit 1
done
mac() { ip -n "$(lab_ns "be$1")" -br link show eth0 | awk '{print $3}'; }

# edgelbd's view: two VIPs, five backends' check targets
TARGETS=(
	--target "1,ipip,$(lab_be_addr 1),$(mac 1)"   # IPIP, MAC from the control plane
	--target "2,gue,$(lab_be_addr 2),-,6080"      # GUE, MAC from the kernel
	--target "3,ipip,$(be6 3),$(mac 3)"           # IPv6 in IPv6
	--target "4,gue,$(be6 1),-,6080"              # IPv4 or IPv6 in GUE over IPv6
	--target "5,dsr,$(lab_be_addr 3),$(mac 3)"    # L2 DSR: MAC only
)
up() {
	lab_exec lb1 "$CTL" up eth0 --pin "$PIN" --src "$LAB_LB" --src "$LB6" "$@"
}
up --vip "$LAB_VIP" --vip "$VIP6" "${TARGETS[@]}" >"$LAB_DIR/marks" 2>"$LAB_DIR/ctl.log" || {
	cat "$LAB_DIR/ctl.log"
	exit 1
}
mark() { awk -v id="$1" '$1 == "mark" && $2 == id { print $3 }' "$LAB_DIR/marks"; }
check "the API's mark of backend 2 is EDGELB_HC_MARK(2) ($(mark 2))" [ "$(mark 2)" = 0x4c420002 ]

# 1. each mark reaches its backend
check "IPIP: marked connect to $LAB_VIP reaches be1" [ "$(hello "$LAB_VIP" "$(mark 1)")" = be1 ]
check "GUE, kernel next hop: marked connect reaches be2" [ "$(hello "$LAB_VIP" "$(mark 2)")" = be2 ]
check "IPv6 in IPv6: marked connect to $VIP6 reaches be3" [ "$(hello "$VIP6" "$(mark 3)")" = be3 ]
check "IPv4 in GUE over IPv6: marked connect reaches be1" [ "$(hello "$LAB_VIP" "$(mark 4)")" = be1 ]
check "IPv6 in GUE over IPv6: marked connect reaches be1" [ "$(hello "$VIP6" "$(mark 4)")" = be1 ]
check "DSR: marked connect reaches be3" [ "$(hello "$LAB_VIP" "$(mark 5)")" = be3 ]
for c in encapsulated encapsulated_neigh dsr passed; do
	check "counter $c moved ($(counter $c))" [ "$(counter $c)" -gt 0 ]
done
check "be1 decapsulated IPIP ($(decap_counter 1 decapsulated_ipip))" \
	[ "$(decap_counter 1 decapsulated_ipip)" -gt 0 ]
check "be2 decapsulated GUE ($(decap_counter 2 decapsulated_gue))" \
	[ "$(decap_counter 2 decapsulated_gue)" -gt 0 ]
check "be3 decapsulated IPv6 in IPv6 ($(decap_counter 3 decapsulated_ip6ip6))" \
	[ "$(decap_counter 3 decapsulated_ip6ip6)" -gt 0 ]

# 2. unmarked traffic and unknown marks
check "a plain connect to the VIP stays on lb1 (refused there)" \
	[ "$(hello "$LAB_VIP" 0)" = FAIL ]
check "a plain connect to be1's own address works" [ "$(hello "$(lab_be_addr 1)" 0)" = be1 ]
before=$(counter drop_no_target)
check "a mark without target gets nowhere" [ "$(hello "$LAB_VIP" 0x4c420063)" = FAIL ]
check "and is counted as drop_no_target" [ "$(counter drop_no_target)" -gt "$before" ]

# 3. broken backends: the marked check fails, the own-address check does not
ip -n "$(lab_ns be2)" addr del "$LAB_VIP/32" dev lo
check "be2 without the VIP on lo: marked check fails" [ "$(hello "$LAB_VIP" "$(mark 2)")" = FAIL ]
check "be2 without the VIP on lo: check of its own address passes" \
	[ "$(hello "$(lab_be_addr 2)" 0)" = be2 ]
ip -n "$(lab_ns be2)" addr add "$LAB_VIP/32" dev lo
check "be2 with the VIP back: marked check passes" [ "$(hello "$LAB_VIP" "$(mark 2)")" = be2 ]

ip -n "$(lab_ns be3)" addr del "$VIP6/128" dev lo
check "be3 without $VIP6 on lo: marked IPv6 check fails" [ "$(hello "$VIP6" "$(mark 3)")" = FAIL ]
check "be3 without $VIP6 on lo: check of its own address passes" \
	[ "$(hello "$(be6 3)" 0)" = be3 ]
ip -n "$(lab_ns be3)" addr add "$VIP6/128" dev lo nodad

lab_exec be1 "$DECAP" detach eth0 --pin "$LAB_DIR/bpffs/decap-be1" >/dev/null
check "be1 without decapsulator: marked check fails" [ "$(hello "$LAB_VIP" "$(mark 1)")" = FAIL ]
check "be1 without decapsulator: check of its own address passes" \
	[ "$(hello "$(lab_be_addr 1)" 0)" = be1 ]
lab_exec be1 "$DECAP" attach eth0 --addr "$(lab_be_addr 1)" --addr "$(be6 1)" \
	--gue-port 6080 --pin "$LAB_DIR/bpffs/decap-be1" >/dev/null
check "be1 with its decapsulator back: marked check passes" \
	[ "$(hello "$LAB_VIP" "$(mark 1)")" = be1 ]

# 4. restarts: each run exits without cleaning up, as a killed edgelbd
rules() { lab_exec lb1 ip "$1" rule show | grep -c "fwmark 0x4c420000/0xffff0000 lookup $TABLE"; }
locals() { lab_exec lb1 ip "$1" rule show | grep -c "lookup local"; }
routes() { lab_exec lb1 ip "$1" route show table "$TABLE" | grep -c .; }
filters() { lab_exec lb1 tc filter show dev eth0 egress | grep -c "handle 0x4c42"; }
for _ in 1 2; do
	up --vip "$LAB_VIP" --vip "$VIP6" "${TARGETS[@]}" >/dev/null 2>>"$LAB_DIR/ctl.log"
done
for f in -4 -6; do
	check "after restarts: one check rule ($f: $(rules $f))" [ "$(rules $f)" -eq 1 ]
	check "after restarts: one local rule ($f: $(locals $f))" [ "$(locals $f)" -eq 1 ]
	check "after restarts: one route in table $TABLE ($f: $(routes $f))" [ "$(routes $f)" -eq 1 ]
done
check "after restarts: one tc filter ($(filters))" [ "$(filters)" -eq 1 ]
check "after restarts: marked checks still reach be2" [ "$(hello "$LAB_VIP" "$(mark 2)")" = be2 ]
up --vip "$LAB_VIP" >/dev/null 2>>"$LAB_DIR/ctl.log"
check "a run without $VIP6 removes its route" [ "$(routes -6)" -eq 0 ]
check "a run that sets no target keeps the pinned ones" \
	[ "$(hello "$LAB_VIP" "$(mark 1)")" = be1 ]
check "IPIP cannot carry IPv4 to an IPv6 backend: no connection" \
	[ "$(hello "$LAB_VIP" "$(mark 3)")" = FAIL ]
check "  ... counted as drop_family ($(counter drop_family))" [ "$(counter drop_family)" -gt 0 ]

# 5. close
lab_exec lb1 "$CTL" down eth0 --pin "$PIN" 2>>"$LAB_DIR/ctl.log"
check "close exits cleanly" [ $? -eq 0 ]
for f in -4 -6; do
	check "after close: no check rule ($f)" [ "$(rules $f)" -eq 0 ]
	check "after close: table $TABLE is empty ($f)" [ "$(routes $f)" -eq 0 ]
	check "after close: \"lookup local\" is back at preference 0 ($f)" \
		bash -c "ip -n '$(lab_ns lb1)' $f rule show | grep -qx '0:[[:space:]]*from all lookup local'"
done
check "after close: no placeholder neighbour" \
	bash -c "! ip -n '$(lab_ns lb1)' neigh show nud permanent | grep -Eq '169.254.76.66|fe80::4c:42'"
check "after close: no tc filter" [ -z "$(lab_exec lb1 tc filter show dev eth0 egress)" ]
check "after close: no clsact qdisc" bash -c "! tc -n '$(lab_ns lb1)' qdisc show dev eth0 | grep -q clsact"
check "after close: nothing pinned" [ ! -e "$PIN" ]
check "after close: a marked connect is a plain one again (stays on lb1)" \
	[ "$(hello "$LAB_VIP" "$(mark 1)")" = FAIL ]
check "no sanitizer report from hc-tunnel-ctl" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/ctl.log'"

echo
check_summary
