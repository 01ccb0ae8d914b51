#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# VRRP on the wire against the real keepalived (controlplane/vrrp/io.c and
# garp.c through the vrrp_wire driver). Two namespaces on a veth pair:
#   ka: keepalived (VRRP only, foreground), ka0 10.77.0.1/24, fd77::1/64
#   us: vrrp_wire,                          us0 10.77.0.2/24, fd77::2/64
# Checks, for v3 IPv4 (vrid 51), v3 IPv6 (vrid 52) and v2 + password
# (vrid 53), keepalived priority 100, advert_int 0.1 (1 s for v2):
#  a. keepalived's adverts as MASTER arrive and parse (vrid, prio, interval, VIP)
#  b. our priority-200 adverts make it BACKUP and keep it there; when they
#     stop it is MASTER again after ~3 intervals + skew
#  c. our priority-0 advert makes it MASTER within its skew time
#  d. (IPv4 and IPv6) our GARP / unsolicited NA replaces a stale neighbour
#     entry on the peer with our MAC
# Usage: test_vrrp_wire.sh VRRP_WIRE. Exits 77 without root or keepalived
# (1 under CI=true: check.sh's skip_or_fail).
set -euo pipefail

WIRE=${1:?usage: test_vrrp_wire.sh VRRP_WIRE}
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"
need_root "network namespaces, VRRP sockets"
need_tools ip keepalived
KA=$(command -v keepalived || true)
[ -x "${KA:-/usr/sbin/keepalived}" ] || KA=/usr/sbin/keepalived

tag=vw$$
NS_KA=$tag-ka
NS_US=$tag-us
DIR=$(mktemp -d /tmp/vrrp-wire.XXXXXX)
KA_PID=
KA_NAME=

cleanup() {
	set +e
	stop_ka
	ip netns del "$NS_KA" 2>/dev/null
	ip netns del "$NS_US" 2>/dev/null
	if [ "$failed" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		echo "logs kept in $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ux() { ip netns exec "$NS_US" "$@"; }

ip netns add "$NS_KA"
ip netns add "$NS_US"
ip link add ka0 netns "$NS_KA" type veth peer name us0 netns "$NS_US"
for ns in "$NS_KA" "$NS_US"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip -n "$NS_KA" link set ka0 address 02:77:00:00:00:01
ip -n "$NS_US" link set us0 address 02:77:00:00:00:02
ip -n "$NS_KA" addr add 10.77.0.1/24 dev ka0
ip -n "$NS_US" addr add 10.77.0.2/24 dev us0
ip -n "$NS_KA" addr add fd77::1/64 dev ka0 nodad
ip -n "$NS_US" addr add fd77::2/64 dev us0 nodad
ip -n "$NS_KA" link set ka0 up
ip -n "$NS_US" link set us0 up
US_MAC=$(ip -n "$NS_US" -br link show us0 | awk '{print $3}')
# our IPv6 source: the link-local address (RFC 5798 5.1.2.1)
US_LL=
for _ in $(seq 50); do
	US_LL=$(ip -n "$NS_US" -6 -br addr show dev us0 scope link | awk '{print $3}' | cut -d/ -f1)
	[ -n "$US_LL" ] && break
	sleep 0.1
done
[ -n "$US_LL" ] || { bad "no link-local address on us0"; exit 1; }

cat >"$DIR/notify.sh" <<'EON'
#!/bin/sh
# keepalived notify: TYPE NAME STATE PRIORITY
echo "$3" >"$NOTIFY_DIR/state.$2.tmp" && mv "$NOTIFY_DIR/state.$2.tmp" "$NOTIFY_DIR/state.$2"
EON
sed -i "s|\$NOTIFY_DIR|$DIR|g" "$DIR/notify.sh"
chmod 755 "$DIR/notify.sh"

# start_ka NAME VERSION VRID ADVERT_INT VIP [PASS]
start_ka() {
	local name=$1 version=$2 vrid=$3 adv=$4 vip=$5 pass=${6:-} auth=
	[ -n "$pass" ] && auth="authentication { auth_type PASS
 auth_pass $pass }"
	cat >"$DIR/$name.conf" <<EOC
global_defs {
	router_id $name
	script_user root
	vrrp_version $version
}
vrrp_instance $name {
	state BACKUP
	interface ka0
	virtual_router_id $vrid
	priority 100
	advert_int $adv
	$auth
	virtual_ipaddress {
		$vip
	}
	notify $DIR/notify.sh
}
EOC
	rm -f "$DIR/state.$name"
	# not through kx: $! must be keepalived itself (ip netns exec execs it)
	ip netns exec "$NS_KA" "$KA" --vrrp -n -l -D -f "$DIR/$name.conf" \
		-p "$DIR/$name.pid" -r "$DIR/$name.vrrp.pid" >"$DIR/$name.log" 2>&1 &
	KA_PID=$!
	KA_NAME=$name
}

stop_ka() {
	[ -n "$KA_PID" ] || return 0
	kill -TERM "$KA_PID" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$KA_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$KA_PID" 2>/dev/null; then
		# its VRRP child too, by the pid file it wrote
		kill -KILL "$(cat "$DIR/$KA_NAME.vrrp.pid" 2>/dev/null)" "$KA_PID" 2>/dev/null || true
	fi
	wait "$KA_PID" 2>/dev/null || true
	KA_PID=
}

ka_state() { cat "$DIR/state.$1" 2>/dev/null || echo NONE; }

# wait_state NAME STATE TENTHS
wait_state() {
	for _ in $(seq "$3"); do
		[ "$(ka_state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# run_case NAME VERSION VRID ADV_SECS INT_CS SRC VIP PASS DOWN_MAX_MS SKEW_MAX_MS
run_case() {
	local name=$1 version=$2 vrid=$3 adv=$4 int=$5 src=$6 vip=$7 pass=$8
	local down_max=$9 skew_max=${10} out takeover dur=$((int * 10 * 6 > 2000 ? int * 10 * 6 : 2000))
	local want_auth=0 kapass=
	[ "$pass" != - ] && { want_auth=1; kapass=$pass; }
	echo "--- $name: keepalived v$version vrid $vrid advert_int $adv VIP $vip"
	start_ka "$name" "$version" "$vrid" "$adv" "$vip" $kapass

	# a. keepalived becomes MASTER; its adverts arrive and parse
	if wait_state "$name" MASTER 100; then
		ok "$name: keepalived MASTER"
	else
		bad "$name: keepalived never MASTER"; cat "$DIR/$name.log"; stop_ka; return
	fi
	out=$(ux "$WIRE" recv us0 "$src" $((int * 10 * 5 + 1000)) 3 || true)
	echo "$out"
	local v=${vip%/*}
	if [ "$(grep -c "^advert v=$version vrid=$vrid prio=100 int_cs=$int .* auth=$want_auth.* addrs=$v\$" <<<"$out")" -eq 3 ]; then
		ok "$name(a): 3 adverts parsed: v$version vrid $vrid prio 100 interval $int cs VIP $v"
	else
		bad "$name(a): adverts not as expected"
	fi

	# b. our priority 200 makes it BACKUP and keeps it so; silence → MASTER
	out=$(ux "$WIRE" send us0 "$src" "$vrid" 200 "$int" "$dur" $((int * 10 * 8)) 0 "$pass" "$v" &
	      sleep $((dur / 2000)).$(((dur / 2) % 1000 / 100)); ka_state "$name" >"$DIR/mid.$name"; wait)
	echo "$out"
	takeover=$(sed -n 's/^takeover_ms=//p' <<<"$out")
	if [ "$(cat "$DIR/mid.$name")" = BACKUP ] &&
		grep -q 'peer_adverts_while_master=0$' <<<"$out"; then
		ok "$name(b): keepalived BACKUP under our prio-200 adverts, silent for $((dur - 500)) ms"
	else
		bad "$name(b): keepalived state $(cat "$DIR/mid.$name") while we sent"
	fi
	if [[ "$takeover" =~ ^[0-9]+$ ]] && [ "$takeover" -le "$down_max" ] &&
		[ "$takeover" -ge $((int * 10 * 3)) ]; then
		ok "$name(b): keepalived MASTER again ${takeover} ms after our last advert (3 x $((int * 10)) + skew, limit $down_max)"
	else
		bad "$name(b): takeover after silence: ${takeover:-none} ms (want $((int * 30))..$down_max)"
	fi
	wait_state "$name" MASTER 30 || bad "$name(b): notify never said MASTER"

	# c. our priority-0 advert: keepalived takes over within its skew time
	out=$(ux "$WIRE" send us0 "$src" "$vrid" 200 "$int" "$dur" $((int * 10 * 8)) 1 "$pass" "$v" || true)
	echo "$out"
	takeover=$(sed -n 's/^takeover_ms=//p' <<<"$out")
	if [[ "$takeover" =~ ^[0-9]+$ ]] && [ "$takeover" -le "$skew_max" ]; then
		ok "$name(c): keepalived MASTER ${takeover} ms after our priority-0 advert (limit $skew_max)"
	else
		bad "$name(c): takeover after resign: ${takeover:-none} ms (limit $skew_max)"
	fi
	stop_ka
}

# d. GARP / unsolicited NA: a stale entry with another MAC becomes ours
garp_case() {
	local vip=$1 fam=$2
	ip -n "$NS_KA" "$fam" neigh replace "$vip" lladdr 02:99:99:99:99:99 dev ka0 nud stale
	ux "$WIRE" garp us0 "$US_MAC" "$vip"
	for _ in $(seq 20); do
		ip -n "$NS_KA" "$fam" neigh show "$vip" dev ka0 | grep -qi "lladdr $US_MAC" && break
		sleep 0.1
	done
	local n
	n=$(ip -n "$NS_KA" "$fam" neigh show "$vip" dev ka0)
	echo "peer neigh: $n"
	if grep -qi "lladdr $US_MAC" <<<"$n"; then
		ok "(d) $vip: peer's neighbour entry now has our MAC $US_MAC"
	else
		bad "(d) $vip: peer's neighbour entry is '$n', not $US_MAC"
	fi
}

# skew = (256 - 100) / 256 x advert: 61 ms at 100 ms, 609 ms at 1 s (v2)
run_case v3ip4 3 51 0.1 10 10.77.0.2 10.77.0.100/32 - 600 250
run_case v3ip6 3 52 0.1 10 "$US_LL" fd77::100/128 - 600 250
run_case v2pass 2 53 1 100 10.77.0.2 10.77.0.100/32 s3cret 4500 1300
garp_case 10.77.0.101 -4
garp_case fd77::101 -6

check_summary
