#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# edgelb-dpdk as an operator runs it, on null ports (no root, no NIC):
# --help and --version without EAL; a run that creates its tables,
# forwards (null frames are not IP: all to the exception port) and stops
# cleanly on SIGTERM with its counts; a second data plane on the same
# tables is refused; bad options exit 1. Then several lcores: on null
# ports (RSS) every lcore is a worker with a queue of its own; on a ring
# port (no RSS) the main lcore dispatches to the others; every worker
# stops on SIGTERM. Leaves nothing in /dev/shm or
# EAL's runtime directory.
#
# usage: test_app.sh EDGELB_DPDK
set -euo pipefail
bin=$1
prefix=edgelb-t$$
tables=/dev/shm/edgelb-test-app-$$
out=$(mktemp)
if [ "$(id -u)" -eq 0 ]; then rundir=/var/run/dpdk; else rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$rundir/$prefix" "$rundir/$prefix-2" "$tables" "$out"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- edgelb-dpdk's output:"
	cat "$out"
	exit 1
}

# the first CPU we may run on: EAL's only lcore
cpu=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | cut -d, -f1 | cut -d- -f1)
eal=(-l "$cpu" --no-huge -m 256 --no-pci --log-level lib.eal:error)

"$bin" --help | grep -q -- '--exception PORT' || fail "--help does not describe --exception"
"$bin" --version | grep -q '^edgelb-dpdk [0-9].* (DPDK ' || fail "--version"

# bad options: exit 1 with a message, before any port starts
if "$bin" "${eal[@]}" --file-prefix "$prefix" -- --flows x >"$out" 2>&1; then
	fail "--flows x was accepted"
fi
grep -q 'flows: "x" is not a number' "$out" || fail "no message for --flows x"
if "$bin" "${eal[@]}" --file-prefix "$prefix" -- --data net_null0 --tables "$tables" \
	>"$out" 2>&1; then
	fail "started without a tables file"
fi
grep -q 'pass --create' "$out" || fail "no hint at --create"

"$bin" "${eal[@]}" --file-prefix "$prefix" --vdev net_null0 --vdev net_null1 -- \
	--data net_null0 --exception net_null1 --ifindex 5 --tables "$tables" --create \
	>"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q '^edgelb-dpdk: forwarding' "$out" && break
	kill -0 "$pid" 2>/dev/null || fail "edgelb-dpdk exited at start"
	sleep 0.1
done
grep -q '^edgelb-dpdk: forwarding' "$out" || fail "not forwarding after 10 s"
[ -f "$tables" ] || fail "--create made no $tables"

# one data plane per tables file
if "$bin" "${eal[@]}" --file-prefix "$prefix-2" --vdev net_null0 -- --data net_null0 \
	--ifindex 5 --tables "$tables" >"$out.2" 2>&1; then
	cat "$out.2" >>"$out"
	rm -f "$out.2"
	fail "a second data plane attached"
fi
grep -q 'another data plane is attached' "$out.2" || { cat "$out.2" >>"$out"; rm -f "$out.2"; fail "no message for the second data plane"; }
rm -f "$out.2"

sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
line=$(grep '^edgelb-dpdk: stopped:' "$out") || fail "no counts on exit"
rx=$(sed -E 's/.* rx ([0-9]+),.*/\1/' <<<"$line")
up=$(sed -E 's/.* to the kernel ([0-9]+),.*/\1/' <<<"$line")
[ "$rx" -gt 0 ] || fail "nothing received: $line"
[ "$rx" -eq "$up" ] || fail "null frames are not IP: all should go to the kernel: $line"
echo "ok: $line"

# multi LCORES VDEV WORKERS MODE: edgelb-dpdk on LCORES lcores (all on our
# CPU) forwards on WORKERS workers, its data port VDEV's RX queues MODE
multi() {
	local lcores=$1 vdev=$2 workers=$3 mode=$4 list= i rc
	for ((i = 0; i < lcores; i++)); do list+="${list:+,}$i@$cpu"; done
	# emptied here, not by the redirection below: that one runs in the
	# background child, maybe after the loop below has read the previous
	# run's "forwarding on N workers"
	: >"$out"
	"$bin" --lcores "$list" --no-huge -m 256 --no-pci --log-level lib.eal:error \
		--file-prefix "$prefix" --vdev "$vdev" --vdev net_null1 -- \
		--data "${vdev%%,*}" --exception net_null1 --ifindex 5 --tables "$tables" \
		>"$out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^edgelb-dpdk: forwarding' "$out" && break
		kill -0 "$pid" 2>/dev/null || fail "edgelb-dpdk exited at start"
		sleep 0.1
	done
	grep -q "^edgelb-dpdk: forwarding on $workers workers" "$out" ||
		fail "$lcores lcores, $vdev: not forwarding on $workers workers"
	grep -q "^edgelb-dpdk: port ${vdev%%,*}: .*($mode)" "$out" || fail "$vdev is not $mode"
	sleep 0.5
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
	[ "$(grep -c '^edgelb-dpdk: worker [0-9]*: rx' "$out")" -eq "$workers" ] ||
		fail "not every worker counted on exit"
	line=$(grep '^edgelb-dpdk: stopped:' "$out") || fail "no counts on exit"
	echo "ok: $lcores lcores, $vdev: $workers workers ($mode); $line"
}
multi 3 net_null0 3 RSS
multi 3 net_ring0 2 dispatched
