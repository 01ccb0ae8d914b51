#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# edgelbd's VRRP instance with use_vmac = true against keepalived with
# use_vmac, on one L2 segment (a bridge) with a client:
#   A: edgelbd, a0 10.73.0.1/24, VRID 61 priority 150, advert 0.1 s
#   B: keepalived, b0 10.73.0.2/24, VRID 61 priority 100, use_vmac
#   C: client, c0 10.73.0.9/24; VIP 10.73.0.100
# Checks: the VIP lives on edgelbd's macvlan (vmac.h) and the client
# resolves it to 00:00:5e:00:01:3d; across a handover and back the client's
# entry never changes MAC (that is what the virtual MAC is for) while the
# bridge follows the master by its adverts; the VIP answers throughout;
# a clean stop removes the macvlan.
# Usage: test_vrrp_vmac_peer.sh BUILDDIR. Exits 77 without root or keepalived.
set -uo pipefail

BUILD=$(cd "${1:?usage: test_vrrp_vmac_peer.sh BUILDDIR}" && pwd)
. "$(dirname "$0")/vrrp_lib.sh"
vl_need_root_keepalived
vl_init vrrp-vmac-peer

tag=vm$$
NS_A=$tag-a NS_B=$tag-b NS_C=$tag-c NS_SW=$tag-sw
VMAC=00:00:5e:00:01:3d
for ns in "$NS_A" "$NS_B" "$NS_C" "$NS_SW"; do vl_ns_add "$ns"; done
ip -n "$NS_SW" link add br0 type bridge
ip -n "$NS_SW" link set br0 up
i=0
for h in a b c; do
	ns=$tag-$h
	vl_veth "$ns" ${h}0 "02:73:00:00:00:0$((++i))" "$NS_SW" "p-$h" "02:73:00:00:01:0$i"
	ip -n "$NS_SW" link set "p-$h" master br0
done
ip -n "$NS_A" addr add 10.73.0.1/24 dev a0
ip -n "$NS_B" addr add 10.73.0.2/24 dev b0
ip -n "$NS_C" addr add 10.73.0.9/24 dev c0
# keepalived leaves the base interface's ARP settings alone; without these
# B answers (arp_ignore) and asks (arp_announce) for the VIP with b0's own
# MAC, and the client learns that instead of the virtual MAC. edgelbd sets
# them itself (vmac.c).
ip netns exec "$NS_B" sysctl -qw net.ipv4.conf.b0.arp_ignore=1 net.ipv4.conf.b0.arp_announce=2

N=$(vl_notify elb v61)
K=$(vl_notify ka k61)
cat >"$VL_DIR/a.conf" <<EOC
instance = "vm";
pin_dir = "$VL_BPFFS/edgelb";
state_file = "$VL_DIR/a.state";
control_socket = "$VL_DIR/a.sock";
dataplane = { mode = "xdp"; xdp_mode = "native"; interfaces = [ "a0" ]; };
services = (
  { name = "web"; vip = "10.73.0.100"; port = 80; protocol = "tcp"; encap = "ipip";
    health = { type = "none"; };
    backends = ( { name = "be1"; address = "10.73.0.50"; } ); }
);
vrrp = (
  { name = "v61"; vrid = 61; interface = "a0"; priority = 150; advert_int = 0.1;
    use_vmac = true; vips = [ "10.73.0.100/32" ];
    notify = { master = "$N"; backup = "$N"; }; },
  # IPv6 alone (no peer): its macvlan's link-local address is the advert
  # source, and it comes only after the macvlan is up
  { name = "v62"; vrid = 62; interface = "a0"; priority = 150; advert_int = 0.1;
    use_vmac = true; vips = [ "fd73::100/128" ]; }
);
EOC
cat >"$VL_DIR/ka.conf" <<EOC
global_defs {
	router_id vm
	script_user root
	vrrp_version 3
}
vrrp_instance k61 {
	state BACKUP
	interface b0
	use_vmac
	virtual_router_id 61
	priority 100
	advert_int 0.1
	virtual_ipaddress {
		10.73.0.100/32
	}
	notify $K
}
EOC

client_mac() { ip -n "$NS_C" neigh show 10.73.0.100 dev c0 | awk '{print $3; exit}'; }
# the master's kernel answers a TCP connect to a port no service uses
# (refused = reached; no ping in the minimal install)
ping_vip() {
	ip netns exec "$NS_C" python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("10.73.0.100", 7))
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
sys.exit(0)'
}
fdb_port() { ip -n "$NS_SW" -br link show "$(bridge -n "$NS_SW" fdb show br br0 | awk -v m="$VMAC" '$1 == m && $0 !~ /permanent/ {print $3; exit}')" 2>/dev/null | awk '{print $1}' | sed 's/@.*//'; }
elb() { vl_elb_state a; }
ka() { vl_notify_state ka; }

vl_elb_start a "$NS_A" "$VL_DIR/a.conf" || { vl_bad "edgelbd start"; exit 1; }
vl_ka_start ka "$NS_B" "$VL_DIR/ka.conf"
if vl_wait_for 50 vl_is elb MASTER && vl_wait_for 50 vl_is ka BACKUP; then
	vl_ok "edgelbd MASTER, keepalived BACKUP"
else
	vl_bad "initial: edgelbd $(elb), keepalived $(ka)"
fi
vif=$(vl_elb_field a vmac_interface)
if [ -n "$vif" ] && [ "$vif" != None ] && vl_has_addr "$NS_A" "$vif" 10.73.0.100/32 &&
	! vl_has_addr "$NS_A" a0 10.73.0.100/32 &&
	ip -n "$NS_A" link show "$vif" | grep -q "link/ether $VMAC"; then
	vl_ok "the VIP is on edgelbd's macvlan $vif ($VMAC), not on a0"
else
	vl_bad "macvlan: '$vif'; $(ip -n "$NS_A" -br addr)"
fi
if ping_vip && [ "$(client_mac)" = "$VMAC" ]; then
	vl_ok "the client reaches the VIP at $VMAC"
else
	vl_bad "client: ping $(ping_vip && echo ok || echo lost), neighbour $(client_mac)"
fi
vl_wait_for 20 vl_is fdb_port p-a && vl_ok "the bridge has $VMAC on edgelbd's port" ||
	vl_bad "bridge: $VMAC on '$(fdb_port)'"

v6st() { vl_elb_field a state v62; }
vif6=$(vl_elb_field a vmac_interface v62)
src6=$(grep -o 'vrrp\[v62/62\]: started on a0 from [^,]*' "$VL_DIR/a.log" | awk '{print $NF}')
if vl_wait_for 50 vl_is v6st MASTER && vl_has_addr "$NS_A" "$vif6" fd73::100/128 &&
	ip -n "$NS_A" link show "$vif6" | grep -q "link/ether 00:00:5e:00:02:3e" &&
	[ -n "$src6" ] && ip -n "$NS_A" -6 addr show dev "$vif6" scope link | grep -q "inet6 $src6/"; then
	vl_ok "IPv6 instance MASTER on its macvlan $vif6, advertising from its link-local $src6"
else
	vl_bad "IPv6 vmac: state $(v6st), '$vif6', source '$src6'; $(ip -n "$NS_A" -6 -br addr)"
fi

vl_lbctl a vrrp handover >/dev/null || vl_bad "lbctl vrrp handover"
if vl_wait_for 30 vl_is ka MASTER && vl_wait_for 20 vl_is fdb_port p-b; then
	vl_ok "handover: keepalived MASTER, the bridge moved $VMAC to its port"
else
	vl_bad "handover: keepalived $(ka), bridge $(fdb_port)"
fi
if ping_vip && [ "$(client_mac)" = "$VMAC" ]; then
	vl_ok "the client reaches the VIP with the same MAC after the handover"
else
	vl_bad "after handover: ping $(ping_vip && echo ok || echo lost), neighbour $(client_mac)"
fi
vl_lbctl a vrrp release >/dev/null || vl_bad "lbctl vrrp release"
if vl_wait_for 30 vl_is elb MASTER && vl_wait_for 20 vl_is fdb_port p-a && ping_vip &&
	[ "$(client_mac)" = "$VMAC" ]; then
	vl_ok "release: edgelbd MASTER, $VMAC back on its port, the client unchanged"
else
	vl_bad "release: edgelbd $(elb), bridge $(fdb_port), neighbour $(client_mac)"
fi

vl_elb_stop a TERM
if ! ip -n "$NS_A" link show "$vif" >/dev/null 2>&1 && vl_wait_for 20 vl_is ka MASTER && ping_vip; then
	vl_ok "clean stop: $vif removed, keepalived MASTER, the VIP answers"
else
	vl_bad "stop: $(ip -n "$NS_A" -br link), keepalived $(ka)"
fi

if [ "$VL_FAILS" -ne 0 ]; then
	echo "--- a.log"; tail -40 "$VL_DIR/a.log"
	echo "--- ka.log"; tail -20 "$VL_DIR/ka.log"
	exit 1
fi
exit 0
