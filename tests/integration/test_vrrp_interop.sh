#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# edgelbd's VRRP instance (controlplane/vrrp/instance.c) against the real
# keepalived. Two namespaces on a veth pair:
#   A: edgelbd (XDP native on a0, one service), a0 10.78.0.1/24,
#      vrrp instance v3 IPv4 vrid 61, advert_int 0.1, priority 150,
#      VIP 10.78.0.100/32
#   B: keepalived (VRRP only), b0 10.78.0.2/24, same VRID and VIP,
#      priority 100, notify script writing its state to a file
# Checks:
#  1. edgelbd MASTER holding the VIP, keepalived BACKUP
#  2. kill -9 edgelbd: keepalived MASTER within 700 ms (3 x 100 ms + skew
#     + margin; the VIP stays on a0: edgelbd cannot remove it)
#     Takeover times are keepalived's: the stamp its notify script writes
#     (date, Unix ms) when keepalived runs it on the transition, against
#     the time the fault was injected; no polling slack is in them.
#  3. edgelbd restarted: it preempts back (MASTER), keepalived BACKUP
#  4. lbctl vrrp handover: keepalived MASTER within 300 ms, edgelbd stays
#     BACKUP (held) and drops the VIP; lbctl vrrp release: edgelbd MASTER
#  5. SIGTERM: edgelbd resigns: keepalived MASTER within 300 ms, VIP gone
# Usage: test_vrrp_interop.sh BUILDDIR. Exits 77 without root, keepalived
# or jq (1 under CI=true: check.sh's skip_or_fail).
set -uo pipefail

BUILD=$(cd "${1:?usage: test_vrrp_interop.sh BUILDDIR}" && pwd)
. "$(dirname "$0")/vrrp_lib.sh"
vl_need_root_keepalived

tag=vi$$
NS_A=$tag-a
NS_B=$tag-b
vl_init vrrp-interop
vl_ns_add "$NS_A"
vl_ns_add "$NS_B"
vl_veth "$NS_A" a0 02:78:00:00:00:01 "$NS_B" b0 02:78:00:00:00:02
ip -n "$NS_A" addr add 10.78.0.1/24 dev a0
ip -n "$NS_B" addr add 10.78.0.2/24 dev b0
DIR=$VL_DIR

# both daemons pass INSTANCE NAME STATE PRIORITY; each gets its own copy
vl_notify ka vi61 >/dev/null
vl_notify elb vi61 >/dev/null

cat >"$DIR/edgelb.conf" <<EOC
instance = "vi";
pin_dir = "$DIR/bpffs/edgelb";
state_file = "$DIR/edgelb.state";
control_socket = "$DIR/elb.sock";
dataplane = { mode = "xdp"; xdp_mode = "native"; interfaces = [ "a0" ]; };
services = (
  { name = "web"; vip = "10.78.0.100"; port = 80; protocol = "tcp"; encap = "ipip";
    health = { type = "none"; };
    backends = ( { name = "be1"; address = "10.78.0.50"; } ); }
);
vrrp = (
  { name = "vi61"; vrid = 61; interface = "a0"; version = 3; priority = 150;
    advert_int = 0.1; vips = [ "10.78.0.100/32" ];
    notify = { master = "$DIR/notify.elb.sh"; backup = "$DIR/notify.elb.sh"; }; }
);
EOC

cat >"$DIR/ka.conf" <<EOC
global_defs {
	router_id vi61
	script_user root
	vrrp_version 3
}
vrrp_instance vi61 {
	state BACKUP
	interface b0
	virtual_router_id 61
	priority 100
	advert_int 0.1
	virtual_ipaddress {
		10.78.0.100/32
	}
	notify $DIR/notify.ka.sh
}
EOC

ok() { vl_ok "$@"; }
bad() { vl_bad "$@"; }
wait_for() { vl_wait_for "$@"; }
lbctl() { vl_lbctl elb "$@"; }
start_elb() { vl_elb_start elb "$NS_A" "$DIR/edgelb.conf"; }
ka_state() { vl_notify_state ka; }
# edgelbd's state as lbctl reports it
elb_state() { vl_elb_state elb; }
a_has_vip() { vl_has_addr "$NS_A" a0 10.78.0.100/32; }
is() { [ "$("$1")" = "$2" ]; }

start_elb || { bad "edgelbd start"; exit 1; }
vl_ka_start ka "$NS_B" "$DIR/ka.conf"

# 1. edgelbd MASTER with the VIP, keepalived BACKUP
if wait_for 50 is elb_state MASTER && wait_for 50 a_has_vip && wait_for 50 is ka_state BACKUP; then
	ok "edgelbd MASTER holding 10.78.0.100, keepalived BACKUP"
else
	bad "initial: edgelbd $(elb_state), keepalived $(ka_state)"
fi
lbctl vrrp status

# ka_took T0: ms from T0 to keepalived's last notify (its transition)
ka_took() { echo $(($(vl_notify_ms ka) - $1)); }

# 2. kill -9 edgelbd: keepalived takes over
vl_notify_reset ka
t0=$(now_ms)
vl_elb_stop elb KILL
if wait_for 30 is ka_state MASTER; then
	vl_within "kill -9: keepalived MASTER (its notify stamp)" "$(ka_took "$t0")" 700
else
	bad "keepalived not MASTER after kill -9 ($(ka_state))"
fi
a_has_vip && echo "note: the VIP stays on a0 after kill -9, as expected"

# 3. restart: edgelbd preempts back
start_elb || bad "edgelbd restart"
if wait_for 50 is elb_state MASTER && wait_for 50 is ka_state BACKUP && a_has_vip; then
	ok "restarted edgelbd preempted: MASTER, keepalived BACKUP"
else
	bad "after restart: edgelbd $(elb_state), keepalived $(ka_state)"
fi

# 4. handover: keepalived within its skew time; edgelbd stays BACKUP until released
vl_notify_reset ka
t0=$(now_ms)
lbctl vrrp handover >/dev/null || bad "lbctl vrrp handover failed"
if wait_for 10 is ka_state MASTER; then
	vl_within "handover: keepalived MASTER (its notify stamp)" "$(ka_took "$t0")" 300
else
	bad "handover: keepalived $(ka_state)"
fi
# held for 10 of keepalived's adverts (1 s), counted by edgelbd itself
rx_handover=$(vl_elb_field elb rx)
heard_ten() { [ "$(vl_elb_field elb rx)" -ge $((rx_handover + 10)) ]; }
wait_for 30 heard_ten || bad "after handover: edgelbd heard $(($(vl_elb_field elb rx) - rx_handover)) adverts in 3 s"
if is elb_state BACKUP && is ka_state MASTER && ! a_has_vip; then
	ok "edgelbd stays BACKUP (held, VIP dropped) for 10 adverts of keepalived after the handover"
else
	bad "after handover: edgelbd $(elb_state), keepalived $(ka_state), VIP on a0: $(a_has_vip && echo yes || echo no)"
fi
lbctl vrrp status
lbctl vrrp release >/dev/null || bad "lbctl vrrp release failed"
if wait_for 30 is elb_state MASTER && wait_for 30 is ka_state BACKUP && a_has_vip; then
	ok "release: edgelbd MASTER again, keepalived BACKUP"
else
	bad "after release: edgelbd $(elb_state), keepalived $(ka_state)"
fi
lbctl vrrp status

# 4b. a reload of the unchanged file leaves the instance running as it is:
# it goes on advertising (5 adverts after the reply, longer than
# keepalived's master down interval of 3 x 100 ms + skew) with no
# transition, and keepalived never left BACKUP (no notify since)
tr_before=$(vl_elb_field elb transitions)
ka_stamp=$(vl_notify_ms ka)
lbctl config reload >/dev/null || bad "lbctl config reload failed"
tx_reload=$(vl_elb_field elb tx)
adverts_since_reload() { [ "$(vl_elb_field elb tx)" -ge $((tx_reload + 5)) ]; }
wait_for 20 adverts_since_reload || bad "reload: edgelbd sent $(($(vl_elb_field elb tx) - tx_reload)) adverts in 2 s after it"
tr_after=$(vl_elb_field elb transitions)
if [ "$tr_before" = "$tr_after" ] && is elb_state MASTER && is ka_state BACKUP &&
	[ "$(vl_notify_ms ka)" = "$ka_stamp" ]; then
	ok "reload of an unchanged config: instance kept running (transitions $tr_after, adverts go on)"
else
	bad "reload: transitions $tr_before -> $tr_after, edgelbd $(elb_state), keepalived $(ka_state) (notify at $(vl_notify_ms ka), before $ka_stamp)"
fi

# 5. SIGTERM: edgelbd resigns (priority 0) and removes the VIP
vl_notify_reset ka
t0=$(now_ms)
kill -TERM "${VL_ELB_PID[elb]}"
if wait_for 10 is ka_state MASTER; then
	vl_within "stop: keepalived MASTER (its notify stamp)" "$(ka_took "$t0")" 300
else
	bad "stop: keepalived $(ka_state)"
fi
vl_elb_stop elb TERM
a_has_vip && bad "stop: the VIP is still on a0" || ok "stop: the VIP is gone from a0"

# the edgelbd notify script ran
[ "$(cat "$DIR/state.elb" 2>/dev/null)" = MASTER ] && ok "edgelbd notify master ran" ||
	bad "edgelbd notify: $(cat "$DIR/state.elb" 2>/dev/null || echo none)"

if [ "$VL_FAILS" -ne 0 ]; then
	echo "--- edgelbd.log"; tail -40 "$DIR/elb.log"
	echo "--- ka.log"; tail -20 "$DIR/ka.log"
	exit 1
fi
exit 0
