#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The edgelb lab: network namespaces on one L2 segment (a bridge), with a
# client, a balancer running edgelbd and the XDP program, and backends that
# decapsulate with bpf/decap.bpf.c and answer the client directly (DSR).
#
#   client 10.99.0.100 ---+
#   lb1    10.99.0.2   ---+--- br0 (namespace sw)    VIP 10.99.0.10
#  (lb2    10.99.0.3   ---+    with LAB_LBS=2)
#   be1..N 10.99.0.11.. --+
#
# With LAB_LBS=2 a second balancer lb2 joins, and the two share the VIP
# with VRRP (edgelbd's, lb1 priority 150, lb2 100, adverts every 100 ms);
# with one balancer lb1 holds the VIP statically. Functions that act on a
# balancer take lb1 unless told (lab_config N lb2, lab_edgelbd_start lb2,
# lab_lbctl_at lb2 ...).
#
# Sourced by the demo and the integration tests (lab_up, lab_down, ...), or
# run as `tools/lab/lab.sh up|down|status`. Everything lives in namespaces
# named $LAB_PREFIX-*, and in $LAB_DIR (a bpffs for pins, sockets, logs).
# Only addresses inside these namespaces are ever used.

LAB_PREFIX=${LAB_PREFIX:-elb}
LAB_DIR=${LAB_DIR:-/run/edgelb-lab-$LAB_PREFIX}
LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$LAB_ROOT/build}
LAB_VIP=10.99.0.10
LAB_LB=10.99.0.2
LAB_CLIENT=10.99.0.100
LAB_MTU=1600 # backends' side: room for the 20 bytes of IPIP
LAB_LBS=${LAB_LBS:-1}

lab_ns() { echo "$LAB_PREFIX-$1"; }
lab_exec() {
	local host=$1
	shift
	ip netns exec "$(lab_ns "$host")" "$@"
}
lab_be_addr() { echo "10.99.0.$((10 + $1))"; }
lab_lb_addr() { echo "10.99.0.$((1 + ${1#lb}))"; }
# lab_file NODE EXT: a balancer's file in $LAB_DIR (lb1 keeps the names
# of the one-balancer lab: edgelb.conf, edgelb.sock, edgelbd.log ...)
lab_file() {
	case "$1:$2" in
	lb1:log | lb1:pid) echo "$LAB_DIR/edgelbd.$2" ;;
	lb1:*) echo "$LAB_DIR/edgelb.$2" ;;
	*) echo "$LAB_DIR/$1.$2" ;;
	esac
}

lab_log() { echo "lab: $*" >&2; }

# A host namespace with eth0 plugged into the bridge.
lab_host() (
	set -e
	local host=$1 addr=$2 mtu=$3 ns tmp
	# interface names are at most 15 bytes; created in the root namespace
	# for a moment, so they must not collide with a parallel lab's
	tmp=$(printf 'v%05d%05d' "$RANDOM" "$$" | cut -c1-12)
	ns=$(lab_ns "$host")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "$tmp" type veth peer name "${tmp}p"
	ip link set "$tmp" netns "$ns"
	ip -n "$ns" link set "$tmp" name eth0
	ip link set "${tmp}p" netns "$(lab_ns sw)"
	ip -n "$(lab_ns sw)" link set "${tmp}p" name "p-$host"
	ip -n "$(lab_ns sw)" link set "p-$host" mtu "$mtu" master br0 up
	ip -n "$ns" link set eth0 mtu "$mtu" up
	ip -n "$ns" addr add "$addr/24" dev eth0
)

lab_mount_bpffs() {
	mkdir -p "$LAB_DIR/bpffs"
	mountpoint -q "$LAB_DIR/bpffs" || mount -t bpf bpf "$LAB_DIR/bpffs"
}

# lab_up N: the namespaces, N backends with their servers, no edgelbd yet.
lab_up() {
	local n=${1:-3} i
	[ -x "$BUILD/tools/lab/edgelb-decap" ] || {
		lab_log "build first: $BUILD/tools/lab/edgelb-decap is missing"
		return 1
	}
	lab_down 2>/dev/null
	mkdir -p "$LAB_DIR"
	lab_mount_bpffs
	ip netns add "$(lab_ns sw)"
	ip -n "$(lab_ns sw)" link add br0 type bridge
	ip -n "$(lab_ns sw)" link set br0 mtu "$LAB_MTU" up

	lab_host client "$LAB_CLIENT" 1500 || return 1
	# a veth sender leaves TCP checksums to be done later; once XDP
	# re-transmits the frame nobody does them (LAB-FACTS.md)
	lab_exec client ethtool -K eth0 tx off >/dev/null

	for i in $(seq 1 "$LAB_LBS"); do
		lab_host "lb$i" "$(lab_lb_addr "lb$i")" "$LAB_MTU" || return 1
		# XDP_TX into a veth is delivered only if the peer runs XDP too
		ip -n "$(lab_ns sw)" link set dev "p-lb$i" xdp obj "$BUILD/bpf/pass.bpf.o" sec xdp
		# a NIC's MAC filter drops frames for other hosts; a veth does
		# not, and flooded copies would be forwarded by both balancers
		ip netns exec "$(lab_ns sw)" bridge link set dev "p-lb$i" flood off
	done
	# one balancer: it answers ARP for the VIP; two: VRRP moves it
	[ "$LAB_LBS" -ge 2 ] || ip -n "$(lab_ns lb1)" addr add "$LAB_VIP/32" dev eth0

	for i in $(seq 1 "$n"); do
		lab_backend "$i" || return 1
	done
	lab_log "up: client, $LAB_LBS balancer(s), $n backends; VIP $LAB_VIP"
}

lab_backend() {
	local i=$1 ns addr
	ns=$(lab_ns "be$i")
	addr=$(lab_be_addr "$i")
	lab_host "be$i" "$addr" "$LAB_MTU" || return 1
	ip -n "$ns" addr add "$LAB_VIP/32" dev lo
	for k in all eth0 lo; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"
	done
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	ip netns exec "$ns" "$BUILD/tools/lab/edgelb-decap" attach eth0 --addr "$addr" \
		--gue-port 6080 --pin "$LAB_DIR/bpffs/decap-be$i" >/dev/null || return 1
	lab_server_start "$i"
}

lab_server_start() {
	local i=$1
	# all addresses: the VIP for clients, its own for health checks
	ip netns exec "$(lab_ns "be$i")" python3 "$LAB_ROOT/tools/lab/lab_server.py" "be$i" \
		0.0.0.0 80 --udp-count-file "$LAB_DIR/be$i.udp" \
		>"$LAB_DIR/be$i.log" 2>&1 &
	echo $! >"$LAB_DIR/be$i.pid"
	disown
	# the server binds the VIP: wait until it listens (bounded)
	for _ in $(seq 50); do
		ip netns exec "$(lab_ns "be$i")" ss -Hltn "sport = :80" | grep -q . && return 0
		sleep 0.1
	done
	lab_log "server of be$i did not start: $(cat "$LAB_DIR/be$i.log")"
	return 1
}

lab_server_stop() {
	local i=$1
	[ -f "$LAB_DIR/be$i.pid" ] && kill "$(cat "$LAB_DIR/be$i.pid")" 2>/dev/null
	rm -f "$LAB_DIR/be$i.pid"
}

# lab_config N [NODE]: edgelbd's config for N backends on balancer NODE
# (lb1). LAB_HEALTH, if set, is the health group of the TCP service
# (default: no checks). With LAB_LBS=2, a VRRP instance for the VIP.
lab_config() {
	local n=${1:-3} node=${2:-lb1} i backends="" udp_backends="" vrrp=""
	local health=${LAB_HEALTH:-'type = "none";'}
	local pins=edgelb conf
	[ "$node" = lb1 ] || pins=edgelb-$node
	conf=$(lab_file "$node" conf)
	if [ "$LAB_LBS" -ge 2 ]; then
		vrrp="vrrp = ( { name = \"front\"; vrid = 10; interface = \"eth0\";
		  priority = $([ "$node" = lb1 ] && echo 150 || echo 100); advert_int = 0.1;
		  vips = [ \"$LAB_VIP/32\" ]; } );"
	fi
	for i in $(seq 1 "$n"); do
		backends+="      { name = \"be$i\"; address = \"$(lab_be_addr "$i")\"; site = \"dc$(((i - 1) % 2 + 1))\"; },"$'\n'
		udp_backends+="      { name = \"be$i\"; address = \"$(lab_be_addr "$i")\"; },"$'\n'
	done
	cat >"$conf" <<-EOF
		# generated by tools/lab/lab.sh
		instance = "lab-$node";
		pin_dir = "$LAB_DIR/bpffs/$pins";
		state_file = "$(lab_file "$node" state)";
		control_socket = "$(lab_file "$node" sock)";
		metrics_listen = "127.0.0.1:9274";
		dataplane = { mode = "xdp"; xdp_mode = "native"; interfaces = [ "eth0" ];
		              flow_table_size = 65536; };
		services = (
		  { name = "web"; vip = "$LAB_VIP"; port = 80; protocol = "tcp";
		    encap = "ipip"; mtu = $LAB_MTU; health = { $health };
		    backends = (
		${backends%,$'\n'}
		    ); },
		  { name = "stream"; vip = "$LAB_VIP"; port = 80; protocol = "udp";
		    encap = "gue"; mtu = $LAB_MTU; health = { type = "none"; };
		    backends = (
		${udp_backends%,$'\n'}
		    ); }
		);
		$vrrp
	EOF
	echo "$conf"
}

# lab_edgelbd_start [NODE]: run edgelbd in NODE (lb1); waits until lbctl answers.
lab_edgelbd_start() {
	local node=${1:-lb1}
	ip netns exec "$(lab_ns "$node")" "$BUILD/controlplane/edgelbd" \
		-c "$(lab_file "$node" conf)" >>"$(lab_file "$node" log)" 2>&1 &
	echo $! >"$(lab_file "$node" pid)"
	disown
	for _ in $(seq 100); do
		lab_lbctl_at "$node" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$(lab_file "$node" pid)")" 2>/dev/null || break
		sleep 0.05
	done
	lab_log "edgelbd in $node did not come up:"
	tail -20 "$(lab_file "$node" log)" >&2
	return 1
}

# lab_edgelbd_kill [SIGNAL [NODE]]
lab_edgelbd_kill() {
	local sig=${1:-TERM} node=${2:-lb1} pid
	pid=$(cat "$(lab_file "$node" pid)" 2>/dev/null) || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$(lab_file "$node" pid)"
}

lab_lbctl_at() {
	local node=$1
	shift
	ip netns exec "$(lab_ns "$node")" "$BUILD/tools/lbctl" -s "$(lab_file "$node" sock)" "$@"
}
lab_lbctl() { lab_lbctl_at lb1 "$@"; }

lab_client() {
	lab_exec client python3 "$LAB_ROOT/tools/lab/lab_client.py" "$@"
}

lab_udp_count() {
	cat "$LAB_DIR/be$1.udp" 2>/dev/null || echo 0
}

# ---- a UDP stream to the VIP, counted at the backends ----------------------
#
# A datagram the balancer delivered is counted twice at its backend: by the
# kernel as it enters IP input after the decap (an nftables counter), and
# by the lab server once it has read it (lab_udp_count). The first is the
# balancer's account: it does not depend on a python loop keeping up on a
# loaded machine. The gap between them is the lab server's: a full socket
# buffer (lab_udp_stack_drops) or datagrams not read yet.

# lab_be_namespaces: the backends' namespaces, whatever their number
lab_be_namespaces() { lab_namespaces be; }

# lab_namespaces [KIND]: the lab's namespaces (whose names start KIND)
lab_namespaces() {
	ip netns list | awk -v p="$LAB_PREFIX-${1:-}" 'index($1, p) == 1 { print $1 }'
}

# lab_udp_arrival_on: the counter in every backend, from zero
lab_udp_arrival_on() {
	local ns
	for ns in $(lab_be_namespaces); do
		ip netns exec "$ns" nft delete table inet edgelb_lab 2>/dev/null
		printf '%s\n' 'table inet edgelb_lab {' '	counter udp_vip { }' \
			'	chain in {' '		type filter hook input priority 0; policy accept;' \
			"		ip daddr $LAB_VIP udp dport 80 counter name udp_vip" '	}' '}' |
			ip netns exec "$ns" nft -f - || return 1
	done
}

# lab_udp_arrived: datagrams for VIP:80 that entered the backends' IP input
lab_udp_arrived() {
	local ns n s=0
	for ns in $(lab_be_namespaces); do
		n=$(ip netns exec "$ns" nft list counter inet edgelb_lab udp_vip 2>/dev/null |
			awk '$1 == "packets" { print $2 }')
		s=$((s + ${n:-0}))
	done
	echo "$s"
}

# lab_udp_arrived_at_least N: true once N have entered the backends
lab_udp_arrived_at_least() { [ "$(lab_udp_arrived)" -ge "$1" ]; }

# lab_udp_read: datagrams the lab servers have read, summed (lab_udp_count)
lab_udp_read() {
	local f s=0
	for f in "$LAB_DIR"/be*.udp; do
		[ -f "$f" ] && s=$((s + $(cat "$f")))
	done
	echo "$s"
}

# lab_vip_packets NAME: the packets of service NAME, by the data plane's
# own counters (lbctl --json stats on lb1)
lab_vip_packets() {
	lab_lbctl --json stats | jq --arg n "$1" '[.vips[] | select(.name == $n) | .packets] | add'
}

# lab_stream_mark: count a stream to service "stream" from here on: the
# arrival counter from zero (lab_udp_arrived) and, for the figures below,
# where the servers' reads, the backends' UDP drops and the data plane's
# own counter stand now
lab_stream_mark() {
	lab_udp_arrival_on || return 1
	LAB_STREAM_READ=$(lab_udp_read)
	LAB_STREAM_RCVBUF=$(lab_udp_stack_drops)
	LAB_STREAM_CSUM=$(lab_udp_stack_drops csum)
	LAB_STREAM_FWD=$(lab_vip_packets stream)
}

# since lab_stream_mark: the data plane's count of the stream, and the
# datagrams the backends' UDP found corrupted
lab_stream_forwarded() { echo $(($(lab_vip_packets stream) - LAB_STREAM_FWD)); }
lab_stream_corrupted() { echo $(($(lab_udp_stack_drops csum) - LAB_STREAM_CSUM)); }

# lab_stream_explain: where a stream's datagrams went, for the log: the
# data plane's counters and every lab link that dropped
lab_stream_explain() {
	lab_lbctl stats | grep -E "stream|drops|events" | sed 's/^/    /'
	lab_link_drops
}

# lab_stream_servers SENT SECONDS: up to SECONDS for the lab servers to read
# (or their sockets to drop) SENT since lab_stream_mark, then one line of
# what they did: the lab's side, reported, not the balancer's account
lab_stream_servers() {
	local sent=$1 i read drops
	for ((i = 0; i < $2 * 10; i++)); do
		read=$(($(lab_udp_read) - LAB_STREAM_READ))
		drops=$(($(lab_udp_stack_drops) - LAB_STREAM_RCVBUF))
		[ $((read + drops)) -ge "$sent" ] && break
		sleep 0.1
	done
	echo "    the lab servers read $read of them; $drops dropped by a full socket buffer," \
		"$((sent - read - drops)) not read after $2 s (the lab's, not the balancer's)"
}

# lab_udp_stack_drops [COLUMN]: what the backends' UDP dropped, summed:
# RcvbufErrors (a full socket buffer) by default, InCsumErrors with "csum"
lab_udp_stack_drops() {
	local ns col=6 s=0 n
	[ "${1:-}" = csum ] && col=8
	for ns in $(lab_be_namespaces); do
		n=$(ip netns exec "$ns" cat /proc/net/snmp |
			awk -v c="$col" '/^Udp:/ { l++; if (l == 2) print $c }')
		s=$((s + ${n:-0}))
	done
	echo "$s"
}

# lab_link_drops: every lab link with a drop counter above zero, one line
# each; where a stream lost datagrams outside the balancer (a veth ring
# full while the CPU was busy) this says so
lab_link_drops() {
	local ns
	for ns in $(lab_namespaces); do
		# shellcheck disable=SC2016 # expanded by the sh in the namespace
		ip netns exec "$ns" sh -c 'for d in /sys/class/net/*; do
			r=$(cat "$d/statistics/rx_dropped") t=$(cat "$d/statistics/tx_dropped")
			[ "$r$t" = 00 ] || echo "${d##*/}: rx_dropped $r tx_dropped $t"
		done' | sed "s/^/    ${ns#"$LAB_PREFIX"-} /"
	done
}

# ---- a balancer on edgelb-dpdk instead of XDP ------------------------------
#
# lab_dpdk_port NODE: NODE's eth0 becomes edgelb-dpdk's port (net_af_packet).
# The kernel keeps nothing on it: its addresses go to the exception TAP
# (same MAC, lab_dpdk_start), and what arrives on eth0 is for edgelb-dpdk
# alone: af_packet sees a frame before the netdev ingress hook drops it, so
# the kernel does not answer VIP traffic too. af_packet also hands a veth
# frame over with its checksums left to do (LAB-FACTS.md): the backends'
# answers to NODE (health checks) must be complete, as the client's are.
lab_dpdk_port() {
	local ns be
	ns=$(lab_ns "${1:-lb1}")
	ip -n "$ns" addr flush dev eth0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$ns" link set eth0 arp off
	printf '%s\n' 'table netdev edgelb_dpdk {' \
		'	chain in { type filter hook ingress device eth0 priority 0; policy drop; }' \
		'}' | ip netns exec "$ns" nft -f -
	for be in $(lab_be_namespaces); do
		ip netns exec "$be" ethtool -K eth0 tx off >/dev/null
	done
}

# lab_dpdk_start NODE TAP TABLES EAL_PREFIX LOG: edgelb-dpdk in NODE's
# namespace on its eth0, exception port TAP, creating TABLES; in the
# background ($! is its pid). EDGELB_DPDK_LCORES=N gives it N lcores free to
# run on any of our CPUs (af_packet has no RSS: a dispatcher and N-1
# workers); by default one lcore on our first CPU.
lab_dpdk_start() {
	local cpus lcores
	cpus=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
	lcores=(-l "$(echo "$cpus" | cut -d, -f1 | cut -d- -f1)")
	if [ "${EDGELB_DPDK_LCORES:-1}" -gt 1 ]; then
		lcores=(--lcores "(0-$((EDGELB_DPDK_LCORES - 1)))@($cpus)")
	fi
	ip netns exec "$(lab_ns "$1")" "$BUILD/dataplane/dpdk/edgelb-dpdk" "${lcores[@]}" \
		--no-huge -m 1024 --no-pci --file-prefix "$4" \
		--log-level lib.eal:error --log-level pmd.net.tap:critical \
		--vdev net_af_packet0,iface=eth0 --vdev "net_tap0,iface=$2" -- \
		--data net_af_packet0 --exception net_tap0 --tables "$3" --create >"$5" 2>&1 &
}

# lab_dpdk_wait LOG [SECONDS]: until edgelb-dpdk (lab_dpdk_start) says in
# LOG that it forwards, SECONDS at most (20); 1, with LOG on stderr, when
# it did not.
lab_dpdk_wait() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		grep -qs "^edgelb-dpdk: forwarding" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	return 1
}

# lab_dpdk_config CONF TAP TABLES: the balancer's config turned to
# dataplane.mode = "dpdk" on TAP (edgelbd writes TABLES); 1 when CONF has no
# dataplane line lab_config wrote.
lab_dpdk_config() {
	sed -i "s|mode = \"xdp\"; xdp_mode = \"native\"; interfaces = \[ \"eth0\" \];|mode = \"dpdk\"; interfaces = [ \"$2\" ]; tables = \"$3\";|" "$1"
	grep -q 'mode = "dpdk"' "$1"
}

lab_down() {
	local ns pid
	for pidf in "$LAB_DIR"/*.pid; do
		[ -f "$pidf" ] || continue
		pid=$(cat "$pidf")
		kill -9 "$pid" 2>/dev/null
		rm -f "$pidf"
	done
	for ns in $(ip netns list | awk '{print $1}' | grep "^$LAB_PREFIX-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns"
	done
	if mountpoint -q "$LAB_DIR/bpffs" 2>/dev/null; then
		umount "$LAB_DIR/bpffs"
	fi
	rm -rf "$LAB_DIR"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case "${1:-}" in
	up)
		lab_up "${2:-3}" || exit 1
		for i in $(seq 1 "$LAB_LBS"); do
			lab_config "${2:-3}" "lb$i" >/dev/null && lab_edgelbd_start "lb$i" || exit 1
		done
		;;
	down) lab_down ;;
	status) ip netns list | grep "^$LAB_PREFIX-" ;;
	*)
		echo "usage: $0 up [N] | down | status" >&2
		exit 2
		;;
	esac
fi
