#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelbd's VRRP over edgelb-dpdk's exception TAP, against a real
# keepalived, in the lab's namespaces (tools/lab/lab.sh, LAB_LBS=2):
#
#   client 10.99.0.100 ---+
#   lb1    10.99.0.2   ---+--- br0    lb1: eth0 given to edgelb-dpdk
#   lb2    10.99.0.3   ---+                (net_af_packet), its addresses
#   be1..3             ---+                on the exception TAP; edgelbd
#                                          (mode dpdk) with VRRP on the TAP,
#                                          VRID 10, priority 150, 0.1 s
#                                     lb2: keepalived (VRRP only), VRID 10,
#                                          priority 100, advert_int 0.1
#
#  1. edgelbd becomes MASTER (the VIP on the TAP) and keepalived stays
#     BACKUP while edgelbd's adverts go TAP -> edgelb-dpdk -> eth0 (its tx
#     counter moves, keepalived never enters MASTER);
#  2. the client's neighbour entry for the VIP (seeded with a bogus MAC,
#     the client sends nothing to it) becomes lb1's MAC: edgelbd's
#     gratuitous ARP left through the TAP and edgelb-dpdk;
#  3. TCP connections from the client through the VIP reach the backends;
#  4. lbctl vrrp handover: edgelbd's priority-0 advert crosses edgelb-dpdk,
#     keepalived advertises as MASTER within its Skew_Time (timed on the
#     wire at the client), the client's entry moves to lb2's MAC, edgelbd
#     holds BACKUP while its rx counter counts keepalived's adverts coming
#     eth0 -> edgelb-dpdk -> TAP (protocol 112 to 224.0.0.18), the VIP
#     leaves the TAP; lbctl vrrp release brings everything back;
#  5. kill -9 of edgelbd: keepalived MASTER within its Master_Down_Interval
#     (its first advert after edgelbd's last one, both on the wire at the
#     client) and the client's entry moves within a bound of the kill
#     (the kernel's time, ip -ts monitor neigh; keepalived's own log has
#     whole seconds only); the restarted edgelbd adopts the tables and
#     preempts (MASTER), the client's entry comes back, TCP through the
#     VIP again;
#  6. every advert that edgelbd wrote into the TAP reached the client and
#     every advert of keepalived came out of the TAP (matched by IP id in
#     a capture on each side; the crossing times are printed), and the
#     client saw edgelbd's gratuitous ARPs.
#
# Times come from the kernel (captures, neighbour events) or the daemons
# (keepalived's notify stamp), never from a poll; polls are wait_until's,
# one jq / ip / cat each, no interpreter.
#
# usage: test_dpdk_vrrp.sh BUILDDIR   (root; exits 77 when it cannot run, 1
# under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_dpdk_vrrp.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=edvr$$ LAB_LBS=2
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, TAP devices, DPDK, VRRP"
need_tools ip ethtool python3 jq nft timeout keepalived tcpdump
DPDK=$BUILD/dataplane/dpdk/edgelb-dpdk
[ -x "$DPDK" ] || skip_or_fail "$DPDK is not built (DPDK, Debian package dpdk-dev, was not found)"
[ -c /dev/net/tun ] || skip_or_fail "no /dev/net/tun for edgelb-dpdk's exception TAP"
KA=$(command -v keepalived || echo /usr/sbin/keepalived)

EAL_PREFIX=edgelb-edvr$$
TABLES=/dev/shm/edgelb-edvr$$
TAP=edtap0
dpdk_pid=
cleanup() {
	local f p
	# once: a second signal (timeout(1) signals the process group too)
	# must not cut the cleanup short
	trap '' INT TERM
	# keepalived first (both processes at once: a child whose parent
	# dies is told to resign), then edgelb-dpdk cleanly (it removes its
	# runtime files), then whatever else runs in the namespaces
	for f in ka.vrrp ka edgelbd; do
		p=$(cat "$LAB_DIR/$f.pid" 2>/dev/null)
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$dpdk_pid" ]; then
		kill -CONT "$dpdk_pid" 2>/dev/null
		kill -TERM "$dpdk_pid" 2>/dev/null
		timeout 5 tail --pid="$dpdk_pid" -f /dev/null 2>/dev/null
		kill -KILL "$dpdk_pid" 2>/dev/null
	fi
	if [ "${failed:-0}" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		mkdir -p "/tmp/test_dpdk_vrrp.$$"
		cp -r "$LAB_DIR"/*.log "$LAB_DIR"/*.conf "$LAB_DIR/t" "/tmp/test_dpdk_vrrp.$$/" 2>/dev/null
		echo "logs kept in /tmp/test_dpdk_vrrp.$$"
	fi
	lab_down
	rm -f "$TABLES" "$TABLES".new.*
	rm -rf "/var/run/dpdk/$EAL_PREFIX"
}
trap cleanup EXIT
trap 'exit 1' INT TERM # the EXIT trap cleans up after a timeout too

lab_up 3 || exit 1
T=$LAB_DIR/t
mkdir -p "$T"
NS=$(lab_ns lb1)
NS2=$(lab_ns lb2)
NSC=$(lab_ns client)

# lb1's eth0 is edgelb-dpdk's port; its addresses go to the TAP (lab.sh)
lab_dpdk_port lb1
LB1_MAC=$(ip -n "$NS" -br link show eth0 | awk '{print $3}')
LB2_MAC=$(ip -n "$NS2" -br link show eth0 | awk '{print $3}')
BOGUS_MAC=02:00:00:00:99:99

lab_dpdk_start lb1 "$TAP" "$TABLES" "$EAL_PREFIX" "$LAB_DIR/dpdk.log"
dpdk_pid=$!
if ! lab_dpdk_wait "$LAB_DIR/dpdk.log"; then
	bad "edgelb-dpdk did not start"
	exit 1
fi
# lb1's own address only: the VIP is VRRP's to add
ip -n "$NS" link set "$TAP" up
ip -n "$NS" addr add "$LAB_LB/24" dev "$TAP"
TAP_MAC=$(ip -n "$NS" -br link show "$TAP" | awk '{print $3}')
check "edgelb-dpdk forwards, its TAP has eth0's MAC ($TAP_MAC)" [ "$TAP_MAC" = "$LB1_MAC" ]

# what the client sees on the segment: ARP and VRRP (for the figures and
# for the evidence when something fails), and its neighbour changes with
# their times (the takeover is measured from them, without polling)
ip netns exec "$NSC" tcpdump -i eth0 -nn --immediate-mode -U -w "$T/client.pcap" 'arp or ip proto 112' \
	>"$T/tcpdump.log" 2>&1 &
echo $! >"$LAB_DIR/tcpdump.pid"
disown
ip netns exec "$NS" tcpdump -i "$TAP" -nn --immediate-mode -U -w "$T/tap.pcap" 'arp or ip proto 112' \
	>"$T/tcpdump-tap.log" 2>&1 &
echo $! >"$LAB_DIR/tcpdump-tap.pid"
disown
ip -n "$NSC" -ts monitor neigh >"$T/neigh.log" 2>&1 &
echo $! >"$LAB_DIR/neighmon.pid"
disown
for f in tcpdump tcpdump-tap; do
	wait_until 5 grep -q "listening on" "$T/$f.log" || echo "    ($f did not say it listens)"
done
# an entry the client has not resolved (it sends nothing to the VIP until
# step 3): only a gratuitous ARP can change its MAC
ip -n "$NSC" neigh replace "$LAB_VIP" lladdr "$BOGUS_MAC" dev eth0 nud stale

conf=$(lab_config 3)
sed -i "s|vrid = 10; interface = \"eth0\";|vrid = 10; interface = \"$TAP\";|" "$conf"
lab_dpdk_config "$conf" "$TAP" "$TABLES" && grep -q "interface = \"$TAP\"" "$conf" || {
	bad "the lab's config has no dataplane or vrrp line to point at the TAP"
	cat "$conf"
	exit 1
}
grep -A2 'vrrp = ' "$conf" | sed 's/^/    /'

# keepalived on lb2, VRRP only, with a notify script stamping its states
cat >"$LAB_DIR/ka-notify.sh" <<EON
#!/bin/sh
[ "\$1" = INSTANCE ] && [ "\$2" = front ] || exit 1
date +%s%3N >"$LAB_DIR/ka.stamp"
echo "\$3" >"$LAB_DIR/ka.state.tmp" && mv "$LAB_DIR/ka.state.tmp" "$LAB_DIR/ka.state"
EON
chmod 755 "$LAB_DIR/ka-notify.sh"
cat >"$LAB_DIR/ka.conf" <<EOC
global_defs {
	router_id lb2
	script_user root
	vrrp_version 3
}
vrrp_instance front {
	state BACKUP
	interface eth0
	virtual_router_id 10
	priority 100
	advert_int 0.1
	virtual_ipaddress {
		$LAB_VIP/32
	}
	notify $LAB_DIR/ka-notify.sh
}
EOC
ka_start() {
	rm -f "$LAB_DIR/ka.pid" "$LAB_DIR/ka.vrrp.pid"
	ip netns exec "$NS2" "$KA" --vrrp -n -l -D -f "$LAB_DIR/ka.conf" \
		-p "$LAB_DIR/ka.pid" -r "$LAB_DIR/ka.vrrp.pid" >>"$LAB_DIR/ka.log" 2>&1 &
	disown
}

# readers, each one jq or ip at most: no interpreter per poll
elb_field() { # elb_field FIELD: of the instance in lbctl --json vrrp status
	local v
	v=$(lab_lbctl --json vrrp status 2>/dev/null | jq -r --arg f "$1" '.instances[0][$f] | tostring' 2>/dev/null)
	echo "${v:-NONE}"
}
elb_is() { [ "$(elb_field state)" = "$1" ]; }
ka_state() { cat "$LAB_DIR/ka.state" 2>/dev/null || echo NONE; }
ka_is() { [ "$(ka_state)" = "$1" ]; }
ka_masters() { grep -c "Entering MASTER STATE" "$LAB_DIR/ka.log"; }
tap_has_vip() { ip -n "$NS" -br addr show dev "$TAP" | grep -qw "$LAB_VIP/32"; }
lb2_has_vip() { ip -n "$NS2" -br addr show dev eth0 | grep -qw "$LAB_VIP/32"; }
client_mac() { ip -n "$NSC" neigh show "$LAB_VIP" dev eth0 | awk '{ print $3; exit }'; }
client_mac_is() { [ "$(client_mac)" = "$1" ]; }
at_least() { [ "$("$1" "$2")" -ge "$3" ]; } # at_least READER ARG MIN
completed() { grep -vc FAILED "$1"; }
within_ms() { [ "$1" -ge 0 ] && [ "$1" -le "$2" ]; }
now_us() { date +%s%6N; }
# pcap_us FILE FILTER [TEXT]: the capture times (Unix us, the kernel's) of
# the packets matching FILTER (and TEXT in tcpdump's line), one a line
pcap_us() {
	tcpdump -r "$1" -nn -tt "$2" 2>/dev/null | grep -F -e "${3:-IP}" -e "${3:-ARP}" |
		awk '{ split($1, t, "."); print t[1] t[2] }'
}
# first_after SINCE_US: the first time on stdin at or after SINCE_US (0: none)
first_after() { awk -v t="$1" '$1 >= t { print; f = 1; exit } END { if (!f) print 0 }'; }
# last_before UNTIL_US: the last time on stdin before UNTIL_US (0: none)
last_before() { awk -v t="$1" 'BEGIN { l = 0 } $1 < t { l = $1 } END { print l }'; }
ELB_ADV="ip proto 112 and src $LAB_LB"
KA_ADV="ip proto 112 and src $(lab_lb_addr lb2)"
# neigh_ms MAC SINCE_MS: the client kernel's time (Unix ms, ip -ts) of
# the first change of its VIP entry to MAC at or after SINCE_MS
neigh_ms() {
	local stamp ms
	while read -r stamp; do
		ms=$(date -d "${stamp//[\[\]]/}" +%s%3N 2>/dev/null) || continue
		[ "$ms" -ge "$2" ] && echo "$ms" && return 0
	done < <(grep -F " $LAB_VIP dev eth0 lladdr $1 " "$T/neigh.log" | awk '{ print $1 }')
	echo 0
}

# 1. edgelbd alone becomes MASTER (nobody else advertises yet), then
# keepalived starts and must stay BACKUP: it hears edgelbd's adverts
lab_edgelbd_start || exit 1
check "edgelbd (mode dpdk) becomes MASTER on $TAP" wait_until 5 elb_is MASTER
check "the VIP is on the TAP" wait_until 2 tap_has_vip
t_ka=$(now_us)
ka_start
check "keepalived starts BACKUP (its notify)" wait_until 5 ka_is BACKUP
tx0=$(elb_field tx)
check "edgelbd sends adverts into the TAP (20 more after keepalived started)" \
	wait_until 5 at_least elb_field tx $((tx0 + 20))
ka_never_master() { ka_is BACKUP && [ "$(ka_masters)" -eq 0 ]; }
check "keepalived stayed BACKUP over those 2 s: edgelbd's adverts left by edgelb-dpdk ($(ka_masters) MASTER transitions)" \
	ka_never_master
check "keepalived holds no VIP" bash -c "! ip -n '$NS2' -br addr show dev eth0 | grep -qw '$LAB_VIP/32'"

# 2. edgelbd's gratuitous ARP reached the client
check "the client's entry for the VIP is lb1's MAC $LB1_MAC (was $BOGUS_MAC): GARP through TAP and edgelb-dpdk" \
	wait_until 2 client_mac_is "$LB1_MAC"

# 3. TCP through the VIP
lab_client conns "$LAB_VIP" 80 20000 200 >"$T/conns"
check "200 TCP connections through the VIP completed ($(completed "$T/conns"))" \
	[ "$(completed "$T/conns")" -eq 200 ]
for b in be1 be2 be3; do
	check "$b answered ($(grep -c " $b$" "$T/conns") connections)" grep -q " $b$" "$T/conns"
done

# 4. handover to keepalived and back. edgelbd resigns with a priority-0
# advert; keepalived takes over after its Skew_Time ((256 - 100) / 256 x
# 100 ms = 61 ms), timed on the wire at the client
t0=$(now_us)
check "lbctl vrrp handover" lab_lbctl vrrp handover
check "handover: keepalived MASTER" wait_until 3 ka_is MASTER
check "handover: the client's entry moves to lb2's MAC $LB2_MAC (keepalived's GARP)" \
	wait_until 2 client_mac_is "$LB2_MAC"
# captured as they come (--immediate-mode), written per packet (-U)
ka_advert_after() { [ "$(pcap_us "$T/client.pcap" "$KA_ADV" | first_after "$1")" != 0 ]; }
wait_until 2 ka_advert_after "$t0"
p0_tap=$(pcap_us "$T/tap.pcap" "$ELB_ADV" "prio 0," | first_after "$t0")
p0_wire=$(pcap_us "$T/client.pcap" "$ELB_ADV" "prio 0," | first_after "$t0")
ka_first=$(pcap_us "$T/client.pcap" "$KA_ADV" | first_after "$p0_wire")
n_ms=$(neigh_ms "$LB2_MAC" $((t0 / 1000)))
echo "    handover: edgelbd's priority-0 advert into the TAP $(((p0_tap - t0) / 1000)) ms after lbctl was started," \
	"on the wire $((p0_wire - p0_tap)) us later; keepalived's first advert $(((ka_first - p0_wire) / 1000)) ms after it;" \
	"the client's entry moved $((n_ms - t0 / 1000)) ms after lbctl was started"
check "handover: edgelbd's priority-0 advert crossed edgelb-dpdk (TAP, then the wire)" \
	bash -c "[ $p0_tap -gt 0 ] && [ $p0_wire -ge $p0_tap ]"
check "handover: keepalived advertised $(((ka_first - p0_wire) / 1000)) ms after the priority-0 advert (Skew_Time 61 ms; bound 250 ms)" \
	within_ms $(((ka_first - p0_wire) / 1000)) 250
check "handover: the client's entry moved $((n_ms - t0 / 1000)) ms after lbctl was started (bound 500 ms)" \
	within_ms $((n_ms - t0 / 1000)) 500
check "handover: the VIP left the TAP" wait_until 2 bash -c "! ip -n '$NS' -br addr show dev '$TAP' | grep -qw '$LAB_VIP/32'"
rx0=$(elb_field rx)
check "handover: edgelbd hears keepalived's adverts through edgelb-dpdk and the TAP (10 more: rx $rx0 ->)" \
	wait_until 3 at_least elb_field rx $((rx0 + 10))
rx_held=$(($(elb_field rx) - rx0))
check "handover: edgelbd holds BACKUP ($rx_held adverts of keepalived counted)" elb_is BACKUP
check "handover: keepalived still MASTER, holding the VIP" bash -c "[ \"\$(cat '$LAB_DIR/ka.state')\" = MASTER ] && ip -n '$NS2' -br addr show dev eth0 | grep -qw '$LAB_VIP/32'"
check "lbctl vrrp release" lab_lbctl vrrp release
check "release: edgelbd MASTER again" wait_until 3 elb_is MASTER
check "release: keepalived BACKUP" wait_until 3 ka_is BACKUP
check "release: the client's entry back to lb1's MAC (edgelbd's GARP)" \
	wait_until 2 client_mac_is "$LB1_MAC"
check "release: the VIP on the TAP, not on lb2" bash -c "ip -n '$NS' -br addr show dev '$TAP' | grep -qw '$LAB_VIP/32' && ! ip -n '$NS2' -br addr show dev eth0 | grep -qw '$LAB_VIP/32'"

# 5. kill -9 of edgelbd: keepalived takes over within its master-down
# interval (3 x 100 ms + skew (256 - 100) / 256 x 100 ms = 361 ms after
# edgelbd's last advert, which left at most 100 ms before the kill) plus
# scheduling margin
BOUND_MS=700
t_kill=$(now_us)
lab_edgelbd_kill KILL
check "kill -9: keepalived MASTER" wait_until 3 ka_is MASTER
check "kill -9: the client's entry moves to lb2's MAC" wait_until 2 client_mac_is "$LB2_MAC"
n_ms=$(neigh_ms "$LB2_MAC" $((t_kill / 1000)))
wait_until 2 ka_advert_after "$t_kill"
ka_first=$(pcap_us "$T/client.pcap" "$KA_ADV" | first_after "$t_kill")
# edgelbd's last advert: it may have left edgelb-dpdk just after the kill
last_elb=$(pcap_us "$T/client.pcap" "$ELB_ADV" | last_before "$ka_first")
ka_notify=$(($(cat "$LAB_DIR/ka.stamp") - t_kill / 1000))
echo "    kill -9: edgelbd's last advert on the wire $(((t_kill - last_elb) / 1000)) ms before the kill (negative: after);" \
	"keepalived's first advert $(((ka_first - last_elb) / 1000)) ms after that one" \
	"($(((ka_first - t_kill) / 1000)) ms after the kill; its notify $ka_notify ms after)"
check "kill -9: the client's entry moved to keepalived $((n_ms - t_kill / 1000)) ms after it (ip -ts monitor neigh; bound $BOUND_MS ms)" \
	within_ms $((n_ms - t_kill / 1000)) "$BOUND_MS"
check "kill -9: keepalived took over $(((ka_first - last_elb) / 1000)) ms after edgelbd's last advert (Master_Down_Interval 361 ms; bound 500 ms)" \
	within_ms $(((ka_first - last_elb) / 1000)) 500

t_start=$(now_ms)
lab_edgelbd_start || exit 1
check "the restarted edgelbd adopted edgelb-dpdk's tables" \
	grep -q "dpdk: adopted the tables in $TABLES" "$LAB_DIR/edgelbd.log"
check "restart: edgelbd preempts (MASTER)" wait_until 5 elb_is MASTER
check "restart: keepalived BACKUP" wait_until 3 ka_is BACKUP
check "restart: the client's entry back to lb1's MAC" wait_until 2 client_mac_is "$LB1_MAC"
back_ms=$(neigh_ms "$LB1_MAC" "$t_start")
echo "    restart -> client's entry on lb1 after $((back_ms - t_start)) ms (edgelbd start, master-down wait, GARP)"
check "restart: the VIP on the TAP, not on lb2" bash -c "ip -n '$NS' -br addr show dev '$TAP' | grep -qw '$LAB_VIP/32' && ! ip -n '$NS2' -br addr show dev eth0 | grep -qw '$LAB_VIP/32'"
lab_client conns "$LAB_VIP" 80 30000 200 >"$T/after"
check "200 TCP connections through the VIP after the restart ($(completed "$T/after"))" \
	[ "$(completed "$T/after")" -eq 200 ]

lab_lbctl vrrp status | sed 's/^/    /'
echo "    edgelbd: tx $(elb_field tx), rx $(elb_field rx), transitions $(elb_field transitions) (since its restart)"

# the adverts both ways through edgelb-dpdk: the TAP's capture against
# the client's, packet by packet (matched by IP id; each side's kernel
# time, one clock). What was sent until 300 ms before the captures stop
# must have arrived (the two stop one after the other).
t_cut=$(now_us)
gone() { ! kill -0 "$1" 2>/dev/null; }
for f in tcpdump tcpdump-tap neighmon; do
	pid=$(cat "$LAB_DIR/$f.pid")
	kill -TERM "$pid" 2>/dev/null
	wait_until 3 gone "$pid" || echo "    ($f did not stop on SIGTERM)"
	rm -f "$LAB_DIR/$f.pid"
done
# pcap_ids FILE FILTER: "IP-ID TIME_US" of each packet, sorted by id
pcap_ids() {
	tcpdump -r "$1" -nn -tt -v "$2" 2>/dev/null | awk '/^[0-9]/ {
		for (i = 2; i < NF; i++) if ($i == "id" && $(i + 1) ~ /,$/) id = $(i + 1)
		sub(",", "", id); split($1, t, "."); print id, t[1] t[2] }' | sort -k1,1
}
# crossing FROM_PCAP TO_PCAP FILTER SINCE_US: "SENT ARRIVED MEDIAN_US
# MAX_US" for the packets FROM_PCAP saw from SINCE_US to t_cut - 300 ms
crossing() {
	local from=$T/ids.from to=$T/ids.to
	pcap_ids "$1" "$3" | awk -v s="$4" -v t=$((t_cut - 300000)) '$2 >= s && $2 < t' >"$from"
	pcap_ids "$2" "$3" >"$to"
	echo "$(wc -l <"$from") $(join "$from" "$to" | wc -l)" \
		"$(join "$from" "$to" | awk '{ print $3 - $2 }' | sort -n | awk '{ d[NR] = $1 } END {
			if (NR) print d[int((NR + 1) / 2)], d[NR]; else print "0 0" }')"
}
# from keepalived's start on, when a lost or late advert would move the VIP
read -r out_n out_m out_med out_max < <(crossing "$T/tap.pcap" "$T/client.pcap" "$ELB_ADV" "$t_ka")
read -r in_n in_m in_med in_max < <(crossing "$T/client.pcap" "$T/tap.pcap" "$KA_ADV" "$t_ka")
echo "    since keepalived started: edgelbd's adverts: $out_m of $out_n from the TAP at the client; TAP -> wire median $out_med us, max $out_max us"
echo "    keepalived's adverts: $in_m of $in_n from the wire out of the TAP; wire -> TAP median $in_med us, max $in_max us"
# with the time before it (edgelbd alone, just started), for the record
read -r all_n all_m _ all_max < <(crossing "$T/tap.pcap" "$T/client.pcap" "$ELB_ADV" 0)
echo "    over the whole run: $all_m of $all_n adverts of edgelbd from the TAP at the client, max $all_max us"
check "all of edgelbd's adverts left edgelb-dpdk ($out_m of $out_n)" \
	bash -c "[ $out_n -ge 30 ] && [ $out_m -eq $out_n ]"
check "all of keepalived's adverts reached the TAP ($in_m of $in_n)" \
	bash -c "[ $in_n -ge 10 ] && [ $in_m -eq $in_n ]"
# edgelb-dpdk polls on one lcore that shares the machine's CPUs with the
# lab (and whatever else runs): its tail latency is the time it waited for
# a CPU (the kernel's run-queue wait, printed). VRRP tolerates a delayed
# advert as long as the next one still comes before keepalived's
# Master_Down_Interval (361 ms) runs out: 261 ms of slack over the 100 ms
# interval; the bound keeps well inside it
read -r _ dpdk_wait _ <"/proc/$dpdk_pid/schedstat"
echo "    edgelb-dpdk's main lcore waited $((dpdk_wait / 1000000)) ms for a CPU since it started ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
check "edgelb-dpdk passed each within 200 ms (max $out_max us out, $in_max us in)" \
	bash -c "[ $out_max -ge 0 ] && [ $out_max -le 200000 ] && [ $in_max -ge 0 ] && [ $in_max -le 200000 ]"
garps=$(tcpdump -r "$T/client.pcap" -nn -e "arp and ether src $LB1_MAC" 2>/dev/null |
	grep -c "who-has $LAB_VIP tell $LAB_VIP")
check "the client saw edgelbd's gratuitous ARPs for the VIP from lb1's MAC ($garps; it became MASTER 3 times)" \
	[ "$garps" -ge 3 ]

# edgelbd resigns on SIGTERM (keepalived takes over), edgelb-dpdk stops
lab_edgelbd_kill TERM
check "edgelbd stopped cleanly (no sanitizer report in its log)" \
	bash -c "! grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' '$LAB_DIR/edgelbd.log'"
check "edgelbd's stop: keepalived MASTER" wait_until 3 ka_is MASTER
kill -TERM "$dpdk_pid"
rc=0
wait "$dpdk_pid" || rc=$?
dpdk_pid=
check "edgelb-dpdk exits 0 on SIGTERM" [ "$rc" -eq 0 ]
grep -E "^edgelb-dpdk: (stopped|worker [0-9]+:|dispatcher:)" "$LAB_DIR/dpdk.log" | sed 's/^/    /'

echo
if [ "$failed" -ne 0 ]; then
	echo "--- edgelbd.log"
	tail -30 "$LAB_DIR/edgelbd.log"
	echo "--- ka.log"
	tail -30 "$LAB_DIR/ka.log"
	echo "--- dpdk.log"
	tail -10 "$LAB_DIR/dpdk.log"
	echo "--- neighbour changes at the client"
	tail -20 "$T/neigh.log"
fi
check_summary
