#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# VRRP tracking, sync groups and operator state kept across restarts
# (controlplane/vrrp/instance.c, track.c, track_script.c), with the real
# keepalived as the peer that takes over.
#
#   A: edgelbd, a0 10.72.0.1/24; instances v61 (VIP .100) and v62 (VIP
#      .101), priority 150, advert 0.1 s, sync group "front".
#      v61 tracks: link a1 (weight 0 = fault), service web (min_healthy 1,
#      weight -60; TCP check of a listener in B), script `test -e flag`
#      (weight -60). v62 tracks: link a2 (weight -60).
#   B: keepalived, b0 10.72.0.2/24, the same two VRIDs at priority 100.
#   X: holds the peers of a1 and a2; taking x1/x2 down takes a1/a2's
#      carrier away.
# Each tracked object fails in turn; both instances must go together
# (sync group: one member's weights count for all), keepalived must take
# both VIPs, and A must take them back when the object recovers.
# Then: the handover reply shows the VIPs kept until keepalived has them;
# handover and maintenance survive kill -9 + restart.
# Usage: test_vrrp_track.sh BUILDDIR. Exits 77 without root or keepalived.
set -uo pipefail

BUILD=$(cd "${1:?usage: test_vrrp_track.sh BUILDDIR}" && pwd)
. "$(dirname "$0")/vrrp_lib.sh"
vl_need_root_keepalived
vl_init vrrp-track

tag=vt$$
NS_A=$tag-a NS_B=$tag-b NS_X=$tag-x
vl_ns_add "$NS_A"
vl_ns_add "$NS_B"
vl_ns_add "$NS_X"
vl_veth "$NS_A" a0 02:72:00:00:00:01 "$NS_B" b0 02:72:00:00:00:02
vl_veth "$NS_A" a1 02:72:00:00:01:01 "$NS_X" x1 02:72:00:00:01:02
vl_veth "$NS_A" a2 02:72:00:00:02:01 "$NS_X" x2 02:72:00:00:02:02
ip -n "$NS_A" addr add 10.72.0.1/24 dev a0
ip -n "$NS_B" addr add 10.72.0.2/24 dev b0

# the tracked service's backend: a TCP listener in B (bounded lifetime)
LISTENER=
listener_start() {
	ip netns exec "$NS_B" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.72.0.2", 8080)); s.listen(64); s.settimeout(0.5)
end = time.time() + 600
while time.time() < end:
    try:
        c, _ = s.accept(); c.close()
    except socket.timeout:
        pass' &
	LISTENER=$!
}
listener_stop() { [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null; LISTENER=; }
trap 'listener_stop; vl_cleanup' EXIT

touch "$VL_DIR/flag"
mkdir "$VL_DIR/state" # its own directory: taken away below to make saving fail
N61=$(vl_notify elb61 v61)
N62=$(vl_notify elb62 v62)
K61=$(vl_notify ka61 k61)
K62=$(vl_notify ka62 k62)

cat >"$VL_DIR/a.conf" <<EOC
instance = "vt";
pin_dir = "$VL_BPFFS/edgelb";
state_file = "$VL_DIR/state/a.state";
control_socket = "$VL_DIR/a.sock";
metrics_listen = "127.0.0.1:9272";
dataplane = { mode = "xdp"; xdp_mode = "native"; interfaces = [ "a0" ]; };
services = (
  { name = "web"; vip = "10.72.0.100"; port = 80; protocol = "tcp"; encap = "ipip";
    health = { type = "tcp"; port = 8080; interval = 0.2; timeout = 0.1; rise = 1; fall = 2;
               jitter = 0.0; };
    backends = ( { name = "be1"; address = "10.72.0.2"; } ); }
);
vrrp = (
  { name = "v61"; vrid = 61; interface = "a0"; priority = 150; advert_int = 0.1;
    vips = [ "10.72.0.100/32" ]; sync_group = "front";
    track = {
      interfaces = ( { name = "a1"; weight = 0; } );
      services = ( { name = "web"; min_healthy = 1; weight = -60; } );
      scripts = ( { name = "flag"; command = [ "/usr/bin/test", "-e", "$VL_DIR/flag" ];
                    interval = 0.2; timeout = 0.1; weight = -60; } );
    };
    notify = { master = "$N61"; backup = "$N61"; fault = "$N61"; }; },
  { name = "v62"; vrid = 62; interface = "a0"; priority = 150; advert_int = 0.1;
    vips = [ "10.72.0.101/32" ]; sync_group = "front";
    track = { interfaces = ( { name = "a2"; weight = -60; } ); };
    notify = { master = "$N62"; backup = "$N62"; fault = "$N62"; }; }
);
EOC

cat >"$VL_DIR/ka.conf" <<EOC
global_defs {
	router_id vt
	script_user root
	vrrp_version 3
}
vrrp_instance k61 {
	state BACKUP
	interface b0
	virtual_router_id 61
	priority 100
	advert_int 0.1
	virtual_ipaddress {
		10.72.0.100/32
	}
	notify $K61
}
vrrp_instance k62 {
	state BACKUP
	interface b0
	virtual_router_id 62
	priority 100
	advert_int 0.1
	virtual_ipaddress {
		10.72.0.101/32
	}
	notify $K62
}
EOC

st61() { vl_elb_field a state v61; }
st62() { vl_elb_field a state v62; }
pr61() { vl_elb_field a priority v61; }
pr62() { vl_elb_field a priority v62; }
# keepalived's state by whether it holds the VIP: its notify programs run
# concurrently, so a quick MASTER -> BACKUP can leave "MASTER" written last
ka_vip() { vl_has_addr "$NS_B" b0 "$1" && echo MASTER || echo BACKUP; }
ka61() { ka_vip 10.72.0.100/32; }
ka62() { ka_vip 10.72.0.101/32; }
a_vips() { # how many of the two VIPs are on a0
	local n=0
	vl_has_addr "$NS_A" a0 10.72.0.100/32 && n=$((n + 1))
	vl_has_addr "$NS_A" a0 10.72.0.101/32 && n=$((n + 1))
	echo $n
}
# both of A's instances in STATE and keepalived's in KSTATE
both() { [ "$(st61)" = "$1" ] && [ "$(st62)" = "$1" ] && [ "$(ka61)" = "$2" ] && [ "$(ka62)" = "$2" ]; }
a_master() { both MASTER BACKUP && [ "$(a_vips)" = 2 ]; }
ka_master() { both "$1" MASTER && [ "$(a_vips)" = 0 ]; }
where() { echo "A v61 $(st61)/$(pr61) v62 $(st62)/$(pr62), keepalived $(ka61)/$(ka62), VIPs on a0: $(a_vips)"; }

# check_fail WHAT STATE PRIO BREAK... -- MEND...: break a tracked object;
# both of A's instances must reach STATE (priority PRIO, or - for any)
# and keepalived must hold both VIPs; mend it: A takes both back.
check_fail() {
	local what=$1 want=$2 prio=$3 brk=() mend=()
	shift 3
	while [ "$1" != -- ]; do brk+=("$1"); shift; done
	shift
	mend=("$@")
	"${brk[@]}"
	if vl_wait_for 40 ka_master "$want" &&
		{ [ "$prio" = - ] || { [ "$(pr61)" = "$prio" ] && [ "$(pr62)" = "$prio" ]; }; }; then
		vl_ok "$what fails: A both $want (priority $(pr61)/$(pr62)), keepalived MASTER of both VIPs"
	else
		vl_bad "$what fails: $(where)"
	fi
	KA61_MASTER_MS=$(vl_notify_ms ka61) # before the mend overwrites it
	"${mend[@]}"
	if vl_wait_for 40 a_master && [ "$(pr61)" = 150 ] && [ "$(pr62)" = 150 ]; then
		vl_ok "$what back: A MASTER of both again at 150, keepalived BACKUP"
	else
		vl_bad "$what back: $(where)"
	fi
}

listener_start
vl_elb_start a "$NS_A" "$VL_DIR/a.conf" || { vl_bad "edgelbd start"; exit 1; }
vl_ka_start ka "$NS_B" "$VL_DIR/ka.conf"

if vl_wait_for 60 a_master; then
	vl_ok "A MASTER of v61 and v62 with both VIPs, keepalived BACKUP"
else
	vl_bad "initial: $(where)"
fi
ok_objs=$(vl_lbctl a --json vrrp status v61 | python3 -c '
import json, sys
i = json.load(sys.stdin)["instances"][0]
print(" ".join("%s:%s=%s" % (t["type"], t["name"].split("\x1f")[0], t["ok"]) for t in i["track"]), i["sync_group"])')
case "$ok_objs" in
"interface:a0=True interface:a1=True service:web=True script:/usr/bin/test=True front") vl_ok "v61 tracks: $ok_objs" ;;
*) vl_bad "v61 tracked objects: $ok_objs" ;;
esac

# /metrics (in A's namespace): state, priorities, refusals
metrics=$(ip netns exec "$NS_A" curl -sf http://127.0.0.1:9272/metrics)
m_ok=0
for want in 'edgelb_vrrp_state{instance="v61",state="MASTER"} 1' \
	'edgelb_vrrp_state{instance="v62",state="BACKUP"} 0' \
	'edgelb_vrrp_priority{instance="v61"} 150' 'edgelb_vrrp_config_priority{instance="v62"} 150' \
	'edgelb_vrrp_vips_held{instance="v61"} 1'; do
	grep -qF "$want" <<<"$metrics" || { vl_bad "metrics: no line '$want'"; m_ok=1; }
done
[ "$m_ok" = 0 ] && vl_ok "/metrics has the VRRP state, priorities and VIPs held"

check_fail "track script (weight -60)" BACKUP 90 rm -f "$VL_DIR/flag" -- touch "$VL_DIR/flag"
check_fail "tracked service web (no backend up, weight -60)" BACKUP 90 listener_stop -- listener_start
check_fail "tracked service web (its one backend drained, weight -60)" BACKUP 90 \
	vl_lbctl a backend drain web be1 -- vl_lbctl a backend undrain web be1
check_fail "tracked link a2 of v62 (weight -60)" BACKUP 90 \
	ip -n "$NS_X" link set x2 down -- ip -n "$NS_X" link set x2 up

# weight 0: fault, resign at once (priority 0): keepalived within its skew
vl_notify_reset ka61
t0=$(vl_now_ms)
check_fail "tracked link a1 of v61 (weight 0 = fault; v62 by its sync group)" FAULT - \
	ip -n "$NS_X" link set x1 down -- ip -n "$NS_X" link set x1 up
vl_within "link a1 down: keepalived MASTER of v61" $((KA61_MASTER_MS - t0)) 300

# handover: the reply shows A still holding the VIPs until keepalived has them
reply=$(vl_lbctl a --json vrrp handover v61)
lingering=$(echo "$reply" | python3 -c '
import json, sys
print(" ".join("%s:%s/%s/%s" % (i["instance"], i["state"], i["vips_held"], i["lingering"])
               for i in json.load(sys.stdin)["instances"]))')
if [ "$lingering" = "v61:BACKUP/True/True" ]; then
	vl_ok "handover reply: v61 BACKUP still holding its VIP until the successor advertises"
else
	vl_bad "handover reply: $lingering"
fi
if vl_wait_for 30 ka_master BACKUP && [ "$(vl_elb_field a held v62)" = true ]; then
	vl_ok "handover of v61 moved its sync group: keepalived MASTER of both, A held"
else
	vl_bad "handover: $(where), v62 held $(vl_elb_field a held v62)"
fi
grep -q "vrrp\[v61/61\].*VIP" "$VL_DIR/a.log" && grep "VIP" "$VL_DIR/a.log" | tail -2

# handover survives kill -9 + restart
vl_elb_stop a KILL
vl_elb_start a "$NS_A" "$VL_DIR/a.conf" || vl_bad "edgelbd restart"
sleep 1.5
if ka_master BACKUP && [ "$(vl_elb_field a held v61)" = true ]; then
	vl_ok "after kill -9 + restart A stays BACKUP and held (1.5 s), keepalived MASTER"
else
	vl_bad "after restart: $(where), held $(vl_elb_field a held v61)"
fi
vl_lbctl a vrrp release >/dev/null || vl_bad "lbctl vrrp release"
vl_wait_for 40 a_master && vl_ok "release: A MASTER of both again" || vl_bad "release: $(where)"

# maintenance survives kill -9 + restart
vl_lbctl a vrrp maintenance on >/dev/null || vl_bad "lbctl vrrp maintenance on"
vl_wait_for 30 ka_master BACKUP || vl_bad "maintenance on: $(where)"
vl_elb_stop a KILL
vl_elb_start a "$NS_A" "$VL_DIR/a.conf" || vl_bad "edgelbd restart"
sleep 1.5
m=$(vl_lbctl a --json vrrp status | python3 -c 'import json,sys; print(json.load(sys.stdin)["maintenance"])')
if ka_master BACKUP && [ "$m" = True ]; then
	vl_ok "maintenance kept across kill -9 + restart: A BACKUP for 1.5 s, keepalived MASTER"
else
	vl_bad "maintenance after restart: $(where), maintenance $m"
fi
vl_lbctl a vrrp maintenance off >/dev/null || vl_bad "lbctl vrrp maintenance off"
vl_wait_for 40 a_master && vl_ok "maintenance off: A MASTER of both again" || vl_bad "maintenance off: $(where)"

# a handover that cannot be saved says so (and is still done)
mv "$VL_DIR/state" "$VL_DIR/state.away"
if out=$(vl_lbctl a vrrp handover v61 2>&1); then
	vl_bad "handover with an unwritable state file reported success: $out"
elif grep -q "applied, but writing the state file failed" <<<"$out" &&
	vl_wait_for 30 ka_master BACKUP; then
	vl_ok "unsaved handover: lbctl fails with '$out'; the handover is done"
else
	vl_bad "unsaved handover: '$out', $(where)"
fi
mv "$VL_DIR/state.away" "$VL_DIR/state"
vl_lbctl a vrrp release >/dev/null || vl_bad "lbctl vrrp release"
vl_wait_for 40 a_master || vl_bad "release after the unsaved handover: $(where)"

# a clean stop: resign, keep the VIPs until keepalived has them, exit
t0=$(vl_now_ms)
vl_elb_stop a TERM
dt=$(($(vl_now_ms) - t0))
if ka_master NONE; then
	vl_ok "SIGTERM: edgelbd gone after $dt ms, keepalived MASTER of both, no VIP left on a0"
else
	vl_bad "SIGTERM: $(where)"
fi
grep -q "waiting up to" "$VL_DIR/a.log" && vl_ok "stop waited for the successor: $(grep -o 'waiting up to [0-9]* ms' "$VL_DIR/a.log" | tail -1)" ||
	vl_bad "stop did not wait for the successor"
grep -q "dropping the VIPs anyway" "$VL_DIR/a.log" && vl_bad "a resign ended without seeing the successor (see a.log)"

listener_stop
if [ "$VL_FAILS" -ne 0 ]; then
	echo "--- a.log"; tail -60 "$VL_DIR/a.log"
	echo "--- ka.log"; tail -20 "$VL_DIR/ka.log"
	exit 1
fi
exit 0
