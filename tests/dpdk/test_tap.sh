#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The exception path through a real TAP (net_tap), in a network namespace
# of its own (unshare -n: no other test's interfaces are touched): the TAP
# appears with the data port's MAC, its ifindex is the port's node-config
# key, what is not for a VIP reaches the kernel, and what the kernel sends
# on the TAP (ARP for a neighbour) leaves by the data port; with one lcore,
# then with two (two workers, each with a queue pair of the TAP). Needs root
# (TAP devices): skipped without, failed under CI (tools/test.sh).
#
# usage: test_tap.sh EDGELB_DPDK
set -euo pipefail
bin=$1
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "SKIP: the TAP test needs root and /dev/net/tun"
	exit 77
fi
prefix=edgelb-t$$
out=$(mktemp)
trap 'rm -rf "/var/run/dpdk/$prefix" "/dev/shm/edgelb-test-tap-$$" "$out"' EXIT
cpu=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | cut -d, -f1 | cut -d- -f1)

for workers in 1 2; do
lcores="-l $cpu"
[ "$workers" -eq 1 ] || lcores="--lcores 0@$cpu,1@$cpu"
unshare -n env bin="$bin" lcores="$lcores" workers="$workers" prefix="$prefix" out="$out" tables="/dev/shm/edgelb-test-tap-$$" \
	bash -euo pipefail -c '
pid=
# a failure stops the data plane too: nothing is left running in the namespace
stop() { [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true; }
trap stop EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }
# shellcheck disable=SC2086 # lcores: EAL option and value
"$bin" $lcores --no-huge -m 256 --no-pci --file-prefix "$prefix" --log-level lib.eal:error \
	--log-level pmd.net.tap:critical --vdev net_null0 --vdev net_tap0,iface=edgetap0 -- \
	--data net_null0 --exception net_tap0 --tables "$tables" --create >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "^edgelb-dpdk: forwarding" "$out" && break
	kill -0 $pid 2>/dev/null || fail "edgelb-dpdk exited at start"
	sleep 0.1
done
line=$(grep "^edgelb-dpdk: port net_null0, MAC" "$out") || fail "not started"
grep -q "^edgelb-dpdk: forwarding on $workers worker" "$out" || fail "not on $workers workers"
link=$(ip -o link show edgetap0) || fail "no TAP edgetap0"
ifindex=${link%%:*}
mac=$(sed -E "s/.*link\/ether ([0-9a-f:]+).*/\1/" <<<"$link")
grep -q "MAC $mac: node config of ifindex $ifindex," <<<"$line" ||
	fail "the TAP ($mac, ifindex $ifindex) is not what the port says: $line"
ip link set edgetap0 up
ip addr add 192.0.2.1/24 dev edgetap0
ping -c 2 -W 1 192.0.2.9 >/dev/null 2>&1 || true # the ARP requests are what counts
kill -TERM $pid
rc=0
wait $pid || rc=$?
pid=
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"
stats=$(grep "^edgelb-dpdk: stopped:" "$out") || fail "no counts on exit"
from=$(sed -E "s/.* from the kernel ([0-9]+),.*/\1/" <<<"$stats")
up=$(sed -E "s/.* to the kernel ([0-9]+),.*/\1/" <<<"$stats")
[ "$from" -gt 0 ] || fail "nothing the kernel sent left by the data port: $stats"
[ "$up" -gt 0 ] || fail "nothing reached the kernel: $stats"
echo "ok: $lcores: TAP ifindex $ifindex, MAC $mac; $stats"
'
rm -f "/dev/shm/edgelb-test-tap-$$"
done
