#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What operators do to the two-site lab (tools/lab/sites.sh), as shell
# functions shared by the demo (tools/demo.sh) and the end-to-end test
# (tests/integration/test_sites_ops.sh), plus the HTTP load that proves
# them: edgelb-load in the client's namespace, its periods marked at each
# step (docs/edgelb-load.1). docs/operations.md is the same list for real
# hardware.
#
# Source after sites.sh. Every wait is bounded; each function returns 1,
# with a line on stderr, when what it waits for does not happen.

SITES_LOAD_RATE=${SITES_LOAD_RATE:-300}	   # requests started per second
SITES_LOAD_TIMEOUT=${SITES_LOAD_TIMEOUT:-1000} # ms: a request not answered by then failed

# sites_wait TENTHS CMD...: CMD until it succeeds, at most TENTHS x 0.1 s
sites_wait() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# ---- the load ---------------------------------------------------------------

# sites_load_start: edgelb-load from the client to the VIP, reports in
# $SITES_DIR/load.out, control FIFO $SITES_DIR/load.ctl; returns once it
# sends
sites_load_start() {
	local ctl=$SITES_DIR/load.ctl out=$SITES_DIR/load.out
	rm -f "$ctl" "$out"
	mkfifo "$ctl" || return 1
	# held open read-write by this shell: a write never blocks, even once
	# edgelb-load is gone (a Ctrl-C reaches it too)
	exec {SITES_LOAD_FD}<>"$ctl" || return 1
	sites_exec client "$BUILD/tools/lab/edgelb-load" --target "$SITES_VIP:80" \
		--rate "$SITES_LOAD_RATE" --timeout "$SITES_LOAD_TIMEOUT" --duration 900 \
		--control "$ctl" >"$out" 2>"$SITES_DIR/load.err" &
	echo $! >"$(sites_file load pid)"
	disown
	sites_wait 50 grep -q '^ready' "$out" && return 0
	sites_log "edgelb-load did not start: $(tail -3 "$SITES_DIR/load.err")"
	return 1
}

# sites_load_mark NAME: a new period of the load begins now (the client
# takes the time as it reads the line: a fault injected right after is
# measured from here)
sites_load_mark() { echo "mark $1" >&"$SITES_LOAD_FD"; }

# sites_load_stop: the last requests finish, the totals are printed
sites_load_stop() {
	local pidf
	pidf=$(sites_file load pid)
	[ -f "$pidf" ] || return 0
	echo stop >&"$SITES_LOAD_FD"
	sites_wait $((SITES_LOAD_TIMEOUT / 100 + 50)) grep -q '^total' "$SITES_DIR/load.out"
	kill "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
	exec {SITES_LOAD_FD}>&-
}

# sites_load_period NAME: the report line of period NAME once it is out
# (at most the request timeout after the next mark)
sites_load_period() {
	sites_wait $((SITES_LOAD_TIMEOUT / 100 + 30)) grep -q "^period $1 " "$SITES_DIR/load.out" ||
		return 1
	grep "^period $1 " "$SITES_DIR/load.out" | tail -1
}

# sites_load_value LINE KEY: KEY's value in a report line
sites_load_value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -1; }

# ---- balancers and VRRP -------------------------------------------------------

sites_vrrp_state() { sites_lbctl "$1" --json vrrp status | jq -r '.instances[0].state'; }

# sites_master SITE: the balancer of SITE that is VRRP master
sites_master() {
	local lb
	for lb in $(sites_lbs_of "$1"); do
		[ "$(sites_vrrp_state "$lb" 2>/dev/null)" = MASTER ] && echo "$lb" && return 0
	done
	return 1
}
# sites_peer LB: the other balancer of LB's site
sites_peer() {
	case "$1" in
	lb1) echo lb2 ;; lb2) echo lb1 ;; lb3) echo lb4 ;; lb4) echo lb3 ;;
	*) return 1 ;;
	esac
}
sites_is_master() { [ "$(sites_vrrp_state "$1" 2>/dev/null)" = MASTER ]; }
# one master and one backup in SITE
sites_settled() {
	local s="" lb
	for lb in $(sites_lbs_of "$1"); do
		s+="$(sites_vrrp_state "$lb" 2>/dev/null) "
	done
	[ "$s" = "MASTER BACKUP " ] || [ "$s" = "BACKUP MASTER " ]
}

# sites_router_mac SITE: the MAC the router sends SITE's traffic to (its
# neighbour entry for the site's VRRP address: the master's, once its
# gratuitous ARP came); sites_mac LB: LB's own (eth0's; its TAP has the
# same on edgelb-dpdk)
sites_router_mac() {
	ip -n "$(sites_ns router)" neigh show "$(sites_vrrp_addr "$1")" dev "eth-$1" | awk '{print $3}'
}
sites_mac() { ip -n "$(sites_ns "$1")" -br link show eth0 | awk '{print $3}'; }
# sites_router_sends_to LB: the router sends LB's site's traffic to LB
sites_router_sends_to() { [ "$(sites_router_mac "$(sites_site "$1")")" = "$(sites_mac "$1")" ]; }

# sites_resign LB: LB, master, hands its site over (lbctl vrrp handover);
# returns once its peer is master. LB holds back until sites_release LB.
sites_resign() {
	local p
	p=$(sites_peer "$1")
	sites_lbctl "$1" vrrp handover >/dev/null || return 1
	sites_wait 50 sites_is_master "$p" || { sites_log "$p did not take over from $1"; return 1; }
}
# sites_release LB: LB is released and preempts back; its site settles
sites_release() {
	sites_lbctl "$1" vrrp release >/dev/null || return 1
	sites_wait 50 sites_is_master "$1" || { sites_log "$1 did not take the site back"; return 1; }
	sites_wait 20 sites_settled "$(sites_site "$1")"
}

# sites_handover SITE: balancer maintenance: the master resigns, the
# backup takes over; then the master is released and preempts back
sites_handover() {
	local m
	m=$(sites_master "$1") || return 1
	sites_resign "$m" && sites_release "$m"
}

# sites_prog_id LB: the id of the XDP program in LB's pinned link
sites_prog_id() {
	bpftool -j link show pinned "$SITES_DIR/bpffs/$1/link-eth0" 2>/dev/null | jq -r '.prog_id'
}

# sites_edgelbd_restart LB SIGNAL: stop LB's edgelbd with SIGNAL (TERM: an
# upgrade; KILL: a crash), start it again (a new edgelbd loads its program
# and swaps it into the pinned link); its site settles again
sites_edgelbd_restart() {
	local lb=$1 sig=$2 before after
	before=$(sites_prog_id "$lb")
	sites_edgelbd_kill "$sig" "$lb"
	sites_edgelbd_start "$lb" || return 1
	after=$(sites_prog_id "$lb")
	if [ -z "$after" ] || [ "$after" = "$before" ]; then
		sites_log "$lb: the XDP program was not replaced (program $before, now $after)"
		return 1
	fi
	sites_wait 50 sites_settled "$(sites_site "$lb")" ||
		{ sites_log "$(sites_site "$lb") did not settle after $lb's restart"; return 1; }
}

# sites_crash LB [MARK]: the balancer dies at once: edgelbd killed, then
# its link down (nothing it had answers any more); with MARK, the load's
# period MARK starts right before the kill. Between the mark and the kill
# only shell builtins run (no fork: under load a fork can take tens of
# ms, which the outage would then hide).
sites_crash() {
	local pid
	pid=$(cat "$(sites_file "$1" pid)") || return 1
	[ -n "${2:-}" ] && echo "mark $2" >&"$SITES_LOAD_FD"
	kill -KILL "$pid"
	ip -n "$(sites_ns "$1")" link set eth0 down
	sites_edgelbd_kill KILL "$1" # reaped, pid file gone
}
# sites_revive LB: the balancer comes back (link, route, edgelbd) and its
# site settles
sites_revive() {
	ip -n "$(sites_ns "$1")" link set eth0 up || return 1
	sites_balancer_route "$1" || return 1
	sites_edgelbd_start "$1" || return 1
	sites_wait 50 sites_settled "$(sites_site "$1")"
}

# ---- a balancer on edgelb-dpdk ------------------------------------------------

# sites_dataplane LB: the data plane LB's edgelbd drives (xdp, dpdk)
sites_dataplane() { sites_lbctl "$1" --json status | jq -r '.dataplane'; }
# sites_vip_stat LB FIELD: FIELD of the web VIP in LB's lbctl stats (summed
# over CPUs or lcores): packets, bytes, new_flows ...; empty when LB's
# edgelbd does not answer
sites_vip_stat() {
	sites_lbctl "$1" --json stats |
		jq -r --arg f "$2" '[.vips[] | select(.name == "web") | .[$f]] | add // 0'
}
# sites_vip_stat_over LB FIELD N: it is above N
sites_vip_stat_over() {
	local v
	v=$(sites_vip_stat "$1" "$2" 2>/dev/null)
	[ "${v:-0}" -gt "$3" ]
}
# sites_ready LB: its site has one master and one backup, and LB's checks
# see all six backends up (else it says which did not happen)
sites_ready() {
	sites_wait 50 sites_settled "$(sites_site "$1")" ||
		{ sites_log "$(sites_site "$1") did not settle with $1"; return 1; }
	sites_wait 150 sites_sees_all "$1" || { sites_log "$1 does not see all six backends up"; return 1; }
}

# sites_dpdk_start LB: LB, a backup, goes over to edgelb-dpdk, as an
# operator would move a balancer to a NIC given to DPDK: its edgelbd
# stopped and the XDP program detached (edgelbd --cleanup), eth0 given to
# edgelb-dpdk and LB's address to its TAP (sites_dpdk_port), edgelbd
# started again with the same services and VRRP, dataplane.mode "dpdk"
# (it writes the tables edgelb-dpdk made). Returns once LB is back as
# backup with all six backends up. LB forwards nothing meanwhile: VRRP
# sends the site's traffic to its master.
sites_dpdk_start() {
	local lb=$1 conf
	conf=$(sites_file "$lb" conf)
	sites_dpdk_built || { sites_log "edgelb-dpdk is not built (DPDK, Debian package dpdk-dev)"; return 1; }
	sites_edgelbd_kill TERM "$lb"
	ip netns exec "$(sites_ns "$lb")" "$BUILD/controlplane/edgelbd" --cleanup -c "$conf" \
		>>"$(sites_file "$lb" log)" 2>&1 || { sites_log "edgelbd --cleanup failed in $lb"; return 1; }
	sites_dpdk_port "$lb" || return 1
	sites_config "$lb" dpdk >/dev/null
	sites_edgelbd_start "$lb" || return 1
	[ "$(sites_dataplane "$lb")" = dpdk ] || { sites_log "$lb's edgelbd is not in DPDK mode"; return 1; }
	sites_ready "$lb"
}

# sites_dpdk_stop LB: LB, a backup on edgelb-dpdk, back to XDP: edgelbd
# stopped, edgelb-dpdk stopped and eth0 given back to the kernel
# (sites_dpdk_unport), edgelbd started with the XDP config (it loads and
# attaches its program afresh). Returns once LB is a backup with all six
# backends up again.
sites_dpdk_stop() {
	local lb=$1
	sites_edgelbd_kill TERM "$lb"
	sites_dpdk_unport "$lb" || return 1
	sites_config "$lb" >/dev/null
	sites_edgelbd_start "$lb" || return 1
	[ "$(sites_dataplane "$lb")" = xdp ] || { sites_log "$lb's edgelbd is not in XDP mode"; return 1; }
	sites_ready "$lb"
}

# ---- backends -----------------------------------------------------------------

# sites_backend_health LB BE: BE's health in LB's checks (up, down)
sites_backend_health() {
	sites_lbctl "$1" --json health web | jq -r ".backends[] | select(.name == \"$2\") | .health"
}
# sites_backend_up_everywhere BE: every balancer's checks say up
sites_backend_up_everywhere() {
	local lb
	for lb in $SITES_LBS; do
		[ "$(sites_backend_health "$lb" "$1")" = up ] || return 1
	done
}
# sites_all_up: every balancer's checks see all six backends up
sites_all_up() {
	local lb
	for lb in $SITES_LBS; do
		sites_sees_all "$lb" || return 1
	done
}
# sites_backend_each VERB BE: lbctl backend VERB on every balancer
sites_backend_each() {
	local lb
	for lb in $SITES_LBS; do
		sites_lbctl "$lb" backend "$1" web "$2" >/dev/null || return 1
	done
}

# sites_backend_idle BE: no connection of a client left on BE (its flows ended)
sites_backend_idle() {
	[ "$(sites_exec "$1" ss -Htn state established '( sport = :80 )' | wc -l)" -eq 0 ]
}

# sites_backend_upgrade BE: drain on every balancer, wait for its flows
# to end, restart its web server, wait until every balancer's checks see
# it up, undrain
sites_backend_upgrade() {
	local be=$1 pid
	sites_backend_each drain "$be" || return 1
	sites_wait 100 sites_backend_idle "$be" || { sites_log "$be still has connections"; return 1; }
	pid=$(cat "$(sites_file "$be" pid)")
	sites_nginx_stop "$be"
	sites_wait 50 eval "! kill -0 $pid 2>/dev/null" || { sites_log "nginx of $be did not stop"; return 1; }
	sites_nginx_start "$be" || return 1
	sites_wait 100 sites_backend_up_everywhere "$be" ||
		{ sites_log "$be is not up again on every balancer"; return 1; }
	sites_backend_each undrain "$be"
}

# sites_site_down_seen SITE: the balancers of the other site see every
# backend of SITE down
sites_site_down_seen() {
	local lb be
	for lb in $(sites_lbs_of "$(sites_other "$1")"); do
		for be in $(sites_bes_of "$1"); do
			[ "$(sites_backend_health "$lb" "$be")" = down ] || return 1
		done
	done
}
