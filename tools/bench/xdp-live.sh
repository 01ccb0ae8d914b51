#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Live-traffic figure of the XDP balancer: Mpps on one core with
# BPF_F_TEST_XDP_LIVE_FRAMES. Makes a network namespace with a veth pair,
# runs "bench-xdp --live" inside it (the balancer's XDP_TX leaves through
# the first veth, a counting XDP program on the peer receives), and
# deletes the namespace on every exit, failure and signal included.
# Where the kernel refuses live frames, bench-xdp says so and sends the
# frames from a packet socket instead, through the same veth pair (the
# balancer then runs as the second veth's XDP program); --socket forces it.
#
# usage: xdp-live.sh [path/to/bench-xdp] [bench-xdp options...]
#        (default: bench-xdp next to this script, then in PATH)
# Needs root, ip(8). Uses no address outside the namespace it creates.
set -eu

bench=
if [ $# -gt 0 ] && [ -x "$1" ] && [ -f "$1" ]; then
	bench=$1
	shift
elif [ -x "$(dirname "$0")/bench-xdp" ]; then
	bench=$(dirname "$0")/bench-xdp
else
	bench=$(command -v bench-xdp || true)
fi
if [ -z "$bench" ]; then
	echo "xdp-live.sh: bench-xdp not found; give its path as the first argument" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "xdp-live.sh: needs root (namespaces, XDP)" >&2
	exit 77
fi

ns=edgelb-bench-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns"
# No IPv6 on the pair: its router and listener solicitations would reach
# the balancer, when it runs as a veth's XDP program, as packets no row sent.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add elb-tx type veth peer name elb-rx
ip -n "$ns" link set lo up
ip -n "$ns" link set elb-tx up
ip -n "$ns" link set elb-rx up

# Not exec: the trap must still run when bench-xdp fails.
status=0
ip netns exec "$ns" "$bench" --live elb-tx elb-rx "$@" || status=$?
if [ "$status" -eq 0 ]; then
	echo "receiving peer, as the kernel counts it:"
	ip -n "$ns" -s link show elb-rx | sed 's/^/  /'
fi
exit "$status"
