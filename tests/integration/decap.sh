#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End to end: edgelb-decap on a backend's veth strips real tunnel packets
# so that a UDP socket bound to the VIP on lo receives the client payload.
#
#   ns tx (balancer)                       ns rx (backend)
#   decap-send --AF_PACKET--> veth0 ==== veth1 [XDP edgelb-decap]
#                                               10.99.0.2, fd99::2 (tunnel)
#                                          lo   10.99.1.1, fd99:1::1 (VIP)
#                                               python3 UDP listener
#
# No ipip/fou module exists here, so the sender crafts the encapsulated
# frames itself. Controls make each check able to fail: a bare datagram
# reaches the listener (the path works), a tunnel packet does not before
# the attach nor after the detach (the decapsulator is what delivers it).
#
# usage: decap.sh EDGELB_DECAP DECAP_SEND
# Needs root; exits 77 (skip) when namespaces or bpffs are not available
# (1 under CI=true: check.sh's skip_or_fail).
set -euo pipefail

decap=${1:?usage: decap.sh EDGELB_DECAP DECAP_SEND}
send=${2:?usage: decap.sh EDGELB_DECAP DECAP_SEND}

# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"
# cannot run: skip, or fail under CI=true (check.sh)
skip() { skip_or_fail "$*"; }
fail() {
	echo "decap.sh: FAIL: $*" >&2
	exit 1
}
say() { echo "decap.sh: $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP, bpffs)"
need_tools ip python3 # python3: the UDP listener

tx=edlb-dtx-$$
rx=edlb-drx-$$
tmp=$(mktemp -d /tmp/edgelb-decap-test.XXXXXX)
bpffs=$tmp/bpffs
pin=$bpffs/veth1
gue_port=6080
lpid=

cleanup() {
	local rc=$?

	trap - EXIT
	set +e
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	# Deleting the namespaces removes the veth pair and with it the XDP
	# link; unmounting the bpffs then drops the pins.
	ip netns del "$tx" 2>/dev/null
	ip netns del "$rx" 2>/dev/null
	grep -q " $bpffs bpf " /proc/mounts && umount "$bpffs"
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_rx() { timeout 20 ip netns exec "$rx" "$@"; }
in_tx() { timeout 20 ip netns exec "$tx" "$@"; }

# ---- setup -----------------------------------------------------------

# A bpffs of our own outside /sys: visible inside 'ip netns exec', and its
# pins outlive the attaching process (LAB-FACTS.md, "bpffs and namespaces").
mkdir "$bpffs"
mount -t bpf bpf "$bpffs" 2>/dev/null || skip "cannot mount a bpffs at $bpffs"

ip netns add "$tx" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$rx"
ip -n "$tx" link add veth0 type veth peer name veth1 netns "$rx" ||
	skip "cannot create a veth pair"
for sys in all default lo veth1; do
	in_rx sh -c "echo 0 > /proc/sys/net/ipv4/conf/$sys/rp_filter"
done
in_rx sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore;
	     echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce'
ip -n "$rx" link set lo up
ip -n "$rx" link set veth1 up
ip -n "$rx" addr add 10.99.0.2/24 dev veth1
ip -n "$rx" addr add fd99::2/64 dev veth1 nodad
ip -n "$rx" addr add 10.99.1.1/32 dev lo
ip -n "$rx" addr add fd99:1::1/128 dev lo
ip -n "$tx" link set lo up
ip -n "$tx" link set veth0 up

for _ in $(seq 50); do
	ip -n "$rx" link show veth1 | grep -q LOWER_UP && break
	sleep 0.1
done
ip -n "$rx" link show veth1 | grep -q LOWER_UP || fail "veth1 never came up"
rx_mac=$(in_rx cat /sys/class/net/veth1/address)

# ---- helpers ---------------------------------------------------------

# The VIP listener: prints "ready" once bound, exits 0 on the expected
# payload, 1 when nothing matching came within the timeout.
listener='
import socket, sys
addr, port, want, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((addr, port))
s.settimeout(wait)
print("ready", flush=True)
try:
    while True:
        data, peer = s.recvfrom(4096)
        if data.decode(errors="replace") == want:
            print("got", want, "from", peer[0], flush=True)
            sys.exit(0)
        print("other datagram", data, flush=True)
except socket.timeout:
    print("nothing within", wait, "s", flush=True)
    sys.exit(1)
'

# start_listener VIP PORT PAYLOAD SECONDS: starts it, waits until bound.
start_listener() {
	out=$tmp/listener.out
	: >"$out"
	timeout $(($4 + 10)) ip netns exec "$rx" python3 -c "$listener" \
		"$1" "$2" "$3" "$4" >"$out" 2>&1 &
	lpid=$!
	for _ in $(seq 100); do
		grep -q ready "$out" && return 0
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$out" >&2
	fail "the UDP listener on $1 port $2 did not start"
}

# send_until_received NAME VIP PORT [decap-send args...]: sends a tunnel
# packet every 0.1 s (at most 30) until the listener has the payload.
# Returns the listener's status: 0 delivered, 1 not.
send_until_received() {
	local name=$1 vip=$2 port=$3 payload rc i
	shift 3
	payload="edgelb-decap $name $$"
	start_listener "$vip" "$port" "$payload" 3
	for i in $(seq 30); do
		in_tx "$send" --iface veth0 --dst-mac "$rx_mac" --dst "$vip" \
			--dport "$port" --payload "$payload" "$@"
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	rc=0
	wait "$lpid" || rc=$?
	lpid=
	return "$rc"
}

expect_delivered() {
	local name=$1
	if send_until_received "$@"; then
		say "ok: $name delivered to the VIP"
	else
		cat "$tmp/listener.out" >&2
		fail "$name: the VIP listener never received the payload"
	fi
}

expect_not_delivered() {
	local name=$1
	if send_until_received "$@"; then
		cat "$tmp/listener.out" >&2
		fail "$name: delivered, but nothing should strip the tunnel"
	fi
	say "ok: $name not delivered"
}

ipip=(--encap ip --src 10.99.2.5 --outer-src 10.99.0.1 --outer-dst 10.99.0.2)
ip6ip6=(--encap ip --src fd99:2::5 --outer-src fd99::1 --outer-dst fd99::2)
ip6ip4=(--encap ip --src fd99:2::5 --outer-src 10.99.0.1 --outer-dst 10.99.0.2)
ip4ip6=(--encap ip --src 10.99.2.5 --outer-src fd99::1 --outer-dst fd99::2)
gue4=(--encap gue --gue-port $gue_port --src 10.99.2.5
	--outer-src 10.99.0.1 --outer-dst 10.99.0.2)
gue6=(--encap gue --gue-port $gue_port --src fd99:2::5
	--outer-src fd99::1 --outer-dst fd99::2)
gue64=(--encap gue --gue-port $gue_port --src fd99:2::5
	--outer-src 10.99.0.1 --outer-dst 10.99.0.2)

# counter NAME: one value of 'edgelb-decap stats', read by a new process.
counter() {
	in_rx "$decap" stats --pin "$pin" | awk -v n="$1" '$1 == n { print $2 }'
}

# ---- controls without the decapsulator --------------------------------

expect_delivered "bare UDP (control)" 10.99.1.1 7001 --src 10.99.2.5
expect_delivered "bare UDP over IPv6 (control)" fd99:1::1 7001 --src fd99:2::5
expect_not_delivered "IPIP before attach" 10.99.1.1 7002 "${ipip[@]}"

# ---- attached ----------------------------------------------------------

in_rx "$decap" attach veth1 --addr 10.99.0.2 --addr fd99::2 \
	--gue-port $gue_port --pin "$pin"
ip -n "$rx" link show veth1 | grep -q xdp || fail "attach left no XDP program on veth1"
[ -e "$pin/link" ] && [ -e "$pin/decap_stats" ] && [ -e "$pin/decap_addrs" ] ||
	fail "attach did not pin link, decap_stats and decap_addrs in $pin"

expect_delivered "IPIP" 10.99.1.1 7010 "${ipip[@]}"
expect_delivered "IPv6-in-IPv6" fd99:1::1 7011 "${ip6ip6[@]}"
expect_delivered "IPv6-in-IPv4" fd99:1::1 7012 "${ip6ip4[@]}"
expect_delivered "IPv4-in-IPv6" 10.99.1.1 7013 "${ip4ip6[@]}"
expect_delivered "GUE v4-in-v4" 10.99.1.1 7014 "${gue4[@]}"
expect_delivered "GUE v6-in-v6" fd99:1::1 7015 "${gue6[@]}"
expect_delivered "GUE v6-in-v4" fd99:1::1 7016 "${gue64[@]}"
expect_delivered "bare UDP while attached" 10.99.1.1 7017 --src 10.99.2.5
expect_not_delivered "IPIP to an address not in decap_addrs" 10.99.1.1 7018 \
	--encap ip --src 10.99.2.5 --outer-src 10.99.0.1 --outer-dst 10.99.0.3
expect_not_delivered "GUE to another UDP port" 10.99.1.1 7019 \
	--encap gue --gue-port 6081 --src 10.99.2.5 \
	--outer-src 10.99.0.1 --outer-dst 10.99.0.2

stats=$(in_rx "$decap" stats --pin "$pin")
echo "$stats"
for c in decapsulated_ipip decapsulated_ip6ip6 decapsulated_ip6ip4 \
	decapsulated_ip4ip6 passed passed_not_ours; do
	[ "$(counter $c)" -ge 1 ] || fail "counter $c did not move"
done
[ "$(counter decapsulated_gue)" -ge 3 ] || fail "decapsulated_gue below 3"
for c in drop_malformed drop_bad_checksum drop_fragment drop_ce_not_ect \
	drop_adjust_failed; do
	[ "$(counter $c)" -eq 0 ] || fail "counter $c moved on well-formed traffic"
done
say "ok: counters read from the pinned map by another process"

if in_rx "$decap" attach veth1 --addr 10.99.0.2 --pin "$pin" 2>"$tmp/err"; then
	fail "a second attach on veth1 succeeded"
fi
grep -q "detach" "$tmp/err" || fail "second attach: no hint to detach first"
say "ok: a second attach is refused"

# ---- detached --------------------------------------------------------

in_rx "$decap" detach veth1 --pin "$pin"
ip -n "$rx" link show veth1 | grep -q xdp && fail "detach left an XDP program"
[ -e "$pin" ] && fail "detach left $pin behind"
expect_not_delivered "IPIP after detach" 10.99.1.1 7020 "${ipip[@]}"

# ---- generic (skb) mode ----------------------------------------------

in_rx "$decap" attach veth1 --addr 10.99.0.2 --pin "$pin" --generic |
	tee "$tmp/attach.out"
grep -q "generic mode" "$tmp/attach.out" || fail "--generic did not attach in skb mode"
expect_delivered "IPIP in generic mode" 10.99.1.1 7021 "${ipip[@]}"
expect_not_delivered "GUE with GUE off" 10.99.1.1 7022 "${gue4[@]}"
in_rx "$decap" detach veth1 --pin "$pin"

say "PASS"
