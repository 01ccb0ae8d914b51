#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything edgelb needs to build, test and run its lab, from
# Debian 12 packages only. Idempotent; needs root.
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc clang llvm
	libbpf-dev bpftool libxdp-dev libelf-dev zlib1g-dev
	libconfig-dev libnl-3-dev libnl-route-3-dev libjson-c-dev libmicrohttpd-dev libhttp-parser-dev
	# edgelbd's sd_notify (Type=notify); systemd.pc names the unit directory
	# and systemd-analyze verifies the units (tests/integration/test_systemd.sh)
	libsystemd-dev systemd
	# edgelb-dpdk and its tests (tests/dpdk; under CI a build without DPDK
	# fails them): DPDK 22.11, its headers, every PMD the tests and the lab
	# use (net_null, net_ring, net_tap, net_af_packet, net_af_xdp, net_pcap
	# come as dependencies of libdpdk-dev), and dpdk-testpmd
	dpdk-dev libdpdk-dev
	# tests and lab: every tool a test runs is here, because under CI
	# (CI=true) a test that misses one fails (tests/integration/check.sh);
	# keep this list and check.sh's CHECK_PKG in step
	libcmocka-dev iproute2 ethtool procps man-db python3 util-linux coreutils
	curl # tests/integration/test_lbctl.sh: /metrics
	jq # the namespace tests read lbctl --json (no interpreter per poll)
	nftables # tests/integration/test_vrrp_splitbrain.sh: cuts VRRP on the bridge
	tcpdump # test_vrrp_splitbrain.sh: the client's capture, kept when it fails
	nginx # tools/bench/health.sh: one server answers 10 000 backends
	haproxy # tools/bench/health.sh: the checker edgelbd's checks are measured beside
	keepalived # tests/integration/test_vrrp_*.sh: the VRRP peer (its unit stays stopped)
	iputils-ping # tests/dpdk/test_tap.sh: the kernel's ARP through the TAP
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "install-deps: all ${#packages[@]} packages present"
fi
