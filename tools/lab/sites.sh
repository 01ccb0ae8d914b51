#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The two-site edgelb lab (issue 15): a client on an "internet" segment, an
# edge router, and two sites dc1 and dc2, each a LAN with a VRRP pair of
# edgelbd balancers (XDP, native on veth) and three nginx backends that
# decapsulate with bpf/decap.bpf.c and answer the client directly (DSR).
#
#                      client 198.51.100.100
#                         |
#              internet 198.51.100.0/24 (bridge in $SITES_PREFIX-inet)
#                         |
#                      router 198.51.100.1
#        VIP 203.0.113.10/32: ECMP via 192.0.2.10 (dc1) and 192.0.2.74 (dc2)
#              eth-dc1 192.0.2.1 |         | eth-dc2 192.0.2.65
#                                |         |
#   dc1 LAN 192.0.2.0/26 --------+         +-------- dc2 LAN 192.0.2.64/26
#   (bridge in $SITES_PREFIX-dc1)                    (bridge in $SITES_PREFIX-dc2)
#   VRRP address 192.0.2.10 (vrid 11)               VRRP address 192.0.2.74 (vrid 12)
#   lb1 192.0.2.2  (priority 150)                    lb3 192.0.2.66  (priority 150)
#   lb2 192.0.2.3  (priority 100)                    lb4 192.0.2.67  (priority 100)
#   be1 192.0.2.11  be2 .12  be3 .13                 be4 192.0.2.75  be5 .76  be6 .77
#
# The router reaches each site over its own link and routes the VIP by a
# layer-4 multipath hash over the two sites' VRRP addresses; a dead site's
# next hop is skipped (its link down, or its neighbour entry failed:
# fib_multipath_use_neigh). The sites' LANs carry 1600 bytes (IPIP's 20
# on top of the internet's 1500).
# The VRRP address, not the VIP, is what a site's pair moves: the router
# only needs a next hop per site, and every balancer forwards VIP traffic it
# receives, master or not (DESIGN.md, principle 3). So edgelbd's warning
# at start that the VIP "is in no vrrp instance's vips" is expected here:
# the router's route, not ARP, brings the VIP's packets, as BGP would.
#
# Every balancer balances the VIP over all six backends of both sites
# (IPIP): the same Maglev ring everywhere, so a flow lands on the same
# backend whichever balancer, and whichever site, it reaches. The other
# site's backends are reached through the router: each balancer has a
# route to the other site's LAN via the router, and edgelbd takes the next
# hop's MAC (the router's) from the kernel. Backends route everything
# (clients, the other site) via the router, so replies go straight to the
# client. Pages name their backend and site: "be4 dc2".
#
# Sourced by the tests (sites_up, sites_balancers_start, sites_down ...), or
# run as `tools/lab/sites.sh up|down|status` (BUILD: the build directory,
# ./build by default). Everything lives in namespaces named $SITES_PREFIX-*
# (switches inet, dc1, dc2; router, client, lb1..lb4, be1..be6) and in
# $SITES_DIR (a bpffs for pins; configs, sockets, logs, each nginx's
# prefix); only documentation addresses, inside those namespaces.
# Independent of lab.sh (the one-site lab): both can be sourced together.

SITES_PREFIX=${SITES_PREFIX:-els}
SITES_DIR=${SITES_DIR:-/run/edgelb-sites-$SITES_PREFIX}
SITES_ROOT=${SITES_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$SITES_ROOT/build}
SITES_VIP=203.0.113.10
SITES_CLIENT=198.51.100.100
SITES_ROUTER_INET=198.51.100.1
SITES_MTU=1600 # sites' LANs: room for the 20 bytes of IPIP
SITES_LBS="lb1 lb2 lb3 lb4"
SITES_BES="be1 be2 be3 be4 be5 be6"

sites_ns() { echo "$SITES_PREFIX-$1"; }
sites_exec() {
	local node=$1
	shift
	ip netns exec "$(sites_ns "$node")" "$@"
}
sites_log() { echo "sites: $*" >&2; }
sites_file() { echo "$SITES_DIR/$1.$2"; }

# sites_site NODE: dc1 or dc2 (lb1 lb2 be1-3 are dc1's; lb3 lb4 be4-6 dc2's)
sites_site() {
	case "$1" in
	lb1 | lb2 | be1 | be2 | be3) echo dc1 ;;
	lb3 | lb4 | be4 | be5 | be6) echo dc2 ;;
	*) return 1 ;;
	esac
}
# sites_base SITE: the first address of the site's /26
sites_base() { [ "$1" = dc1 ] && echo 0 || echo 64; }
sites_net() { echo "192.0.2.$(sites_base "$1")/26"; }
sites_other() { [ "$1" = dc1 ] && echo dc2 || echo dc1; }
# the router's address on the site's LAN, and the address VRRP moves there
sites_gw() { echo "192.0.2.$(($(sites_base "$1") + 1))"; }
sites_vrrp_addr() { echo "192.0.2.$(($(sites_base "$1") + 10))"; }
# sites_addr NODE: a balancer's or backend's address on its site's LAN
sites_addr() {
	local n=${1#[lb][be]} site base
	site=$(sites_site "$1") || return 1
	base=$(sites_base "$site")
	case "$1" in
	lb*) echo "192.0.2.$((base + 2 + (n - 1) % 2))" ;;
	be*) echo "192.0.2.$((base + 11 + (n - 1) % 3))" ;;
	esac
}
sites_lbs_of() { [ "$1" = dc1 ] && echo "lb1 lb2" || echo "lb3 lb4"; }
sites_bes_of() { [ "$1" = dc1 ] && echo "be1 be2 be3" || echo "be4 be5 be6"; }

# sites_switch NAME: a namespace holding one bridge, br0 (one per segment,
# so a site's LAN can be cut or watched on its own)
sites_switch() {
	local ns
	ns=$(sites_ns "$1")
	ip netns add "$ns" || return 1
	ip -n "$ns" link add br0 type bridge || return 1
	ip -n "$ns" link set br0 mtu "$2" up
}

# sites_plug NODE IF SWITCH MTU: a veth from NODE's interface IF to port
# p-NODE of SWITCH's bridge. Created in NODE's namespace with its peer put
# straight into the switch's: no name ever appears in the root namespace,
# where a parallel lab could hold it.
sites_plug() {
	local node=$1 ifname=$2 sw=$3 mtu=$4 ns swns
	ns=$(sites_ns "$node")
	swns=$(sites_ns "$sw")
	ip -n "$ns" link add "$ifname" mtu "$mtu" type veth peer name "p-$node" netns "$swns" || return 1
	ip -n "$swns" link set "p-$node" mtu "$mtu" master br0 up || return 1
	ip -n "$ns" link set "$ifname" up
}

# sites_host NODE SWITCH ADDR/PREFIX MTU: a namespace with eth0 on SWITCH
sites_host() {
	local node=$1 ns
	ns=$(sites_ns "$node")
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	sites_plug "$node" eth0 "$2" "$4" || return 1
	ip -n "$ns" addr add "$3" dev eth0
}

sites_mount_bpffs() {
	mkdir -p "$SITES_DIR/bpffs"
	mountpoint -q "$SITES_DIR/bpffs" || mount -t bpf bpf "$SITES_DIR/bpffs"
}

sites_router() {
	local ns site
	ns=$(sites_ns router)
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	sites_plug router eth-inet inet 1500 || return 1
	ip -n "$ns" addr add "$SITES_ROUTER_INET/24" dev eth-inet
	for site in dc1 dc2; do
		sites_plug router "eth-$site" "$site" "$SITES_MTU" || return 1
		ip -n "$ns" addr add "$(sites_gw "$site")/26" dev "eth-$site"
		# a new VRRP master's gratuitous ARP creates the entry, not only
		# updates it, as on the routers a site's pair faces
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.eth-$site.arp_accept=1"
	done
	# replies come from the VIP, which the router routes to the sites:
	# a reverse-path check would drop them
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv4.fib_multipath_use_neigh=1 \
		net.ipv4.conf.all.ignore_routes_with_linkdown=1 || return 1
	# (a site's link that loses its carrier takes its routes with it, the
	# ECMP next hop and the connected LAN: sites_cut)
	sites_vip_route ecmp
}

# sites_vip_route ecmp|lbN: the router's route to the VIP, over both sites
# (the lab's normal state) or through one balancer only, whatever VRRP
# says (a test sends the same flows through each balancer in turn)
sites_vip_route() {
	local via=$1
	if [ "$via" = ecmp ]; then
		ip -n "$(sites_ns router)" route replace "$SITES_VIP/32" \
			nexthop via "$(sites_vrrp_addr dc1)" dev eth-dc1 \
			nexthop via "$(sites_vrrp_addr dc2)" dev eth-dc2
	else
		ip -n "$(sites_ns router)" route replace "$SITES_VIP/32" \
			via "$(sites_addr "$via")" dev "eth-$(sites_site "$via")"
	fi
}

# sites_conns_via LB FIRST COUNT: sites_conns, with these flows alone
# routed through balancer LB (a rule at the router on their source ports)
# and everything else left on the VIP's route: the same flows can be sent
# through each balancer in turn under load
sites_conns_via() {
	local lb=$1 first=$2 count=$3 r rc
	r=$(sites_ns router)
	ip -n "$r" route replace "$SITES_VIP/32" via "$(sites_addr "$lb")" \
		dev "eth-$(sites_site "$lb")" table 100 || return 1
	ip -n "$r" rule add priority 100 ipproto tcp sport "$first-$((first + count - 1))" \
		lookup 100 || return 1
	sites_conns "$first" "$count"
	rc=$?
	ip -n "$r" rule del priority 100
	ip -n "$r" route flush table 100
	return "$rc"
}

# sites_sees_all LB: LB's checks see all six backends up
sites_sees_all() {
	sites_lbctl "$1" --json health web |
		jq -e '[.backends[] | select(.health == "up")] | length == 6' >/dev/null
}

# sites_cut SITE: the site's link to the router loses its carrier (as a
# cut fibre: the router's side goes NO-CARRIER, its routes over it, the
# VIP's next hop there included, are ignored)
sites_cut() { ip -n "$(sites_ns "$1")" link set "p-router" down; }

# sites_mend SITE: the link comes back, but the router takes the site back
# into the VIP's route only once the site's balancers see all six backends
# up again, as balancers that announce the VIP (BGP) only when their view
# is whole would do. Sooner, connections that ECMP moves to them would
# meet a ring without the other site's backends, still down in their
# checks, and be reset. Returns 1 if that does not happen within 15 s
# (the route is then restored all the same).
sites_mend() {
	local site=$1 other lb ok=1
	other=$(sites_other "$site")
	ip -n "$(sites_ns router)" route replace "$SITES_VIP/32" \
		via "$(sites_vrrp_addr "$other")" dev "eth-$other" || return 1
	ip -n "$(sites_ns "$site")" link set "p-router" up || return 1
	for _ in $(seq 150); do
		ok=0
		for lb in $(sites_lbs_of "$site"); do
			sites_sees_all "$lb" || ok=1
		done
		[ "$ok" -eq 0 ] && break
		sleep 0.1
	done
	sites_vip_route ecmp
	return "$ok"
}

# sites_balancer_route LB: the other site's backends are reached through
# the router, whose MAC edgelbd takes from this route's gateway (the
# kernel drops the route when eth0 goes down: set again when it is back)
sites_balancer_route() {
	local site
	site=$(sites_site "$1")
	ip -n "$(sites_ns "$1")" route replace "$(sites_net "$(sites_other "$site")")" \
		via "$(sites_gw "$site")" dev eth0
}

sites_balancer() {
	local lb=$1 site ns
	site=$(sites_site "$lb")
	ns=$(sites_ns "$lb")
	sites_host "$lb" "$site" "$(sites_addr "$lb")/26" "$SITES_MTU" || return 1
	sites_balancer_route "$lb" || return 1
	# XDP_TX into a veth is delivered only if the peer runs XDP too
	ip -n "$(sites_ns "$site")" link set dev "p-$lb" xdp obj "$BUILD/bpf/pass.bpf.o" sec xdp ||
		return 1
	# a NIC's MAC filter drops frames for other hosts; a veth does not,
	# and flooded copies would be forwarded by both balancers
	ip netns exec "$(sites_ns "$site")" bridge link set dev "p-$lb" flood off
}

sites_backend() {
	local be=$1 site ns addr k
	site=$(sites_site "$be")
	ns=$(sites_ns "$be")
	addr=$(sites_addr "$be")
	sites_host "$be" "$site" "$addr/26" "$SITES_MTU" || return 1
	# clients and the other site's balancers (health checks) are all
	# behind the router: DSR replies leave this way
	ip -n "$ns" route add default via "$(sites_gw "$site")" dev eth0 || return 1
	ip -n "$ns" addr add "$SITES_VIP/32" dev lo
	for k in all eth0 lo; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"
	done
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	ip netns exec "$ns" "$BUILD/tools/lab/edgelb-decap" attach eth0 --addr "$addr" \
		--gue-port 6080 --pin "$SITES_DIR/bpffs/decap-$be" >/dev/null || return 1
	sites_nginx_start "$be"
}

# sites_nginx_start BE: Debian's nginx, one instance with its own prefix,
# config, pid and logs under $SITES_DIR/BE/, in the foreground (its pid is
# ours to kill). Listens on every address: the VIP for clients, its own
# for health checks.
sites_nginx_start() {
	local be=$1 d
	d=$SITES_DIR/$be
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<-EOF
		# generated by tools/lab/sites.sh
		worker_processes 1;
		pid $d/nginx.pid;
		error_log $d/error.log warn;
		events { worker_connections 1024; }
		http {
		    access_log off;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		    default_type text/plain;
		    server {
		        listen 80 default_server;
		        location /health { return 200 "ok"; }
		        location / { return 200 "$be $(sites_site "$be")\n"; }
		    }
		}
	EOF
	# -e: the error log before the config is read (else /var/log/nginx)
	ip netns exec "$(sites_ns "$be")" nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" \
		-g 'daemon off;' >>"$d/stderr.log" 2>&1 &
	echo $! >"$(sites_file "$be" pid)"
	disown
	for _ in $(seq 50); do
		ip netns exec "$(sites_ns "$be")" ss -Hltn "sport = :80" | grep -q . && return 0
		sleep 0.1
	done
	sites_log "nginx of $be did not start: $(tail -5 "$d/error.log" "$d/stderr.log")"
	return 1
}

sites_nginx_stop() {
	local be=$1 pidf
	pidf=$(sites_file "$be" pid)
	[ -f "$pidf" ] && kill -QUIT "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
}

# sites_up: the namespaces, the router's routes, six backends with their
# nginx; no edgelbd yet (sites_balancers_start)
sites_up() {
	local node
	for node in tools/lab/edgelb-decap bpf/pass.bpf.o controlplane/edgelbd tools/lbctl; do
		[ -f "$BUILD/$node" ] && continue
		sites_log "build first: $BUILD/$node is missing"
		return 1
	done
	sites_down 2>/dev/null
	mkdir -p "$SITES_DIR"
	sites_mount_bpffs || return 1
	sites_switch inet 1500 || return 1
	sites_switch dc1 "$SITES_MTU" || return 1
	sites_switch dc2 "$SITES_MTU" || return 1
	sites_router || return 1

	sites_host client inet "$SITES_CLIENT/24" 1500 || return 1
	ip -n "$(sites_ns client)" route add default via "$SITES_ROUTER_INET" dev eth0 || return 1
	# a veth sender leaves TCP checksums to be done later; once XDP
	# re-transmits the frame nobody does them (LAB-FACTS.md)
	sites_exec client ethtool -K eth0 tx off >/dev/null || return 1

	for node in $SITES_LBS; do
		sites_balancer "$node" || return 1
	done
	for node in $SITES_BES; do
		sites_backend "$node" || return 1
	done
	sites_log "up: client $SITES_CLIENT, router, dc1 and dc2 (2 balancers, 3 backends each); VIP $SITES_VIP"
}

# sites_config LB [dpdk]: edgelbd's config for balancer LB: the XDP data
# plane on eth0, or with dpdk edgelb-dpdk's tables and VRRP on its
# exception TAP (sites_dpdk_port). SITES_HEALTH, if set, is the health
# group of the service (default: HTTP GET /health every 500 ms, through
# the router for the other site's backends).
sites_config() {
	local lb=$1 site conf be backends="" prio=100 ifname=eth0
	local health=${SITES_HEALTH:-'type = "http"; interval = 0.5; timeout = 0.3; rise = 2; fall = 2;
	    http = { path = "/health"; body = "ok"; };'}
	local dataplane='mode = "xdp"; xdp_mode = "native"; interfaces = [ "eth0" ];'
	if [ "${2:-xdp}" = dpdk ]; then
		ifname=$SITES_DPDK_TAP
		dataplane="mode = \"dpdk\"; interfaces = [ \"$ifname\" ]; tables = \"$(sites_dpdk_tables "$lb")\";"
	fi
	site=$(sites_site "$lb")
	conf=$(sites_file "$lb" conf)
	# the first balancer of a site is its master while both run
	[ "$lb" = lb1 ] || [ "$lb" = lb3 ] && prio=150
	for be in $SITES_BES; do
		backends+="      { name = \"$be\"; address = \"$(sites_addr "$be")\"; site = \"$(sites_site "$be")\"; },"$'\n'
	done
	cat >"$conf" <<-EOF
		# generated by tools/lab/sites.sh
		instance = "sites-$lb";
		pin_dir = "$SITES_DIR/bpffs/$lb";
		state_file = "$(sites_file "$lb" state)";
		control_socket = "$(sites_file "$lb" sock)";
		metrics_listen = "127.0.0.1:9274";
		dataplane = { $dataplane
		              flow_table_size = 65536; };
		services = (
		  { name = "web"; vip = "$SITES_VIP"; port = 80; protocol = "tcp";
		    encap = "ipip"; mtu = $SITES_MTU; health = { $health };
		    backends = (
		${backends%,$'\n'}
		    ); }
		);
		vrrp = ( { name = "$site"; vrid = $((10 + ${site#dc})); interface = "$ifname";
		  priority = $prio; advert_int = 0.1;
		  vips = [ "$(sites_vrrp_addr "$site")/32" ]; } );
	EOF
	echo "$conf"
}

# sites_edgelbd_start LB: run edgelbd in LB; waits until lbctl answers
sites_edgelbd_start() {
	local lb=$1
	ip netns exec "$(sites_ns "$lb")" "$BUILD/controlplane/edgelbd" \
		-c "$(sites_file "$lb" conf)" >>"$(sites_file "$lb" log)" 2>&1 &
	echo $! >"$(sites_file "$lb" pid)"
	disown
	for _ in $(seq 100); do
		sites_lbctl "$lb" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$(sites_file "$lb" pid)")" 2>/dev/null || break
		sleep 0.05
	done
	sites_log "edgelbd in $lb did not come up:"
	tail -20 "$(sites_file "$lb" log)" >&2
	return 1
}

# sites_balancers_start: a config and a running edgelbd on all four
sites_balancers_start() {
	local lb
	for lb in $SITES_LBS; do
		sites_config "$lb" >/dev/null && sites_edgelbd_start "$lb" || return 1
	done
}

# sites_edgelbd_kill [SIGNAL [LB]]
sites_edgelbd_kill() {
	local sig=${1:-TERM} lb=${2:-lb1} pid
	pid=$(cat "$(sites_file "$lb" pid)" 2>/dev/null) || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$(sites_file "$lb" pid)"
}

sites_lbctl() {
	local lb=$1
	shift
	ip netns exec "$(sites_ns "$lb")" "$BUILD/tools/lbctl" -s "$(sites_file "$lb" sock)" "$@"
}

# sites_conns FIRST COUNT [NODE [DEADLINE]]: COUNT HTTP requests to the
# VIP from NODE (client), one connection each from source ports FIRST..,
# so the same flows can be sent again through another balancer. Prints
# "SPORT BACKEND SITE" per request ("SPORT FAILED reason" on failure). One
# interpreter for the lot; bounded: 1 s per request, DEADLINE s in all
# (60), after which the rest are reported failed without being tried.
sites_conns() {
	local first=$1 count=$2 node=${3:-client} deadline=${4:-60}
	sites_exec "$node" /usr/bin/python3 - "$SITES_VIP" 80 "$first" "$count" "$deadline" <<-'EOF'
		import socket, struct, sys, time
		vip, port, first, count, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
		end = time.monotonic() + budget
		# RST on close: no TIME_WAIT, the same port can be used again at once
		linger = struct.pack("ii", 1, 0)
		for sport in range(first, first + count):
		    if time.monotonic() > end:
		        print(sport, "FAILED deadline", flush=True)
		        continue
		    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		    try:
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		        s.settimeout(1.0)
		        s.bind(("", sport))
		        s.connect((vip, port))
		        s.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
		        data = b""
		        while len(data) < 4096:
		            chunk = s.recv(4096)
		            if not chunk:
		                break
		            data += chunk
		        head, _, body = data.partition(b"\r\n\r\n")
		        if not head.startswith(b"HTTP/1.1 200"):
		            print(sport, "FAILED status", head.split(b"\r\n")[0].decode(errors="replace"), flush=True)
		        else:
		            print(sport, body.decode(errors="replace").strip(), flush=True)
		    except OSError as e:
		        print(sport, "FAILED", type(e).__name__, flush=True)
		    finally:
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
		        s.close()
	EOF
}

# ---- a balancer on edgelb-dpdk instead of XDP --------------------------------
#
# A balancer's eth0 can be given to edgelb-dpdk (net_af_packet), as in the
# one-site lab (lab.sh's lab_dpdk_port): the kernel keeps nothing on eth0
# (no address, no ARP, no IPv6, an nftables ingress hook dropping what
# arrives once af_packet has its copy), and edgelb-dpdk's exception TAP,
# with eth0's MAC, holds the balancer's address and its route to the
# other site: edgelbd's VRRP and health checks go through the TAP and
# edgelb-dpdk, VIP traffic through edgelb-dpdk alone. af_packet hands a
# veth frame over with its checksums left to do (LAB-FACTS.md): the
# backends' answers to the balancer's checks must be complete (their TX
# checksum offload off), as the client's are. One lcore, free to run on
# any of our CPUs: it polls one at 100 %, so keep it short.

SITES_DPDK_TAP=dtap0
# sites_dpdk_built: edgelb-dpdk is built and a TAP can be made
sites_dpdk_built() { [ -x "$BUILD/dataplane/dpdk/edgelb-dpdk" ] && [ -c /dev/net/tun ]; }
# the tables file edgelb-dpdk creates and edgelbd writes, and EAL's prefix
# (its runtime files in /var/run/dpdk/PREFIX), per balancer and lab
sites_dpdk_tables() { echo "/dev/shm/edgelb-sites-$SITES_PREFIX-$1"; }
sites_dpdk_eal() { echo "edgelb-sites-$SITES_PREFIX-$1"; }
sites_dpdk_pid() { cat "$(sites_file "$1-dpdk" pid)" 2>/dev/null; }

# sites_dpdk_port LB: LB's eth0 becomes edgelb-dpdk's port and the TAP
# takes its address and route; returns once edgelb-dpdk forwards. LB's
# edgelbd must be stopped and its XDP program detached (edgelbd --cleanup)
# first: XDP would see the frames before af_packet.
sites_dpdk_port() {
	local lb=$1 ns be cpus log pidf
	ns=$(sites_ns "$lb")
	log=$(sites_file "$lb-dpdk" log)
	pidf=$(sites_file "$lb-dpdk" pid)
	sites_dpdk_built || { sites_log "edgelb-dpdk is not built (DPDK, Debian package dpdk-dev)"; return 1; }
	ip -n "$ns" addr flush dev eth0 || return 1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 || return 1
	ip -n "$ns" link set eth0 arp off || return 1
	printf '%s\n' 'table netdev edgelb_dpdk {' \
		'	chain in { type filter hook ingress device eth0 priority 0; policy drop; }' \
		'}' | ip netns exec "$ns" nft -f - || return 1
	for be in $SITES_BES; do
		sites_exec "$be" ethtool -K eth0 tx off >/dev/null || return 1
	done
	cpus=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
	rm -f "$(sites_dpdk_tables "$lb")"
	: >"$log" # before the polls below: the child opens it only once forked
	ip netns exec "$ns" "$BUILD/dataplane/dpdk/edgelb-dpdk" --lcores "0@($cpus)" \
		--no-huge -m 1024 --no-pci --file-prefix "$(sites_dpdk_eal "$lb")" \
		--log-level lib.eal:error --log-level pmd.net.tap:critical \
		--vdev net_af_packet0,iface=eth0 --vdev "net_tap0,iface=$SITES_DPDK_TAP" -- \
		--data net_af_packet0 --exception net_tap0 --tables "$(sites_dpdk_tables "$lb")" \
		--create >"$log" 2>&1 &
	echo $! >"$pidf"
	disown
	for _ in $(seq 200); do
		grep -q '^edgelb-dpdk: forwarding' "$log" && break
		kill -0 "$(cat "$pidf")" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^edgelb-dpdk: forwarding' "$log"; then
		sites_log "edgelb-dpdk in $lb did not start: $(tail -5 "$log")"
		return 1
	fi
	ip -n "$ns" link set "$SITES_DPDK_TAP" mtu "$SITES_MTU" up || return 1
	ip -n "$ns" addr add "$(sites_addr "$lb")/26" dev "$SITES_DPDK_TAP" || return 1
	ip -n "$ns" route replace "$(sites_net "$(sites_other "$(sites_site "$lb")")")" \
		via "$(sites_gw "$(sites_site "$lb")")" dev "$SITES_DPDK_TAP"
}

# sites_dpdk_kill LB: edgelb-dpdk stopped (SIGTERM: it prints its counters
# and releases its ports; SIGKILL after 5 s), its tables file and EAL's
# runtime files removed. Nothing to do when none runs.
sites_dpdk_kill() {
	local lb=$1 pid
	pid=$(sites_dpdk_pid "$lb")
	if [ -n "$pid" ]; then
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		rm -f "$(sites_file "$lb-dpdk" pid)"
	fi
	rm -f "$(sites_dpdk_tables "$lb")" "$(sites_dpdk_tables "$lb")".new.*
	rm -rf "/var/run/dpdk/$(sites_dpdk_eal "$lb")"
}

# sites_dpdk_unport LB: edgelb-dpdk stopped (its TAP goes with it) and
# eth0 given back to the kernel with LB's address and route, as
# sites_balancer left it; LB's edgelbd must be stopped first
sites_dpdk_unport() {
	local lb=$1 ns
	ns=$(sites_ns "$lb")
	sites_dpdk_kill "$lb"
	ip netns exec "$ns" nft delete table netdev edgelb_dpdk 2>/dev/null
	ip -n "$ns" link set eth0 arp on || return 1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 || return 1
	ip -n "$ns" addr replace "$(sites_addr "$lb")/26" dev eth0 || return 1
	sites_balancer_route "$lb"
}

sites_down() {
	local ns pid pidf lb
	# edgelb-dpdk first, cleanly: its files outside $SITES_DIR go with it
	for lb in $SITES_LBS; do
		sites_dpdk_kill "$lb"
	done
	for pidf in "$SITES_DIR"/*.pid; do
		[ -f "$pidf" ] || continue
		pid=$(cat "$pidf")
		kill -9 "$pid" 2>/dev/null
		rm -f "$pidf"
	done
	for ns in $(ip netns list | awk '{print $1}' | grep "^$SITES_PREFIX-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns"
	done
	# and what an edgelb-dpdk without a pid file yet (interrupted while
	# it started) left before the kill above
	for lb in $SITES_LBS; do
		sites_dpdk_kill "$lb"
	done
	if mountpoint -q "$SITES_DIR/bpffs" 2>/dev/null; then
		umount "$SITES_DIR/bpffs"
	fi
	rm -rf "$SITES_DIR"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case "${1:-}" in
	up)
		sites_up || exit 1
		sites_balancers_start || exit 1
		;;
	down) sites_down ;;
	status) ip netns list | grep "^$SITES_PREFIX-" ;;
	*)
		echo "usage: $0 up | down | status" >&2
		exit 2
		;;
	esac
fi
