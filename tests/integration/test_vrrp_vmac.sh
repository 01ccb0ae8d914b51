#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The VRRP virtual MAC (controlplane/vrrp/vmac.c through the vrrp_vmac
# driver). Two namespaces on a veth pair:
#   rt: the router, rt0 10.74.0.1/24 fd74::1/64, the macvlans on rt0
#   pe: a peer,     pe0 10.74.0.2/24 fd74::2/64
# Checks:
#  a. ensure (IPv4 vrid 51, IPv6 vrid 52): a macvlan named as vmac.h says,
#     on rt0, MAC 00:00:5e:00:01:33 / 00:00:5e:00:02:34, mode private, up;
#     the IPv4 one without IPv6; the IPv6 one with a link-local address that
#     is not tentative and not the EUI-64 one of the shared virtual MAC;
#     rt0's arp_ignore=1 and arp_announce=2
#  b. ensure again: the same ifindex (adopted, not recreated)
#  c. a VIP on each macvlan: an ARP request from the peer gets exactly one
#     reply, with the virtual MAC (and rt0's address still rt0's MAC only);
#     the peer's neighbour entries for the VIPs after traffic hold the
#     virtual MACs
#  d. a macvlan of that name in bridge mode is recreated in private mode;
#     a non-macvlan (veth) of that name is left alone and ensure fails
#  e. remove: gone; remove again: still success
# Usage: test_vrrp_vmac.sh VRRP_VMAC. Exits 77 without root or python3 (1
# under CI=true: check.sh's skip_or_fail).
set -euo pipefail

VMAC=${1:?usage: test_vrrp_vmac.sh VRRP_VMAC}
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"
need_root "network namespaces, macvlan"
need_tools ip python3

tag=vm$$
NS_RT=$tag-rt
NS_PE=$tag-pe
DIR=$(mktemp -d /tmp/vrrp-vmac.XXXXXX)

cleanup() {
	set +e
	ip netns del "$NS_RT" 2>/dev/null
	ip netns del "$NS_PE" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rt() { ip netns exec "$NS_RT" "$@"; }
pe() { ip netns exec "$NS_PE" "$@"; }

ip netns add "$NS_RT"
ip netns add "$NS_PE"
ip link add rt0 netns "$NS_RT" type veth peer name pe0 netns "$NS_PE"
for ns in "$NS_RT" "$NS_PE"; do
	ip -n "$ns" link set lo up
done
RT_MAC=02:74:00:00:00:01
ip -n "$NS_RT" link set rt0 address $RT_MAC
ip -n "$NS_PE" link set pe0 address 02:74:00:00:00:02
ip -n "$NS_RT" addr add 10.74.0.1/24 dev rt0
ip -n "$NS_PE" addr add 10.74.0.2/24 dev pe0
ip -n "$NS_RT" addr add fd74::1/64 dev rt0 nodad
ip -n "$NS_PE" addr add fd74::2/64 dev pe0 nodad
ip -n "$NS_RT" link set rt0 up
ip -n "$NS_PE" link set pe0 up
RT_IDX=$(rt cat /sys/class/net/rt0/ifindex)

# An arping: one request from pe0, every reply for TARGET within a second
# printed as the sender MAC (python3 on an AF_PACKET socket: no arping or
# scapy needed).
cat >"$DIR/arping.py" <<'EOF'
import socket, struct, sys, time
ifname, target, source = sys.argv[1:4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0))
mac = s.getsockname()[4]
tip = socket.inet_aton(target)
arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac,
                  socket.inet_aton(source), b'\0' * 6, tip)
s.send(b'\xff' * 6 + mac + b'\x08\x06' + arp)
s.settimeout(0.1)
end = time.time() + 1.0
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) < 32:
        continue
    op, sha, spa = struct.unpack('!6xH6s4s', f[14:32])
    if op == 2 and spa == tip:
        print(':'.join('%02x' % b for b in sha))
EOF
# One UDP datagram to ADDR (resolves its neighbour entry).
udp_to() {
	python3 -c 'import socket,sys; a=sys.argv[1]; f=socket.AF_INET6 if ":" in a else socket.AF_INET; socket.socket(f, socket.SOCK_DGRAM).sendto(b"x", (a, 9))' "$1"
}

link_line() { ip -n "$NS_RT" -d -o link show "$1" 2>/dev/null; }

# --- a. and b. for each family ------------------------------------------------
check_vmac() { # FAMILY VRID MAC
	local fam=$1 vrid=$2 mac=$3 out name idx want line out2
	if ! out=$(rt "$VMAC" ensure rt0 "$vrid" "$fam"); then
		bad "v$fam: ensure"
		return 1
	fi
	read -r name idx <<<"$out"
	want=$("$VMAC" name "$RT_IDX" "$vrid" "$fam")
	check "v$fam: ensure made $name (ifindex $idx), the documented name ($want)" \
		[ "$name" = "$want" ]
	line=$(link_line "$name")
	check "v$fam: $name is on rt0" grep -q "^$idx: $name@rt0:" <<<"$line"
	check "v$fam: $name has MAC $mac" grep -q "link/ether $mac " <<<"$line"
	check "v$fam: $name is a private macvlan" grep -q "macvlan mode private " <<<"$line"
	check "v$fam: $name is up" grep -q "<[^>]*,UP[,>]" <<<"$line"
	if [ "$fam" = 4 ]; then
		check "v4: $name has no IPv6" \
			[ "$(rt cat /proc/sys/net/ipv6/conf/"$name"/disable_ipv6)" = 1 ]
	else
		local ll eui
		# ensure does not wait for it (edgelbd's loop retries): milliseconds
		for _ in $(seq 100); do
			ll=$(ip -n "$NS_RT" -6 -o addr show dev "$name" scope link)
			grep -q "inet6 fe80::" <<<"$ll" && break
			sleep 0.01
		done
		eui="fe80::200:5eff:fe00:2$(printf %02x "$vrid")"
		check "v6: $name has a link-local address" grep -q "inet6 fe80::" <<<"$ll"
		check "v6: its link-local address is usable (not tentative)" \
			eval '! grep -qE "tentative|dadfailed" <<<"$ll"'
		check "v6: it is not the shared EUI-64 one ($eui)" eval '! grep -q "$eui/" <<<"$ll"'
	fi
	if ! out2=$(rt "$VMAC" ensure rt0 "$vrid" "$fam"); then
		bad "v$fam: second ensure"
		return 1
	fi
	check "v$fam: second ensure adopts it (same ifindex $idx: $out2)" [ "$out2" = "$out" ]
	eval "NAME$fam=$name IDX$fam=$idx"
}
NAME4= NAME6= IDX4= IDX6=
check_vmac 4 51 00:00:5e:00:01:33
check_vmac 6 52 00:00:5e:00:02:34
check "rt0: arp_ignore=1" [ "$(rt cat /proc/sys/net/ipv4/conf/rt0/arp_ignore)" = 1 ]
check "rt0: arp_announce=2" [ "$(rt cat /proc/sys/net/ipv4/conf/rt0/arp_announce)" = 2 ]

# --- c. the VIPs resolve to the virtual MACs -----------------------------------
if [ -n "$NAME4" ]; then
	ip -n "$NS_RT" addr add 10.74.0.100/32 dev "$NAME4"
	replies=$(pe python3 "$DIR/arping.py" pe0 10.74.0.100 10.74.0.2 | tr '\n' ' ')
	check "ARP for the VIP: one reply, the virtual MAC (got: $replies)" \
		[ "$replies" = "00:00:5e:00:01:33 " ]
	replies=$(pe python3 "$DIR/arping.py" pe0 10.74.0.1 10.74.0.2 | tr '\n' ' ')
	check "ARP for rt0's address: one reply, rt0's MAC (got: $replies)" \
		[ "$replies" = "$RT_MAC " ]
	ip -n "$NS_PE" neigh flush dev pe0
	pe bash -c "$(declare -f udp_to); udp_to 10.74.0.100"
	sleep 0.3
	n=$(ip -n "$NS_PE" neigh show 10.74.0.100 dev pe0)
	check "peer's neighbour for the VIP: the virtual MAC ($n)" grep -q "lladdr 00:00:5e:00:01:33" <<<"$n"
fi
if [ -n "$NAME6" ]; then
	ip -n "$NS_RT" addr add fd74::100/128 dev "$NAME6" nodad
	pe bash -c "$(declare -f udp_to); udp_to fd74::100"
	n=
	for _ in $(seq 20); do
		n=$(ip -n "$NS_PE" neigh show fd74::100 dev pe0)
		grep -q lladdr <<<"$n" && break
		sleep 0.1
	done
	check "peer's neighbour for the IPv6 VIP: the virtual MAC ($n)" \
		grep -q "lladdr 00:00:5e:00:02:34" <<<"$n"
fi

# --- d. wrongly configured / foreign interfaces of that name -------------------
if [ -n "$NAME4" ]; then
	rt "$VMAC" remove "$NAME4"
	ip -n "$NS_RT" link add "$NAME4" link rt0 address 00:00:5e:00:01:33 type macvlan mode bridge
	if out=$(rt "$VMAC" ensure rt0 51 4 2>"$DIR/err"); then
		check "bridge-mode $NAME4 recreated in private mode" \
			grep -q "macvlan mode private " <<<"$(link_line "$NAME4")"
		check "...and said so" grep -q "recreating" "$DIR/err"
	else
		bad "ensure over a bridge-mode $NAME4"
	fi
	rt "$VMAC" remove "$NAME4"
	ip -n "$NS_RT" link add "$NAME4" type veth peer name vmx-peer
	check "ensure over a veth $NAME4 fails" eval '! rt "$VMAC" ensure rt0 51 4 2>/dev/null'
	check "...and leaves the veth there" grep -q "veth" <<<"$(link_line "$NAME4")"
	ip -n "$NS_RT" link del "$NAME4"
	rt "$VMAC" ensure rt0 51 4 >/dev/null || bad "ensure after the veth"
fi

# --- e. remove, twice ----------------------------------------------------------
for name in $NAME4 $NAME6; do
	check "remove $name" rt "$VMAC" remove "$name"
	check "$name is gone" eval '[ -z "$(link_line "$name")" ]'
	check "remove $name again: success" rt "$VMAC" remove "$name"
done
check "rt0 is still there" eval '[ -n "$(link_line rt0)" ]'

check_summary
