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
#  3. edgelbd restarted: it preempts back (MASTER), keepalived BACKUP
#  4. lbctl vrrp handover: keepalived MASTER within 300 ms, edgelbd stays
#     BACKUP (held) and drops the VIP; lbctl vrrp release: edgelbd MASTER
#  5. SIGTERM: edgelbd resigns: keepalived MASTER within 300 ms, VIP gone
# Usage: test_vrrp_interop.sh BUILDDIR. Exits 77 without root or keepalived.
set -uo pipefail

BUILD=$(cd "${1:?usage: test_vrrp_interop.sh BUILDDIR}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
KA=$(command -v keepalived || true)
[ -x "${KA:-/usr/sbin/keepalived}" ] || KA=/usr/sbin/keepalived
[ -x "$KA" ] || { echo "SKIP: keepalived not installed"; exit 77; }

tag=vi$$
NS_A=$tag-a
NS_B=$tag-b
DIR=$(mktemp -d /tmp/vrrp-interop.XXXXXX)
KA_PID=
ELB_PID=
fails=0

cleanup() {
	set +e
	[ -n "$ELB_PID" ] && kill -KILL "$ELB_PID" 2>/dev/null && wait "$ELB_PID" 2>/dev/null
	if [ -n "$KA_PID" ]; then
		kill -TERM "$KA_PID" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$KA_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$(cat "$DIR/ka.vrrp.pid" 2>/dev/null)" "$KA_PID" 2>/dev/null
		wait "$KA_PID" 2>/dev/null
	fi
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	mountpoint -q "$DIR/bpffs" && umount "$DIR/bpffs"
	if [ "$fails" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		echo "logs kept in $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
now_ms() { date +%s%3N; }

mkdir -p "$DIR/bpffs"
mount -t bpf bpf "$DIR/bpffs" || { echo "SKIP: cannot mount bpffs"; exit 77; }
ip netns add "$NS_A" || { echo "SKIP: no network namespaces"; exit 77; }
ip netns add "$NS_B"
ip link add a0 netns "$NS_A" type veth peer name b0 netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set a0 address 02:78:00:00:00:01
ip -n "$NS_B" link set b0 address 02:78:00:00:00:02
ip -n "$NS_A" addr add 10.78.0.1/24 dev a0
ip -n "$NS_B" addr add 10.78.0.2/24 dev b0
ip -n "$NS_A" link set a0 up
ip -n "$NS_B" link set b0 up

# both daemons pass TYPE NAME STATE PRIORITY; each gets its own copy
for who in ka elb; do
	cat >"$DIR/notify.$who.sh" <<EON
#!/bin/sh
[ "\$1" = INSTANCE ] && [ "\$2" = vi61 ] && [ \$# -eq 4 ] || exit 1
echo "\$3" >"$DIR/state.$who.tmp" && mv "$DIR/state.$who.tmp" "$DIR/state.$who"
EON
	chmod 755 "$DIR/notify.$who.sh"
done

cat >"$DIR/edgelb.conf" <<EOC
instance = "vi";
pin_dir = "$DIR/bpffs/edgelb";
state_file = "$DIR/edgelb.state";
control_socket = "$DIR/edgelb.sock";
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
	enable_script_security
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
sed -i '/enable_script_security/d' "$DIR/ka.conf"

lbctl() { ip netns exec "$NS_A" "$BUILD/tools/lbctl" -s "$DIR/edgelb.sock" "$@"; }

start_elb() {
	ip netns exec "$NS_A" "$BUILD/controlplane/edgelbd" -c "$DIR/edgelb.conf" \
		>>"$DIR/edgelbd.log" 2>&1 &
	ELB_PID=$!
	for _ in $(seq 100); do
		lbctl status >/dev/null 2>&1 && return 0
		kill -0 "$ELB_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "edgelbd did not come up:"
	tail -20 "$DIR/edgelbd.log"
	return 1
}

ka_state() { cat "$DIR/state.ka" 2>/dev/null || echo NONE; }
# edgelbd's state as lbctl reports it
elb_state() {
	lbctl --json vrrp status 2>/dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["instances"][0]["state"])
except Exception:
    print("NONE")'
}
a_has_vip() { ip -n "$NS_A" -4 -br addr show dev a0 | grep -qw '10.78.0.100/32'; }

# wait_for TENTHS CMD...: poll every 10 ms for up to TENTHS tenths of a second
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.01
	done
	return 1
}
is() { [ "$("$1")" = "$2" ]; }

start_elb || { bad "edgelbd start"; exit 1; }
ip netns exec "$NS_B" "$KA" --vrrp -n -l -D -f "$DIR/ka.conf" \
	-p "$DIR/ka.pid" -r "$DIR/ka.vrrp.pid" >"$DIR/ka.log" 2>&1 &
KA_PID=$!

# 1. edgelbd MASTER with the VIP, keepalived BACKUP
if wait_for 50 is elb_state MASTER && wait_for 50 a_has_vip && wait_for 50 is ka_state BACKUP; then
	ok "edgelbd MASTER holding 10.78.0.100, keepalived BACKUP"
else
	bad "initial: edgelbd $(elb_state), keepalived $(ka_state)"
fi
lbctl vrrp status

# 2. kill -9 edgelbd: keepalived takes over
t0=$(now_ms)
kill -KILL "$ELB_PID"
wait "$ELB_PID" 2>/dev/null
ELB_PID=
if wait_for 30 is ka_state MASTER; then
	dt=$(($(now_ms) - t0))
	if [ "$dt" -le 700 ]; then ok "keepalived MASTER ${dt} ms after kill -9 (bound 700)"
	else bad "keepalived MASTER only after ${dt} ms (bound 700)"; fi
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
t0=$(now_ms)
lbctl vrrp handover >/dev/null || bad "lbctl vrrp handover failed"
if wait_for 10 is ka_state MASTER; then
	dt=$(($(now_ms) - t0))
	if [ "$dt" -le 300 ]; then ok "handover: keepalived MASTER after ${dt} ms (bound 300)"
	else bad "handover: keepalived MASTER only after ${dt} ms (bound 300)"; fi
else
	bad "handover: keepalived $(ka_state)"
fi
sleep 1
if is elb_state BACKUP && is ka_state MASTER && ! a_has_vip; then
	ok "edgelbd stays BACKUP (held, VIP dropped) for 1 s after the handover"
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

# 4b. a reload of the unchanged file leaves the instance running as it is
tr_before=$(lbctl --json vrrp status | python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["transitions"])')
lbctl config reload >/dev/null || bad "lbctl config reload failed"
sleep 0.5
tr_after=$(lbctl --json vrrp status | python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["transitions"])')
if [ "$tr_before" = "$tr_after" ] && is elb_state MASTER && is ka_state BACKUP; then
	ok "reload of an unchanged config: instance kept running (transitions $tr_after)"
else
	bad "reload: transitions $tr_before -> $tr_after, edgelbd $(elb_state), keepalived $(ka_state)"
fi

# 5. SIGTERM: edgelbd resigns (priority 0) and removes the VIP
t0=$(now_ms)
kill -TERM "$ELB_PID"
if wait_for 10 is ka_state MASTER; then
	dt=$(($(now_ms) - t0))
	if [ "$dt" -le 300 ]; then ok "stop: keepalived MASTER after ${dt} ms (bound 300)"
	else bad "stop: keepalived MASTER only after ${dt} ms (bound 300)"; fi
else
	bad "stop: keepalived $(ka_state)"
fi
for _ in $(seq 50); do kill -0 "$ELB_PID" 2>/dev/null || break; sleep 0.1; done
wait "$ELB_PID" 2>/dev/null
ELB_PID=
a_has_vip && bad "stop: the VIP is still on a0" || ok "stop: the VIP is gone from a0"

# the edgelbd notify script ran
[ "$(cat "$DIR/state.elb" 2>/dev/null)" = MASTER ] && ok "edgelbd notify master ran" ||
	bad "edgelbd notify: $(cat "$DIR/state.elb" 2>/dev/null || echo none)"

if [ "$fails" -ne 0 ]; then
	echo "--- edgelbd.log"; tail -40 "$DIR/edgelbd.log"
	echo "--- ka.log"; tail -20 "$DIR/ka.log"
	exit 1
fi
exit 0
