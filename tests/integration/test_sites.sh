#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The two-site lab (tools/lab/sites.sh) end to end: a client behind an edge
# router that routes the VIP by ECMP over two sites, each with a VRRP pair
# of edgelbd balancers (XDP) and three nginx backends (decap, DSR).
#
#  1. all four edgelbd start, and each site has exactly one VRRP master
#     (and one backup);
#  2. every balancer sees all six backends up, its own site's and the
#     other's (health checks through the router), with next hops resolved;
#  3. the same 1000 flows (fixed source ports), sent through each of the
#     four balancers in turn (the router's VIP route pinned to one), are
#     all answered and land on the same backend on every balancer: 0
#     disagreements, across sites (DESIGN.md, principle 2);
#  4. the same flows through the router's ECMP route reach both sites'
#     masters and, again, the same backends; both sites' backends, all six,
#     take part;
#  5. the lab tears down cleanly: no namespace, process, mount or file
#     left (and an EXIT trap does the same when something fails earlier).
#
# usage: test_sites.sh BUILDDIR     (root; exits 77 when it cannot run, 1
# under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_sites.sh BUILDDIR}" && pwd)
export BUILD SITES_PREFIX=elst$$
# shellcheck source=../../tools/lab/sites.sh
source "$(dirname "$0")/../../tools/lab/sites.sh"
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "namespaces, XDP"
need_tools ip bridge ethtool ss jq nginx sysctl
# the client is one interpreter per batch of flows: the system's, not a
# version manager's shim (LAB-FACTS.md)
[ -x /usr/bin/python3 ] || skip_or_fail "/usr/bin/python3 is missing (Debian package python3)"
trap sites_down EXIT

FIRST=20000 COUNT=1000
T=$SITES_DIR/t

vrrp_state() { # LB: MASTER, BACKUP, ...
	sites_lbctl "$1" --json vrrp status | jq -r '.instances[0].state'
}
# one_master SITE: one balancer of SITE is master, the other backup
one_master() {
	local states="" lb
	for lb in $(sites_lbs_of "$1"); do
		states+="$(vrrp_state "$lb") "
	done
	[ "$states" = "MASTER BACKUP " ] || [ "$states" = "BACKUP MASTER " ]
}
master_of() { # SITE
	local lb
	for lb in $(sites_lbs_of "$1"); do
		[ "$(vrrp_state "$lb")" = MASTER ] && echo "$lb" && return 0
	done
	return 1
}
# six_up LB: all six backends up in LB's health checks, next hops resolved
six_up() {
	sites_lbctl "$1" --json health web | jq -e \
		'[.backends[] | select(.health == "up" and .next_hop == "resolved")] | length == 6' >/dev/null
}
new_flows() { # LB: the data plane's new flows of the service
	sites_lbctl "$1" --json stats | jq '[.vips[] | select(.name == "web") | .new_flows] | add'
}
answered() { grep -vc FAILED "$1"; }
# disagreements A B: flows whose answer differs between two runs (the
# first few are shown)
disagreements() {
	paste -d'|' "$1" "$2" | awk -F'|' '$1 != $2' >"$T/differ"
	head -5 "$T/differ" | sed "s/^/    differ ($(basename "$1") | $(basename "$2")): /" >&2
	wc -l <"$T/differ"
}
# spread FILE: "be1=50 be2=41 ..." and per site
spread() {
	awk '$2 != "FAILED" { b[$2]++; s[$3]++ }
		END { for (k in b) printf "%s=%d ", k, b[k]; for (k in s) printf "%s=%d ", k, s[k] }' "$1" |
		tr ' ' '\n' | sort | tr '\n' ' '
}

t0=$(now_ms)
if ! sites_up; then
	bad "the two-site lab came up"
	check_summary
	exit 1
fi
mkdir -p "$T"
check "all four edgelbd started" sites_balancers_start
echo "    lab and balancers up in $(ms_to_s $(($(now_ms) - t0))) s"

# 1. one master per site
for site in dc1 dc2; do
	check "$site: exactly one VRRP master, one backup" wait_until 10 one_master "$site"
done
m1=$(master_of dc1) m2=$(master_of dc2)
echo "    masters: dc1 $m1, dc2 $m2"

# 2. six backends up everywhere: the other site's are checked (and
# forwarded to) through the router
for lb in $SITES_LBS; do
	check "$lb sees all six backends up, next hops resolved" wait_until 15 six_up "$lb"
done

# 3. the same flows through each balancer
for lb in $SITES_LBS; do
	sites_vip_route "$lb"
	before=$(new_flows "$lb")
	sites_conns "$FIRST" "$COUNT" >"$T/via-$lb"
	n=$(answered "$T/via-$lb")
	check "$COUNT flows through $lb ($(sites_site "$lb")): $n answered" [ "$n" -eq "$COUNT" ]
	nf=$(($(new_flows "$lb") - before))
	check "they went through $lb ($nf new flows in its data plane)" [ "$nf" -ge "$COUNT" ]
	echo "    via $lb: $(spread "$T/via-$lb")"
done
for lb in lb2 lb3 lb4; do
	d=$(disagreements "$T/via-lb1" "$T/via-$lb")
	check "$lb sends every flow where lb1 does ($d disagreements)" [ "$d" -eq 0 ]
done

# 4. the router's ECMP route: both sites' masters take flows
sites_vip_route ecmp
b1=$(new_flows "$m1") b2=$(new_flows "$m2")
sites_conns "$FIRST" "$COUNT" >"$T/via-ecmp"
n=$(answered "$T/via-ecmp")
check "$COUNT flows through the router's ECMP route: $n answered" [ "$n" -eq "$COUNT" ]
f1=$(($(new_flows "$m1") - b1)) f2=$(($(new_flows "$m2") - b2))
check "ECMP spreads over both sites (dc1's $m1 $f1 new flows, dc2's $m2 $f2)" \
	[ $((f1 > 0 && f2 > 0)) -eq 1 ]
d=$(disagreements "$T/via-lb1" "$T/via-ecmp")
check "through ECMP every flow lands where it did through each balancer ($d disagreements)" \
	[ "$d" -eq 0 ]
for be in $SITES_BES; do
	c=$(grep -c " $be $(sites_site "$be")$" "$T/via-ecmp")
	check "$be ($(sites_site "$be")) took part ($c flows)" [ "$c" -gt 0 ]
done

# 5. teardown: whatever ran in the lab's namespaces is gone with them
pids=$(for ns in $(ip netns list | awk '{print $1}' | grep "^$SITES_PREFIX-"); do ip netns pids "$ns"; done)
sites_down
check "no namespace $SITES_PREFIX-* left" bash -c "! ip netns list | grep -q '^$SITES_PREFIX-'"
alive=0
for pid in $pids; do
	# a killed process not yet reaped by its parent is a zombie: gone
	ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z && alive=$((alive + 1))
done
check "none of the lab's $(wc -w <<<"$pids") processes left ($alive alive)" [ "$alive" -eq 0 ]
check "no bpffs mounted at $SITES_DIR/bpffs, no $SITES_DIR" \
	bash -c "! grep -q ' $SITES_DIR/' /proc/mounts && [ ! -e '$SITES_DIR' ]"

echo
check_summary
