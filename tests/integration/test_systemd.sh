#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelbd under systemd, without systemd running (docs/operations.md):
#
#  1. the shipped units (packaging/systemd/, as this build configured
#     them) pass `systemd-analyze verify`, pointed at this build's binaries
#     and man pages;
#  2. edgelbd in the lab, started as edgelbd.service would start it: with
#     the unit's capability bounding set and no-new-privs, NOTIFY_SOCKET
#     set to a listener's socket (notify_listen) and WATCHDOG_USEC set.
#     READY=1 comes once, and lbctl status answers at that very moment;
#     STATUS= names the services and the data plane; the data plane,
#     VRRP and health checks through the tunnel work under those
#     capabilities; WATCHDOG=1 comes every WATCHDOG_USEC / 2;
#  3. SIGHUP (ExecReload) sends RELOADING=1 with MONOTONIC_USEC, then
#     READY=1, also for a rejected file, and so does lbctl config reload;
#     a VIP added with lbctl updates STATUS=;
#  4. SIGTERM sends STOPPING=1, edgelbd exits 0 and the XDP data plane
#     still forwards without it (why Restart= may restart it freely); the
#     next edgelbd reports the adopted data plane in its STATUS=;
#  5. a NOTIFY_SOCKET nobody listens on costs one warning, not the start.
#
# usage: test_systemd.sh BUILDDIR NOTIFY_LISTEN   (root; exits 77 when it
# cannot run, 1 under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_systemd.sh BUILDDIR NOTIFY_LISTEN}" && pwd)
LISTEN=${2:?usage: test_systemd.sh BUILDDIR NOTIFY_LISTEN}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# two balancers' config (a VRRP instance), but only lb1 runs: it becomes
# master alone, which exercises VRRP's raw sockets and addresses
export BUILD LAB_PREFIX=elbsd$$ LAB_LBS=2
LAB_HEALTH='type = "http"; interval = 0.2; timeout = 0.15; rise = 1; fall = 2;
  through_tunnel = true; http = { path = "/health"; };'
export LAB_HEALTH
# shellcheck source=../../tools/lab/lab.sh
source "$SRC/tools/lab/lab.sh"
# shellcheck source=check.sh
source "$SRC/tests/integration/check.sh"

need_root "namespaces, XDP"
need_tools ip ethtool python3 ss jq bpftool setpriv
command -v systemd-analyze >/dev/null ||
	skip_or_fail "systemd-analyze is not installed (Debian package systemd; run tools/install-deps.sh)"

listener=
cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
	lab_down
}
trap cleanup EXIT

UNITS=$BUILD/packaging/systemd
T=$(mktemp -d /tmp/test_systemd.XXXXXX)
# lab_down removes $LAB_DIR; our files live beside it until the end
trap 'cleanup; rm -rf "$T"' EXIT

# ---- 1. the units ----------------------------------------------------------
# Verified as installed, but running this build: ExecStart must name an
# executable, and Documentation= man pages must exist (MANPATH).
mkdir -p "$T/units" "$T/man/man5" "$T/man/man8"
cp "$SRC"/docs/*.8 "$T/man/man8/"
cp "$SRC"/docs/*.5 "$T/man/man5/"
sbindir=$(sed -n 's|^ExecStart=\(.*\)/edgelbd .*|\1|p' "$UNITS/edgelbd.service")
check "edgelbd.service runs edgelbd from the install's sbindir ($sbindir)" [ -n "$sbindir" ]
units=()
for u in edgelbd edgelb-dpdk; do
	[ -f "$UNITS/$u.service" ] || continue
	sed -e "s|$sbindir/edgelbd |$BUILD/controlplane/edgelbd |" \
		-e "s|$sbindir/edgelb-dpdk |$BUILD/dataplane/dpdk/edgelb-dpdk |" \
		"$UNITS/$u.service" >"$T/units/$u.service"
	units+=("$T/units/$u.service")
done
if MANPATH=$T/man systemd-analyze verify "${units[@]}" >"$T/verify" 2>&1; then
	ok "systemd-analyze verify ${units[*]##*/}: no complaint"
	[ ! -s "$T/verify" ] || cat "$T/verify"
else
	bad "systemd-analyze verify ${units[*]##*/}:"
	cat "$T/verify"
fi
unit_val() { sed -n "s/^$1=//p" "$UNITS/edgelbd.service"; }
check "edgelbd.service is Type=notify" [ "$(unit_val Type)" = notify ]
check "edgelbd.service restarts on failure" [ "$(unit_val Restart)" = on-failure ]
check "edgelbd.service does not bind edgelb-dpdk.service's life to its own" \
	bash -c "! grep -Eq '^(BindsTo|PartOf|Requires|Requisite|Upholds)=.*edgelb-dpdk' '$UNITS/edgelbd.service'"
if [ -f "$UNITS/edgelb-dpdk.service" ]; then
	check "edgelb-dpdk.service does not stop with edgelbd.service" \
		bash -c "! grep -Eq '^(BindsTo|PartOf|Requires|Requisite)=.*edgelbd' '$UNITS/edgelb-dpdk.service'"
fi

# ---- 2. start as the unit starts it -----------------------------------------
# CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN ... -> setpriv's +bpf,+net_admin,...
caps=$(unit_val CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed -e 's/cap_/+/g' -e 's/ /,/g')
check "the unit bounds the capabilities ($caps)" [ -n "$caps" ]

lab_up 3 || exit 1
lab_config 3 lb1 >/dev/null
SOCK=$(lab_file lb1 sock)
CONF=$(lab_file lb1 conf)
LOG=$(lab_file lb1 log)
NLOG=$T/notify.log
"$LISTEN" "$T/notify.sock" "$NLOG" "$BUILD/tools/lbctl" -s "$SOCK" status &
listener=$!
wait_until 5 test -S "$T/notify.sock" || {
	bad "notify_listen did not bind $T/notify.sock"
	exit 1
}

# edgelbd_unit [ENV...]: edgelbd in lb1 as the unit runs it; its pid in $edgelbd
edgelbd_unit() {
	ip netns exec "$(lab_ns lb1)" env "$@" \
		setpriv --no-new-privs --bounding-set "-all,$caps" \
		"$BUILD/controlplane/edgelbd" -c "$CONF" >>"$LOG" 2>&1 &
	edgelbd=$!
}
count() { grep -c " $1\$" "$NLOG"; }
count_at_least() { [ "$(count "$1")" -ge "$2" ]; }

WATCHDOG_MS=300
edgelbd_unit NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=$((WATCHDOG_MS * 1000))
if ! wait_until 20 count_at_least READY=1 1; then
	bad "READY=1 within 20 s of the start"
	tail -20 "$LOG"
	exit 1
fi
ok "READY=1 sent at start"
# notify_listen logs "CHECK <status of lbctl status>" after each READY=1
check "lbctl status answered the moment READY=1 arrived" \
	bash -c "sed -n '/ READY=1\$/,\$p' '$NLOG' | grep -m1 ' CHECK ' | grep -q ' CHECK 0\$'"
status=$(sed -n 's/^[0-9]* STATUS=//p' "$NLOG" | head -1)
check "STATUS= names services and data plane (\"$status\")" \
	bash -c "[[ '$status' == 'serving 2 services, 6 backends; data plane xdp ('*') on eth0' ]]"
check "edgelbd logged no failure to notify" bash -c "! grep -q 'cannot notify systemd' '$LOG'"
check "the XDP program is attached under the unit's capabilities" \
	bash -c "ip -n '$(lab_ns lb1)' link show eth0 | grep -q 'prog/xdp'"
vrrp_master() { lab_lbctl vrrp status 2>/dev/null | grep -q MASTER; }
check "VRRP became master under the unit's capabilities" wait_until 10 vrrp_master
all_up() { [ "$(lab_lbctl --json health web | jq '[.backends[] | select(.health == "up")] | length')" -eq 3 ]; }
check "health checks through the tunnel pass under the unit's capabilities" wait_until 10 all_up
lab_client conns "$LAB_VIP" 80 20000 50 >"$T/conns"
check "50 connections through the VIP" [ "$(grep -vc FAILED "$T/conns")" -eq 50 ]
# a ready edgelbd ticks every WATCHDOG_USEC / 2
wd0=$(count WATCHDOG=1)
sleep 1
wd=$(($(count WATCHDOG=1) - wd0))
check "WATCHDOG=1 every $((WATCHDOG_MS / 2)) ms ($wd in 1 s)" test "$wd" -ge 4 -a "$wd" -le 8
check "READY=1 sent once for one start" [ "$(count READY=1)" -eq 1 ]

# ---- 3. reloads --------------------------------------------------------------
kill -HUP "$edgelbd"
check "SIGHUP: READY=1 again after the reload" wait_until 10 count_at_least READY=1 2
check "SIGHUP: RELOADING=1 before it" \
	bash -c "grep -E ' (RELOADING|READY)=1\$' '$NLOG' | tail -2 | tr '\n' ' ' | grep -q 'RELOADING=1 .*READY=1'"
check "RELOADING=1 carries MONOTONIC_USEC" grep -q ' MONOTONIC_USEC=[0-9]' "$NLOG"
cp "$CONF" "$T/good.conf"
echo 'services = "not a list";' >>"$CONF"
kill -HUP "$edgelbd"
check "a rejected reload is ready again too (the running config stays)" \
	wait_until 10 count_at_least READY=1 3
check "RELOADING=1 for each reload" [ "$(count RELOADING=1)" -eq 2 ]
cp "$T/good.conf" "$CONF"
check "lbctl config reload applies the file" lab_lbctl config reload
check "lbctl config reload: READY=1 again" wait_until 10 count_at_least READY=1 4
check "lbctl config reload: RELOADING=1 before it, as for SIGHUP" \
	bash -c "[ \"\$(grep -c ' RELOADING=1\$' '$NLOG')\" -eq 3 ] &&
		grep -E ' (RELOADING|READY)=1\$' '$NLOG' | tail -2 | tr '\n' ' ' | grep -q 'RELOADING=1 .*READY=1'"
lab_lbctl vip add extra 10.99.0.20 81 >/dev/null
has_status() { grep -q " STATUS=serving $1 services" "$NLOG"; }
check "lbctl vip add updates STATUS= (3 services)" wait_until 5 has_status 3

# ---- 4. stop, and a restart that adopts --------------------------------------
kill -TERM "$edgelbd"
wait "$edgelbd"
rc=$?
check "SIGTERM: edgelbd exits 0 (Restart=on-failure leaves it stopped)" [ "$rc" -eq 0 ]
check "SIGTERM: STOPPING=1 sent" [ "$(count STOPPING=1)" -eq 1 ]
check "the XDP program stays attached without edgelbd" \
	bash -c "ip -n '$(lab_ns lb1)' link show eth0 | grep -q 'prog/xdp'"
# lb1 resigned its VRRP VIP on stop; lb2's namespace holds nothing: put it
# on lb1's interface by hand, as a peer would take it over
ip -n "$(lab_ns lb1)" addr add "$LAB_VIP/32" dev eth0 2>/dev/null
lab_client conns "$LAB_VIP" 80 21000 50 >"$T/conns_stopped"
check "50 connections through the data plane while edgelbd is stopped" \
	[ "$(grep -vc FAILED "$T/conns_stopped")" -eq 50 ]
ip -n "$(lab_ns lb1)" addr del "$LAB_VIP/32" dev eth0 2>/dev/null
edgelbd_unit NOTIFY_SOCKET="$T/notify.sock"
check "restart: READY=1" wait_until 20 count_at_least READY=1 5
check "restart: STATUS= says the data plane was adopted" \
	grep -q ' STATUS=serving .* data plane xdp (adopted) on eth0' "$NLOG"
kill -TERM "$edgelbd"
wait "$edgelbd"
check "restart: STOPPING=1 at its stop" [ "$(count STOPPING=1)" -eq 2 ]

# ---- 5. nobody listening -----------------------------------------------------
edgelbd_unit NOTIFY_SOCKET="$T/nobody.sock"
lbctl_quiet() { lab_lbctl status >/dev/null 2>&1; }
check "NOTIFY_SOCKET without a listener: edgelbd still serves" wait_until 20 lbctl_quiet
check "... and says so once" [ "$(grep -c 'cannot notify systemd' "$LOG")" -eq 1 ]
kill -TERM "$edgelbd"
wait "$edgelbd"
check "... and still exits 0 on SIGTERM" [ $? -eq 0 ]

check_summary
