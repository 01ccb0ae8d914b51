#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo: installs the dependencies, builds edgelb and shows the world it
# is made for, in network namespaces (tools/lab/sites.sh): a web platform
# at two sites, dc1 and dc2, each with a VRRP pair of edgelb balancers (XDP)
# and three nginx backends; an edge router that spreads the VIP over both
# sites by ECMP; a client sending real HTTP load (edgelb-load: a new
# connection per request, every failed request counted). Then what
# operators do, step by step, under that load: a rolling upgrade of the
# six backends, a VRRP handover at each site, an upgrade of edgelbd and of
# its XDP program on all four balancers, one balancer moved to the DPDK
# data plane (dc1's backup: its eth0 given to edgelb-dpdk, edgelbd
# restarted in DPDK mode; a handover makes it dc1's master for a while,
# then it goes back to XDP), a master balancer dying, a whole site lost,
# the counters. It ends with a table: step, requests, failed requests,
# longest outage. Everything is removed at the end, also on Ctrl-C
# (edgelb-dpdk, its tables in /dev/shm and EAL's files included). Needs
# root. The smaller one-site lab: tools/demo-one-site.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh || exit 1
tools/build.sh build >/dev/null || exit 1
echo "built: $(build/controlplane/edgelbd --version)"

export BUILD=$PWD/build SITES_PREFIX=demo
# shellcheck source=lab/sites.sh
source tools/lab/sites.sh
# shellcheck source=lab/sites_ops.sh
source tools/lab/sites_ops.sh
trap 'sites_load_stop; sites_down' EXIT
trap 'echo; echo "interrupted: tearing the lab down"; exit 130' INT TERM

started=$(date +%s)
problems=0
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { echo "  $*"; }
# do_or_say WHAT CMD...: run CMD; on failure say so and count it
do_or_say() {
	local what=$1
	shift
	"$@" && return 0
	say "FAILED: $what"
	problems=$((problems + 1))
	return 1
}
log_of() { sed 's/^edgelbd: //' "$(sites_file "$1" log)"; }
spread_of() { # a report line: "be1 123, be2 130 ... | dc1 ... dc2 ..."
	sed 's/.* spread //; s/ site / | /; s/=/ /g' <<<"$1"
}
# PERIODS: "name|title|planned" of each step, in order
PERIODS=()
period() { # NAME TITLE planned|fault: a new step of the load begins now
	PERIODS+=("$1|$2|$3")
	sites_load_mark "$1"
}

step "1. Two sites, four balancers, six backends"
cat <<-EOF
	  client 198.51.100.100 -- router (ECMP for the VIP $SITES_VIP over both sites)
	  dc1 192.0.2.0/26:  lb1 .2 (VRRP master)  lb2 .3  VRRP address .10   be1 be2 be3
	  dc2 192.0.2.64/26: lb3 .66 (VRRP master) lb4 .67 VRRP address .74   be4 be5 be6
	  every balancer balances the VIP over all six backends (IPIP; the other site's
	  through the router); backends answer the client directly (DSR)
EOF
do_or_say "the lab came up" sites_up || exit 1
do_or_say "edgelbd started on the four balancers" sites_balancers_start || exit 1
sites_wait 100 eval 'sites_settled dc1 && sites_settled dc2'
sites_wait 150 sites_all_up
say "VRRP masters: dc1 $(sites_master dc1), dc2 $(sites_master dc2)"
say "lb1's view of the backends (health checks every 500 ms, the other site's through the router):"
sites_lbctl lb1 health web | sed 's/^/    /'

step "2. One answer on every node: 300 flows sent through each balancer in turn"
for lb in $SITES_LBS; do
	sites_vip_route "$lb"
	sites_conns 30000 300 >"$SITES_DIR/via-$lb"
done
sites_vip_route ecmp
for lb in lb2 lb3 lb4; do
	d=$(paste -d'|' "$SITES_DIR/via-lb1" "$SITES_DIR/via-$lb" | awk -F'|' '$1 != $2' | wc -l)
	say "$lb ($(sites_site "$lb")) sends $((300 - d)) of the 300 flows where lb1 does ($d differ)"
	[ "$d" -eq 0 ] || problems=$((problems + 1))
done
say "where they go: $(awk '$2 != "FAILED" {print $2, $3}' "$SITES_DIR/via-lb1" | sort | uniq -c |
	awk '{printf "%s@%s %d  ", $2, $3, $1}')"

step "3. HTTP load: $SITES_LOAD_RATE requests/s from the client, through the router's ECMP route"
do_or_say "edgelb-load started" sites_load_start || exit 1
PERIODS+=("start|steady load|planned")
sleep 3
period rolling "rolling upgrade, 6 backends" planned
p=$(sites_load_period start)
say "in 3 s: $(sites_load_value "$p" requests) requests, $(sites_load_value "$p" failed) failed;" \
	"per backend and site: $(spread_of "$p")"

step "4. Rolling upgrade of the six backends: drain on every balancer, wait for its flows to end, restart nginx, undrain"
for be in $SITES_BES; do
	t0=$(date +%s%N)
	do_or_say "upgrade of $be" sites_backend_upgrade "$be" &&
		say "$be ($(sites_site "$be")): drained, idle, nginx restarted, up on all four, undrained" \
			"($((($(date +%s%N) - t0) / 1000000)) ms)"
done

step "5. Balancer maintenance: a VRRP handover at each site, and back"
for site in dc1 dc2; do
	period "handover-$site" "VRRP handover at $site" planned
	m=$(sites_master "$site")
	do_or_say "handover at $site" sites_handover "$site" &&
		say "$site: $m handed over to $(sites_peer "$m"), then took the site back;" \
			"both forward throughout"
done

step "6. Upgrade of edgelbd and of its XDP program on the four balancers, one by one"
period upgrade "edgelbd + XDP upgrade, 4 balancers" planned
for lb in $SITES_LBS; do
	before=$(sites_prog_id "$lb")
	do_or_say "upgrade of $lb" sites_edgelbd_restart "$lb" TERM &&
		say "$lb: edgelbd restarted, XDP program $before replaced by $(sites_prog_id "$lb")" \
			"in the pinned link (one atomic swap: maps and flows kept)"
done

step "7. The same site on DPDK: lb2, dc1's backup, moves to edgelb-dpdk, then serves dc1"
if ! sites_dpdk_built; then
	say "skipped: edgelb-dpdk is not built (DPDK, Debian package dpdk-dev, was not found)"
else
	period dpdk-switch "lb2 moves to edgelb-dpdk" planned
	if do_or_say "lb2 on edgelb-dpdk" sites_dpdk_start lb2; then
		say "lb2: edgelbd stopped, its XDP program detached (edgelbd --cleanup); eth0 given to" \
			"edgelb-dpdk (net_af_packet), lb2's address to its exception TAP $SITES_DPDK_TAP, same MAC:"
		grep '^edgelb-dpdk: port .*MAC' "$(sites_file lb2-dpdk log)" | sed 's/^/    /'
		say "edgelbd started again, same services and VRRP, $(sites_lbctl lb2 status | awk '/^dataplane/ {
			$1 = ""; print "data plane" $0 }'): it wrote edgelb-dpdk's tables;" \
			"$(sites_vrrp_state lb2), six backends up (checks through the TAP)"
		nf=$(sites_vip_stat lb2 new_flows)
		sites_conns_via lb2 30000 300 >"$SITES_DIR/via-lb2-dpdk"
		d=$(paste -d'|' "$SITES_DIR/via-lb1" "$SITES_DIR/via-lb2-dpdk" | awk -F'|' '$1 != $2' | wc -l)
		say "step 2's 300 flows again, through lb2 alone (a rule at the router on their ports):" \
			"$((300 - d)) land where lb1 (XDP) sent them ($d differ);" \
			"edgelb-dpdk counted $(($(sites_vip_stat lb2 new_flows) - nf)) new flows"
		[ "$d" -eq 0 ] || problems=$((problems + 1))
		period dpdk-master "dc1 served by edgelb-dpdk (lb2)" planned
		if do_or_say "lb1 hands dc1 over to lb2" sites_resign lb1; then
			pk=$(sites_vip_stat lb2 packets) nf=$(sites_vip_stat lb2 new_flows)
			do_or_say "the router sends dc1's traffic to lb2" sites_wait 20 sites_router_sends_to lb2 &&
				say "lb1 handed over: lb2 MASTER, its gratuitous ARP out through edgelb-dpdk; the" \
					"router's entry for $(sites_vrrp_addr dc1) is lb2's MAC, $(sites_router_mac dc1)"
			do_or_say "dc1's share of the load through edgelb-dpdk" \
				sites_wait 100 sites_vip_stat_over lb2 new_flows $((nf + 300)) &&
				say "dc1's share of the load through edgelb-dpdk: +$(($(sites_vip_stat lb2 new_flows) - nf))" \
					"new flows, +$(($(sites_vip_stat lb2 packets) - pk)) packets of the VIP (lbctl stats on lb2)"
			do_or_say "lb1 takes dc1 back" sites_release lb1 && say "released: lb1 MASTER again"
		fi
	fi
	period dpdk-back "lb2 back to XDP" planned
	do_or_say "lb2 back on XDP" sites_dpdk_stop lb2 &&
		say "lb2: edgelbd and edgelb-dpdk stopped, eth0 back to the kernel, edgelbd started in" \
			"$(sites_dataplane lb2) mode: $(sites_vrrp_state lb2), six backends up. edgelb-dpdk's own count:" &&
		grep '^edgelb-dpdk: stopped' "$(sites_file lb2-dpdk log)" | sed 's/^edgelb-dpdk: stopped: /    /'
fi

step "8. dc1's master dies: its edgelbd killed, its link down"
sleep 0.5
m=$(sites_master dc1)
PERIODS+=("crash|master $m dies|fault")
sites_crash "$m" crash
sites_wait 30 sites_is_master "$(sites_peer "$m")"
log_of "$(sites_peer "$m")" | grep 'MASTER' | tail -1 | sed "s/^/  $(sites_peer "$m"): /"
sleep 1.5
period revive "$m comes back" planned
do_or_say "$m back" sites_revive "$m" && say "$m back: link up, edgelbd adopted its data plane, MASTER again"

step "9. Site dc1 lost: its link to the router cut"
sleep 0.5
PERIODS+=("site-loss|site dc1 lost|fault")
sites_load_mark site-loss
sites_cut dc1
sites_wait 50 sites_site_down_seen dc1
log_of lb3 | grep -E 'site dc1 lost' | tail -1 | sed 's/^/  lb3: /'
say "the router's route to the VIP: $(ip -n "$(sites_ns router)" route show "$SITES_VIP" | tr -s ' \n' ' ')"
sleep 2
period site-back "dc1's link mended" planned
sites_mend dc1
do_or_say "dc1 back" sites_wait 150 sites_all_up && say "link mended: all six backends up on the four balancers again"
sleep 1

step "10. Counters: lbctl stats on lb3 (dc2's master)"
sites_lbctl lb3 stats | sed 's/^/  /'
period end "end" planned
sleep 0.5
sites_load_stop

step "Summary ($(($(date +%s) - started)) s)"
printf '  %-36s %9s %8s %18s\n' step requests failed "longest outage ms"
for e in "${PERIODS[@]}"; do
	IFS='|' read -r name title kind <<<"$e"
	[ "$name" = end ] && continue
	p=$(grep "^period $name " "$SITES_DIR/load.out" | tail -1)
	n=$(sites_load_value "$p" requests) f=$(sites_load_value "$p" failed) o=$(sites_load_value "$p" outage_ms)
	printf '  %-36s %9s %8s %18s\n' "$title" "${n:-?}" "${f:-?}" "${o:-?}"
	if [ "$kind" = planned ] && [ "${f:-1}" != 0 ]; then
		problems=$((problems + 1))
	fi
done
say "$(grep '^total' "$SITES_DIR/load.out" | cut -d' ' -f1-3)"
say "(outage: from the fault to the first good reply of a request sent after the last failure, by the client's clock;"
say " faults are unplanned: a master balancer dying, a site lost; every other step is planned and must fail nothing)"
if [ "$problems" -ne 0 ]; then
	say "$problems problem(s) above"
	exit 1
fi
