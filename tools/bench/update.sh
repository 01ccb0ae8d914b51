#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Update latency: 100 services x 100 backends in one edgelbd (in a network
# namespace of its own, XDP on a veth), then bench-update times CHANGES
# random `lbctl backend drain|undrain` from the command to the live ring.
#
# usage: tools/bench/update.sh [BUILDDIR] [CHANGES]     (root)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
CHANGES=${2:-300}
NS=elbupd$$
DIR=$(mktemp -d /tmp/edgelb-update.XXXXXX)

cleanup() {
	[ -f "$DIR/pid" ] && kill -9 "$(cat "$DIR/pid")" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "${NS}gw" 2>/dev/null
	mountpoint -q "$DIR/bpffs" && umount "$DIR/bpffs"
	rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/bpffs"
mount -t bpf bpf "$DIR/bpffs"
ip netns add "$NS"
ip netns add "${NS}gw"
ip -n "$NS" link add eth0 type veth peer name gw0 netns "${NS}gw"
ip -n "$NS" link set lo up
ip -n "$NS" link set eth0 up
ip -n "${NS}gw" link set gw0 up
ip -n "$NS" addr add 10.96.0.2/24 dev eth0
ip -n "${NS}gw" addr add 10.96.0.1/24 dev gw0
# every backend behind one gateway: one neighbour to resolve
ip -n "$NS" route add 10.97.0.0/16 via 10.96.0.1 dev eth0
# XDP_TX into the veth needs a program on the peer (LAB-FACTS.md)
ip -n "${NS}gw" link set dev gw0 xdp obj "$BUILD/bpf/pass.bpf.o" sec xdp

{
	echo "instance = \"upd\"; pin_dir = \"$DIR/bpffs/edgelb\";"
	echo "state_file = \"$DIR/state\"; control_socket = \"$DIR/sock\";"
	echo "dataplane = { interfaces = [ \"eth0\" ]; flow_table_size = 4096; };"
	echo "services = ("
	for s in $(seq 0 99); do
		echo "{ name = \"svc$s\"; vip = \"10.98.$((s / 250)).$((s % 250 + 1))\"; port = 80;"
		echo "  protocol = \"tcp\"; health = { type = \"none\"; }; backends = ("
		for b in $(seq 0 99); do
			sep=","
			[ "$b" -eq 99 ] && sep=""
			echo "  { name = \"b$b\"; address = \"10.97.$s.$((b + 1))\"; }$sep"
		done
		sep=","
		[ "$s" -eq 99 ] && sep=""
		echo ") }$sep"
	done
	echo ");"
} >"$DIR/edgelb.conf"

ip netns exec "$NS" "$BUILD/controlplane/edgelbd" -c "$DIR/edgelb.conf" >"$DIR/log" 2>&1 &
echo $! >"$DIR/pid"
for _ in $(seq 200); do
	"$BUILD/tools/lbctl" -s "$DIR/sock" status >/dev/null 2>&1 && break
	sleep 0.1
done
"$BUILD/tools/lbctl" -s "$DIR/sock" status | sed -n '1,6p'
"$BUILD/tools/bench/bench-update" "$DIR/bpffs/edgelb" "$BUILD/tools/lbctl" "$DIR/sock" "$CHANGES"
