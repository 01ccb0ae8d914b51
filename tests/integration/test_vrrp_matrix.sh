#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# edgelbd's VRRP against the real keepalived, variant by variant, in both
# roles. Two namespaces on a veth pair:
#   A: edgelbd on a0, 10.79.0.1/24, fd00:79::1/64
#   B: keepalived (VRRP only) on b0, 10.79.0.2/24, fd00:79::2/64
# Variants: v3 IPv4 multicast, v3 IPv6 multicast, v2 IPv4 with auth_pass,
# v3 IPv4 unicast. v3 runs with advert_int 0.1, v2 with 1 s (whole seconds
# only). For each:
#  (a) edgelbd master (150) + keepalived backup (100): roles and VIP;
#      kill -9 edgelbd -> keepalived MASTER; restart -> edgelbd preempts;
#      lbctl vrrp handover -> keepalived MASTER, edgelbd held BACKUP;
#      lbctl vrrp release -> edgelbd MASTER
#  (b) keepalived master (150) + edgelbd backup (100): edgelbd BACKUP, no
#      VIP, knows the master; kill -9 keepalived -> edgelbd MASTER with the
#      VIP; restart -> keepalived preempts, edgelbd drops the VIP;
#      SIGTERM keepalived (priority 0) -> edgelbd MASTER
# Throughout, edgelbd rejects none of keepalived's adverts. Plus, v2: a
# keepalived with the wrong password is refused (auth_mismatch) and
# edgelbd becomes master itself.
# Bounds: a backup takes over 3 x advert + skew after the last advert
# (skew = (256 - prio) x advert / 256: 61 ms at 100 ms, 609 ms at 1 s); a
# priority-0 advert leaves only the skew. Margins (240-400 ms v3, 500 ms v2)
# cover a loaded 2-core VM; times are taken from the notify script's stamp
# and edgelbd's since_unix_ms, not from polling.
# Usage: test_vrrp_matrix.sh BUILDDIR [VARIANT...]. Exits 77 without root or
# keepalived.
set -uo pipefail

BUILD=$(cd "${1:?usage: test_vrrp_matrix.sh BUILDDIR [VARIANT...]}" && pwd)
shift
. "$(dirname "$0")/vrrp_lib.sh"
vl_need_root_keepalived

VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(v3-ipv4 v3-ipv6 v2-auth v3-unicast)

tag=vm$$
NS_A=$tag-a
NS_B=$tag-b
vl_init vrrp-matrix
vl_ns_add "$NS_A"
vl_ns_add "$NS_B"
vl_veth "$NS_A" a0 02:79:00:00:00:01 "$NS_B" b0 02:79:00:00:00:02
ip -n "$NS_A" addr add 10.79.0.1/24 dev a0
ip -n "$NS_B" addr add 10.79.0.2/24 dev b0
ip -n "$NS_A" addr add fd00:79::1/64 dev a0 nodad
ip -n "$NS_B" addr add fd00:79::2/64 dev b0 nodad
# keepalived's IPv6 adverts come from b0's link-local address
B_LL=$(ip -n "$NS_B" -6 -br addr show dev b0 scope link | awk '{print $3}' | cut -d/ -f1)
A_LL=$(ip -n "$NS_A" -6 -br addr show dev a0 scope link | awk '{print $3}' | cut -d/ -f1)

ok() { vl_ok "[$V] $*"; }
bad() { vl_bad "[$V] $*"; }
within() { vl_within "[$V] $1" "$2" "$3"; }

# set_variant NAME: VRID, VIP, timing and the per-variant config lines
set_variant() {
	V=$1
	ELB_EXTRA=
	KA_EXTRA=
	KA_GLOBAL="vrrp_version 3"
	PASS=
	case $V in
	v3-ipv4)
		VRID=71 VER=3 ADV_MS=100 VIP=10.79.0.100/32 MASTER_B=10.79.0.2 ;;
	v3-ipv6)
		VRID=72 VER=3 ADV_MS=100 VIP=fd00:79::100/128 MASTER_B=$B_LL
		KA_EXTRA="native_ipv6" ;;
	v2-auth)
		VRID=73 VER=2 ADV_MS=1000 VIP=10.79.0.101/32 MASTER_B=10.79.0.2
		KA_GLOBAL="vrrp_version 2" PASS=s3cret ;;
	v3-unicast)
		VRID=74 VER=3 ADV_MS=100 VIP=10.79.0.102/32 MASTER_B=10.79.0.2
		ELB_EXTRA='unicast_src = "10.79.0.1"; unicast_peers = [ "10.79.0.2" ];'
		KA_EXTRA=$'unicast_src_ip 10.79.0.2\n\tunicast_peer {\n\t\t10.79.0.1\n\t}' ;;
	*) echo "unknown variant $V"; exit 2 ;;
	esac
	NAME=vm$VRID
	ADV_S=$(awk "BEGIN{print $ADV_MS/1000}")
	# 3 x advert + skew(100) + margin, and skew(100) + margin
	if [ "$VER" = 2 ]; then
		DOWN_BOUND=$((3 * ADV_MS + ADV_MS * 156 / 256 + 500))
		SKEW_BOUND=$((ADV_MS * 156 / 256 + 500))
		WAIT=90 # tenths: start-up and preemption take 3 x advert + skew
	else
		DOWN_BOUND=$((3 * ADV_MS + ADV_MS * 156 / 256 + 400))
		SKEW_BOUND=$((ADV_MS * 156 / 256 + 240))
		WAIT=30
	fi
}

# elb_conf PRIO [PASSWORD]
elb_conf() {
	local auth=
	[ -n "${2:-}" ] && auth="auth_pass = \"$2\";"
	cat >"$VL_DIR/elb.conf" <<EOC
instance = "vm";
pin_dir = "$VL_DIR/bpffs/edgelb";
state_file = "$VL_DIR/edgelb.state";
control_socket = "$VL_DIR/elb.sock";
dataplane = { mode = "xdp"; xdp_mode = "native"; interfaces = [ "a0" ]; };
services = (
  { name = "web"; vip = "10.79.0.100"; port = 80; protocol = "tcp"; encap = "ipip";
    health = { type = "none"; };
    backends = ( { name = "be1"; address = "10.79.0.50"; } ); }
);
vrrp = (
  { name = "$NAME"; vrid = $VRID; interface = "a0"; version = $VER; priority = $1;
    advert_int = $ADV_S; vips = [ "$VIP" ]; $auth $ELB_EXTRA
    notify = { master = "$(vl_notify elb "$NAME")"; backup = "$VL_DIR/notify.elb.sh"; }; }
);
EOC
	echo "$VL_DIR/elb.conf"
}

# ka_conf PRIO [PASSWORD]
ka_conf() {
	local auth=
	[ -n "${2:-}" ] && auth=$'authentication {\n\t\tauth_type PASS\n\t\tauth_pass '"$2"$'\n\t}'
	cat >"$VL_DIR/ka.conf" <<EOC
global_defs {
	router_id $NAME
	script_user root
	$KA_GLOBAL
}
vrrp_instance $NAME {
	state BACKUP
	interface b0
	virtual_router_id $VRID
	priority $1
	advert_int $ADV_S
	$KA_EXTRA
	$auth
	virtual_ipaddress {
		$VIP
	}
	notify $(vl_notify ka "$NAME")
}
EOC
	echo "$VL_DIR/ka.conf"
}

elb_state() { vl_elb_state elb; }
ka_state() { vl_notify_state ka; }
a_vip() { vl_has_addr "$NS_A" a0 "$VIP"; }
b_vip() { vl_has_addr "$NS_B" b0 "$VIP"; }
no_a_vip() { ! a_vip; }
no_b_vip() { ! b_vip; }
elb_master() { vl_is elb_state MASTER && a_vip; }
elb_backup() { vl_is elb_state BACKUP && no_a_vip; }
yn() { "$@" && echo yes || echo no; }
where() { echo "edgelbd $(elb_state), keepalived $(ka_state), VIP on a0 $(yn a_vip) on b0 $(yn b_vip)"; }

# keepalived's adverts were all accepted (and there were some)
check_rejects() {
	local rx rej
	rx=$(vl_elb_field elb rx)
	rej=$(vl_elb_field elb rx_rejected)
	if [ "$rej" = 0 ] && [ "$rx" != NONE ] && [ "$rx" -gt 0 ]; then
		ok "$1: edgelbd accepted $rx adverts from keepalived, rejected none"
	else
		bad "$1: edgelbd rx $rx, $(vl_elb_rejects elb)"
	fi
}

stop_all() {
	vl_elb_stop elb KILL
	vl_ka_kill9 ka
	# a killed daemon leaves its VIP behind; start every case clean
	ip -n "$NS_A" addr del "$VIP" dev a0 2>/dev/null
	ip -n "$NS_B" addr del "$VIP" dev b0 2>/dev/null
	vl_notify_reset elb
	vl_notify_reset ka
}

# (a) edgelbd master (150), keepalived backup (100)
edgelbd_master() {
	local t0 dt
	echo "--- [$V] edgelbd master (150) + keepalived backup (100)"
	ELB_CONF=$(elb_conf 150 "$PASS")
	KA_CONF=$(ka_conf 100 "$PASS")
	vl_elb_start elb "$NS_A" "$ELB_CONF" || { bad "edgelbd start"; return; }
	vl_ka_start ka "$NS_B" "$KA_CONF"
	if vl_wait_for $WAIT elb_master && vl_wait_for $WAIT vl_is ka_state BACKUP && no_b_vip; then
		ok "edgelbd MASTER holding $VIP, keepalived BACKUP without it"
	else
		bad "initial: $(where)"
	fi

	t0=$(vl_now_ms)
	vl_elb_stop elb KILL
	if vl_wait_for $WAIT vl_is ka_state MASTER; then
		within "kill -9 edgelbd: keepalived MASTER" $(($(vl_notify_ms ka) - t0)) $DOWN_BOUND
	else
		bad "kill -9 edgelbd: keepalived $(ka_state)"
	fi
	# edgelbd could not remove it; it takes it again when master
	ip -n "$NS_A" addr del "$VIP" dev a0 2>/dev/null

	t0=$(vl_now_ms)
	vl_elb_start elb "$NS_A" "$ELB_CONF" || bad "edgelbd restart"
	if vl_wait_for $WAIT elb_master && vl_wait_for $WAIT vl_is ka_state BACKUP && vl_wait_for 10 no_b_vip; then
		ok "restarted edgelbd preempted after $(($(vl_elb_field elb since_unix_ms) - t0)) ms: MASTER with the VIP, keepalived BACKUP without it"
	else
		bad "after restart: $(where)"
	fi

	t0=$(vl_now_ms)
	vl_lbctl elb vrrp handover >/dev/null || bad "lbctl vrrp handover failed"
	if vl_wait_for $WAIT vl_is ka_state MASTER; then
		within "handover: keepalived MASTER" $(($(vl_notify_ms ka) - t0)) $SKEW_BOUND
	else
		bad "handover: keepalived $(ka_state)"
	fi
	# held: no preemption over several advert intervals
	sleep "$(awk "BEGIN{print 5 * $ADV_MS / 1000}")"
	if elb_backup && vl_is vl_elb_field elb held true && vl_is ka_state MASTER && b_vip; then
		ok "edgelbd stays BACKUP (held) without the VIP for 5 adverts, keepalived MASTER with it"
	else
		bad "after handover: $(where), held $(vl_elb_field elb held)"
	fi
	check_rejects "handover"
	t0=$(vl_now_ms)
	vl_lbctl elb vrrp release >/dev/null || bad "lbctl vrrp release failed"
	if vl_wait_for $WAIT elb_master && vl_wait_for $WAIT vl_is ka_state BACKUP && vl_wait_for 10 no_b_vip; then
		ok "release: edgelbd MASTER again after $(($(vl_elb_field elb since_unix_ms) - t0)) ms, keepalived BACKUP"
	else
		bad "after release: $(where)"
	fi
	check_rejects "end of (a)"
	stop_all
}

# (b) keepalived master (150), edgelbd backup (100)
keepalived_master() {
	local t0 m
	echo "--- [$V] keepalived master (150) + edgelbd backup (100)"
	ELB_CONF=$(elb_conf 100 "$PASS")
	KA_CONF=$(ka_conf 150 "$PASS")
	vl_ka_start ka "$NS_B" "$KA_CONF"
	vl_elb_start elb "$NS_A" "$ELB_CONF" || { bad "edgelbd start"; return; }
	if vl_wait_for $WAIT vl_is ka_state MASTER && vl_wait_for $WAIT elb_backup && b_vip; then
		ok "keepalived MASTER with $VIP, edgelbd BACKUP without it"
	else
		bad "initial: $(where)"
	fi
	m=$(vl_elb_field elb master)
	[ "$m" = "$MASTER_B" ] && ok "edgelbd knows the master: $m" ||
		bad "edgelbd's master is $m, expected $MASTER_B"
	check_rejects "keepalived master"

	t0=$(vl_now_ms)
	vl_ka_kill9 ka
	if vl_wait_for $WAIT elb_master; then
		within "kill -9 keepalived: edgelbd MASTER with the VIP" \
			$(($(vl_elb_field elb since_unix_ms) - t0)) $DOWN_BOUND
	else
		bad "kill -9 keepalived: $(where)"
	fi
	ip -n "$NS_B" addr del "$VIP" dev b0 2>/dev/null
	vl_notify_reset ka

	t0=$(vl_now_ms)
	vl_ka_start ka "$NS_B" "$KA_CONF"
	if vl_wait_for $WAIT vl_is ka_state MASTER && vl_wait_for $WAIT elb_backup && b_vip; then
		ok "restarted keepalived preempted after $(($(vl_notify_ms ka) - t0)) ms; edgelbd BACKUP, VIP dropped"
	else
		bad "after keepalived restart: $(where)"
	fi

	t0=$(vl_now_ms)
	kill -TERM "${VL_KA_PID[ka]}"
	if vl_wait_for $WAIT elb_master; then
		within "SIGTERM keepalived (priority 0): edgelbd MASTER" \
			$(($(vl_elb_field elb since_unix_ms) - t0)) $SKEW_BOUND
	else
		bad "SIGTERM keepalived: $(where)"
	fi
	vl_ka_term ka
	vl_wait_for 10 no_b_vip && ok "keepalived removed the VIP on its stop" || bad "VIP still on b0 after keepalived's stop"
	check_rejects "end of (b)"
	stop_all
}

# v2: a peer with another password is not a peer
wrong_password() {
	local n
	echo "--- [$V] keepalived (150) with a wrong password + edgelbd (100)"
	ELB_CONF=$(elb_conf 100 "$PASS")
	KA_CONF=$(ka_conf 150 wrong)
	vl_ka_start ka "$NS_B" "$KA_CONF"
	vl_elb_start elb "$NS_A" "$ELB_CONF" || { bad "edgelbd start"; return; }
	if vl_wait_for $WAIT vl_is ka_state MASTER && vl_wait_for $WAIT elb_master; then
		ok "wrong password: edgelbd MASTER itself (keepalived too)"
	else
		bad "wrong password: $(where)"
	fi
	n=$(vl_elb_field elb rejects.auth_mismatch)
	if [ "$n" != NONE ] && [ "$n" -gt 0 ] && vl_is vl_elb_field elb rx 0; then
		ok "wrong password: $n adverts refused as auth_mismatch, none accepted"
	else
		bad "wrong password: rx $(vl_elb_field elb rx), $(vl_elb_rejects elb)"
	fi
	stop_all
}

T_ALL=$(vl_now_ms)
for v in "${VARIANTS[@]}"; do
	set_variant "$v"
	t_v=$(vl_now_ms)
	edgelbd_master
	keepalived_master
	[ -n "$PASS" ] && wrong_password
	echo "--- [$V] took $(($(vl_now_ms) - t_v)) ms"
done
echo "--- matrix took $(($(vl_now_ms) - T_ALL)) ms"

if [ "$VL_FAILS" -ne 0 ]; then
	echo "$VL_FAILS check(s) failed"
	echo "--- elb.log"; tail -40 "$VL_DIR/elb.log"
	echo "--- ka.log"; tail -30 "$VL_DIR/ka.log"
	exit 1
fi
exit 0
