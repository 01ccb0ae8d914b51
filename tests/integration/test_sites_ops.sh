#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Zero-downtime operations on the two-site lab (tools/lab/sites.sh), under
# continuous HTTP load through the router's ECMP route to the VIP
# (edgelb-load: every request a new connection, every failed request
# counted, periods marked at each step, outages by the client's own clock):
#
#  1. a rolling upgrade of all six backends (drain on every balancer, wait
#     for their connections to end, restart nginx, wait until every
#     balancer's checks see it up, undrain): 0 failed requests;
#  2. a planned VRRP handover at both sites (the master resigns, the backup
#     takes over, the master is released and takes the site back): 0 failed;
#  3. an upgrade of edgelbd on all four balancers one by one (SIGTERM,
#     start again: the new edgelbd swaps its program into the pinned link,
#     which is checked), then the same with kill -9: 0 failed;
#  4. lb2, dc1's backup, moved to edgelb-dpdk (edgelbd stopped, XDP
#     detached, eth0 given to edgelb-dpdk and lb2's address to its TAP,
#     edgelbd restarted in DPDK mode): 300 flows sent through lb2 alone
#     land on the backends they do through lb1 (XDP), and edgelb-dpdk
#     counts 300 new flows; lb1 hands dc1 over, the router's entry moves
#     to lb2, edgelb-dpdk forwards dc1's share of the load; lb1 takes the
#     site back, lb2 goes back to XDP, nothing of edgelb-dpdk is left:
#     0 failed requests throughout (skipped when edgelb-dpdk is not
#     built; a failure under CI=true);
#  5. dc1's master dies (edgelbd killed, its link down): failures only
#     inside the measured outage, which stays within 3 x advert + skew +
#     5 ms (the backup's master-down interval, RFC 5798, and its gratuitous
#     ARP); the balancer coming back: 0 failed;
#  6. dc1's link to the router is cut: the traffic continues through dc2;
#     300 fixed flows sent before and after: those on dc2's backends keep
#     their backend, those on dc1's move to dc2's; the outage is shorter
#     than one health-check fall time (fall x interval) as the checks take
#     the site out as a whole (health.site_fail_fast); the link mended,
#     every backend is back on every balancer.
# The same 1000 flows through each balancer: test_sites.sh.
#
# usage: test_sites_ops.sh BUILDDIR     (root; exits 77 when it cannot run, 1
# under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_sites_ops.sh BUILDDIR}" && pwd)
export BUILD SITES_PREFIX=elso$$
# shellcheck source=../../tools/lab/sites.sh
source "$(dirname "$0")/../../tools/lab/sites.sh"
# shellcheck source=../../tools/lab/sites_ops.sh
source "$(dirname "$0")/../../tools/lab/sites_ops.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, XDP"
need_tools ip bridge ethtool ss jq nginx sysctl bpftool
[ -x /usr/bin/python3 ] || skip_or_fail "/usr/bin/python3 is missing (Debian package python3)"
[ -x "$BUILD/tools/lab/edgelb-load" ] || skip_or_fail "$BUILD/tools/lab/edgelb-load is not built"
sites_dpdk_built && need_tools nft # the DPDK episode's port (sites_dpdk_port)
trap 'sites_load_stop; sites_down' EXIT

# the lab's VRRP and health timing (sites_config): what the bounds derive from
ADVERT_MS=100 BACKUP_PRIO=100 INTERVAL_MS=500 FALL=2
SKEW_MS=$(((256 - BACKUP_PRIO) * ADVERT_MS / 256 + 1)) # RFC 5798 Skew_Time, rounded up
CRASH_BOUND_MS=$((3 * ADVERT_MS + SKEW_MS + 5))
SITE_BOUND_MS=$((FALL * INTERVAL_MS))
FIRST=41000 COUNT=300
T=$SITES_DIR/t

# in_range V LO HI: V is a number, LO <= V <= HI
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# all_of PART WHOLE: 0 < PART = WHOLE
all_of() { [ "$2" -gt 0 ] && [ "$1" -eq "$2" ]; }

# none_failed REQUESTS FAILED
none_failed() { [ "$1" -gt 0 ] && [ "$2" -eq 0 ]; }

# period NAME: its report line (empty when it never came)
period() { sites_load_period "$1" || true; }
val() { sites_load_value "$1" "$2"; }
# zero_failed NAME WHAT: the period had requests and none failed
zero_failed() {
	local p n f
	p=$(period "$1")
	n=$(val "$p" requests) f=$(val "$p" failed)
	echo "    $1: ${n:-?} requests, ${f:-?} failed; $(sed 's/.* spread //' <<<"$p")"
	check "$2: ${n:-no} requests, 0 failed (${f:-no report})" \
		none_failed "${n:-0}" "${f:-1}"
}

if ! sites_up; then
	bad "the two-site lab came up"
	check_summary
	exit 1
fi
mkdir -p "$T"
check "all four edgelbd started" sites_balancers_start
check "one VRRP master per site" sites_wait 100 eval 'sites_settled dc1 && sites_settled dc2'
check "every balancer sees all six backends up" sites_wait 150 sites_all_up
check "edgelb-load sends $SITES_LOAD_RATE requests/s to the VIP" sites_load_start
sleep 1

# 1. rolling upgrade of the six backends
sites_load_mark rolling
for be in $SITES_BES; do
	check "$be upgraded: drained, its flows ended, nginx restarted, up, undrained" \
		sites_backend_upgrade "$be"
done

# 2. VRRP handover at each site
sites_load_mark handover
for site in dc1 dc2; do
	check "$site: handover to the backup and back" sites_handover "$site"
done

# 3. edgelbd upgrade (SIGTERM) and crash (SIGKILL) on each balancer in turn
sites_load_mark upgrade
for lb in $SITES_LBS; do
	check "$lb: edgelbd upgraded (SIGTERM, started again, program replaced)" \
		sites_edgelbd_restart "$lb" TERM
done
sites_load_mark kill9
for lb in $SITES_LBS; do
	check "$lb: edgelbd killed -9 and started again (program replaced)" \
		sites_edgelbd_restart "$lb" KILL
done

# 4. lb2 (dc1's backup) on edgelb-dpdk, dc1 served by it, back to XDP
DPDK_FIRST=42000
if ! sites_dpdk_built; then
	[ "${CI:-}" = true ] && bad "edgelb-dpdk is built (CI=true: the DPDK episode must run)"
	echo "    (DPDK episode skipped: $BUILD/dataplane/dpdk/edgelb-dpdk is not built)"
else
	sites_conns_via lb1 "$DPDK_FIRST" "$COUNT" >"$T/via-lb1"
	check "$COUNT flows through lb1 alone (XDP) answered under load" \
		[ "$(grep -vc FAILED "$T/via-lb1")" -eq "$COUNT" ]
	sites_load_mark dpdk-switch
	check "lb2 moved to edgelb-dpdk (eth0 given to it, edgelbd in DPDK mode): BACKUP, six backends up" \
		sites_dpdk_start lb2
	check "lb2's edgelbd drives edgelb-dpdk" [ "$(sites_dataplane lb2)" = dpdk ]
	check "edgelbd wrote the tables edgelb-dpdk created" \
		grep -q "dpdk: created the tables in $(sites_dpdk_tables lb2)" "$(sites_file lb2 log)"
	nf0=$(sites_vip_stat lb2 new_flows)
	sites_conns_via lb2 "$DPDK_FIRST" "$COUNT" >"$T/via-lb2"
	nf1=$(sites_vip_stat lb2 new_flows)
	check "the same $COUNT flows through lb2 alone (edgelb-dpdk) answered" \
		[ "$(grep -vc FAILED "$T/via-lb2")" -eq "$COUNT" ]
	d=$(paste -d'|' "$T/via-lb1" "$T/via-lb2" | awk -F'|' '$1 != $2' | wc -l)
	check "edgelb-dpdk sends them to the backends XDP does ($d of $COUNT differ)" [ "$d" -eq 0 ]
	check "edgelb-dpdk counted them: $((nf1 - nf0)) new flows of the VIP (lb2 is backup: the load goes to lb1)" \
		[ $((nf1 - nf0)) -ge "$COUNT" ]
	sites_load_mark dpdk-master
	check "lb1 hands dc1 over: lb2 (edgelb-dpdk) MASTER" sites_resign lb1
	check "the router sends dc1's traffic to lb2's MAC $(sites_mac lb2) (its GARP through the TAP and edgelb-dpdk)" \
		sites_wait 20 sites_router_sends_to lb2
	pk0=$(sites_vip_stat lb2 packets) nf0=$(sites_vip_stat lb2 new_flows)
	check "edgelb-dpdk forwards dc1's share of the load (300 more new flows of the VIP)" \
		sites_wait 100 sites_vip_stat_over lb2 new_flows $((nf0 + 300))
	echo "    lb2 on edgelb-dpdk as master: +$(($(sites_vip_stat lb2 new_flows) - nf0)) new flows," \
		"+$(($(sites_vip_stat lb2 packets) - pk0)) packets"
	check "lb1 released: MASTER again" sites_release lb1
	sites_load_mark dpdk-back
	check "lb2 back on XDP: BACKUP, six backends up" sites_dpdk_stop lb2
	grep '^edgelb-dpdk: stopped' "$(sites_file lb2-dpdk log)" | sed 's/^/    /'
	check "edgelb-dpdk gone, with its tables, EAL's files and its TAP" bash -c "
		[ -z \"\$(cat '$(sites_file lb2-dpdk pid)' 2>/dev/null)\" ] &&
		[ ! -e '$(sites_dpdk_tables lb2)' ] && [ ! -e '/var/run/dpdk/$(sites_dpdk_eal lb2)' ] &&
		! ip -n '$(sites_ns lb2)' link show '$SITES_DPDK_TAP' 2>/dev/null"
	check "lb2's eth0 is the kernel's and XDP's again" [ "$(sites_dataplane lb2)" = xdp ]
fi

# 5. dc1's master dies
sites_load_mark before-crash
sleep 0.5
m=$(sites_master dc1) || m=lb1
p=$(sites_peer "$m")
crash_ms=$(now_ms)
sites_crash "$m" crash
check "$p takes over from $m" sites_wait 30 sites_is_master "$p"
# the daemon's own stamp of the takeover, for the record
took=$(($(sites_lbctl "$p" --json vrrp status | jq -r '.instances[0].since_unix_ms') - crash_ms))
sleep 1.5 # beyond the request timeout: every request hit by the crash has failed
sites_load_mark revive
check "$m comes back (link up, edgelbd started, its site settled)" sites_revive "$m"
sleep 0.5

# 6. dc1's link to the router is cut
sites_vip_route ecmp
sites_conns "$FIRST" "$COUNT" >"$T/flows-before"
check "$COUNT fixed flows answered before the cut" \
	[ "$(grep -vc FAILED "$T/flows-before")" -eq "$COUNT" ]
sites_load_mark site-loss
sites_cut dc1
check "dc2's balancers take dc1's backends out" sites_wait 50 sites_site_down_seen dc1
sleep 1.5
sites_conns "$FIRST" "$COUNT" >"$T/flows-after"
check "the same $COUNT flows answered with dc1 cut off" \
	[ "$(grep -vc FAILED "$T/flows-after")" -eq "$COUNT" ]
paste -d' ' "$T/flows-before" "$T/flows-after" >"$T/flows"
# columns: sport backend site sport backend site
kept=$(awk '$3 == "dc2" && $2 == $5' "$T/flows" | wc -l)
on_dc2=$(awk '$3 == "dc2"' "$T/flows" | wc -l)
moved=$(awk '$3 == "dc1" && $6 == "dc2"' "$T/flows" | wc -l)
on_dc1=$(awk '$3 == "dc1"' "$T/flows" | wc -l)
check "flows on dc2's backends keep their backend ($kept of $on_dc2)" all_of "$kept" "$on_dc2"
check "flows on dc1's backends re-hash to dc2's ($moved of $on_dc1)" all_of "$moved" "$on_dc1"
sites_load_mark site-back
sites_mend dc1
check "the link mended, every balancer sees all six backends up" sites_wait 150 sites_all_up
sleep 1
sites_load_mark end
sleep 0.5
sites_load_stop

echo "    load: $(grep '^total' "$SITES_DIR/load.out")"
zero_failed start "warm-up"
zero_failed rolling "rolling upgrade of six backends"
zero_failed handover "VRRP handover at both sites"
zero_failed upgrade "edgelbd upgraded on four balancers"
zero_failed kill9 "edgelbd killed -9 and restarted on four balancers"
if sites_dpdk_built; then
	zero_failed dpdk-switch "lb2 moved to edgelb-dpdk"
	zero_failed dpdk-master "dc1 served by edgelb-dpdk (lb2 master), and handed back"
	zero_failed dpdk-back "lb2 back to XDP"
fi
zero_failed before-crash "before the crash"
pc=$(period crash)
o=$(val "$pc" outage_ms)
echo "    crash: $(val "$pc" requests) requests, $(val "$pc" failed) failed, outage ${o:-?} ms" \
	"(bound $CRASH_BOUND_MS ms; $p master $took ms after the crash, by its own stamp)"
check "master crash: outage ${o:-?} ms <= 3 x $ADVERT_MS + $SKEW_MS + 5 = $CRASH_BOUND_MS ms" \
	in_range "$o" 0 "$CRASH_BOUND_MS"
zero_failed revive "the crashed balancer coming back"
ps=$(period site-loss)
o=$(val "$ps" outage_ms)
echo "    site loss: $(val "$ps" requests) requests, $(val "$ps" failed) failed, outage ${o:-?} ms;" \
	"$(sed 's/.* spread //' <<<"$ps")"
check "site loss: outage ${o:-?} ms < one fall time ($FALL x $INTERVAL_MS = $SITE_BOUND_MS ms)" \
	in_range "$o" 0 $((SITE_BOUND_MS - 1))
dc2=$(val "$(sed 's/.* site //' <<<"$ps")" dc2)
check "site loss: the traffic continued through dc2 (${dc2:-0} requests answered there)" \
	in_range "${dc2:-0}" 1 100000000
zero_failed site-back "dc1's link mended"
zero_failed end "after all"

echo
check_summary
