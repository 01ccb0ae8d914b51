#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Health-check cost, edgelbd beside HAProxy (issue 17): in one run, against
# the same nginx and the same BACKENDS backend addresses (SERVICES
# services or HAProxy backends), checks every INTERVAL seconds, first TCP
# checks, then HTTP ones; in each mode edgelbd, then HAProxy (Debian's,
# `nbthread 1`, installed by tools/install-deps.sh), one after the
# other, each after every backend is up and a warm-up. Only the ratios
# within one run mean anything on a shared VM.
#
# One row per checker and mode:
#   checks/s   connects per second in the namespace (Tcp ActiveOpens of
#              /proc/net/snmp over the window): what the checker really did
#   cpu        the checker's CPU over the window in % of one core: the
#              kernel's runtime of its threads (/proc/PID/task/*/schedstat,
#              nanoseconds), and its user and system parts: that runtime
#              split as the kernel splits it in /proc/PID/stat (this
#              kernel samples the split at ticks: no
#              CONFIG_VIRT_CPU_ACCOUNTING_GEN). System time includes the
#              kernel's TCP work for both ends of each check: on a local
#              address the server's side runs in the softirq of the
#              checker's send (no IRQ time accounting here)
#   anon, file private memory (RssAnon) and mapped files/shared memory
#              (RssFile + RssShmem: edgelbd's BPF maps) at the end, MiB
#   server     nginx's CPU (master and workers, schedstat) in % of a core
#   timewait   largest TIME_WAIT count seen by `ss -s` during the window
#   late       edgelbd only: the latest any check started since the daemon
#              started (/metrics), start-up included, ms
# then edgelbd's own view (lbctl health: checks/s, latency, lateness), and
# last the ratios edgelbd/HAProxy of CPU and RssAnon, one line per mode:
#   ratio tcp cpu=X rss=Y
#   ratio http cpu=X rss=Y
# Targets (issue 17): tcp cpu <= 0.6, http cpu <= 0.5, rss <= 1, no check
# late by more than one interval. It prints figures and asserts nothing;
# it fails only when it cannot measure.
#
# The backends are one nginx in edgelbd's own network namespace: the
# addresses 10.200.0.0/16 are all local there (a "local" route on lo), so
# nginx, listening on 0.0.0.0:80, answers every one of them. (127.x.y.z
# would do the same, but edgelb.conf refuses loopback backends.) edgelbd
# needs an interface for XDP: a veth whose peer is in a second namespace,
# as tools/bench/update.sh does. HAProxy runs in the same namespace.
#
# SPLIT=1 puts nginx in the veth's other namespace instead, nginx on CPU 1
# and the checker on CPU 0, and steers what the checker sends to CPU 1
# (RPS): the server's kernel work then no longer runs in the checker's
# system time, which is closer to a balancer whose backends are other
# machines.
#
# usage: tools/bench/health.sh [BUILDDIR] [WINDOW_SECONDS]     (root)
# env:   BACKENDS (10000), SERVICES (100), TYPES ("tcp http"; "none" is
#        edgelbd without checks, a baseline), CHECKERS ("edgelbd haproxy"),
#        INTERVAL (1), TIMEOUT (0.5), WARMUP (5 s), SPLIT (0; see above)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
WINDOW=${2:-20}
BACKENDS=${BACKENDS:-10000}
SERVICES=${SERVICES:-100}
TYPES=${TYPES:-tcp http}
CHECKERS=${CHECKERS:-edgelbd haproxy}
INTERVAL=${INTERVAL:-1}
SPLIT=${SPLIT:-0}
TIMEOUT=${TIMEOUT:-0.5}
WARMUP=${WARMUP:-5}
PER=$(((BACKENDS + SERVICES - 1) / SERVICES))
NS=elbhc$$
DIR=$(mktemp -d /tmp/edgelb-health-bench.XXXXXX)
LBCTL=$BUILD/tools/lbctl
HERE=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "health.sh: $*" >&2
	exit 1
}

cleanup() {
	set +e
	[ -f "$DIR/pid" ] && kill -9 "$(cat "$DIR/pid")" 2>/dev/null
	[ -f "$DIR/nginx.pid" ] && kill -QUIT "$(cat "$DIR/nginx.pid")" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns pids "${NS}gw" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "${NS}gw" 2>/dev/null
	mountpoint -q "$DIR/bpffs" && umount "$DIR/bpffs"
	rm -rf "$DIR"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP)"
command -v nginx >/dev/null || die "nginx is not installed (tools/install-deps.sh)"
[ -x "$BUILD/controlplane/edgelbd" ] || die "no edgelbd in $BUILD: build first"
# the checks come with `lbctl health`; a build without them cannot be measured
"$LBCTL" --help 2>&1 | grep -q '^ *health' ||
	die "lbctl has no 'health' command: this build has no health checks to measure"
[ "$BACKENDS" -le 16383 ] || die "at most 16383 backends (edgelb.conf(5))"
case " $CHECKERS " in
*" haproxy "*)
	# the reference the ratios are taken against (Debian's haproxy)
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] ||
		die "haproxy is not installed (tools/install-deps.sh); CHECKERS=edgelbd measures edgelbd alone"
	;;
esac
SRV_NS=$NS LB_CPU=() SRV_CPU=()
if [ "$SPLIT" = 1 ]; then
	[ "$(nproc)" -ge 2 ] || die "SPLIT=1 needs two CPUs"
	SRV_NS=${NS}gw LB_CPU=(taskset -c 0) SRV_CPU=(taskset -c 1)
fi

# ---- the namespaces: edgelbd's with a veth for XDP, and nginx's addresses
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
# every backend address is local where nginx runs: on 0.0.0.0 it answers
# them all
if [ "$SPLIT" = 1 ]; then
	ip -n "$NS" route add 10.200.0.0/16 via 10.96.0.1 dev eth0
	ip -n "$SRV_NS" route add local 10.200.0.0/16 dev lo
	# what the checker sends is received on CPU 1 (RPS), nginx's answers
	# are handled where nginx sends them (the veth's NAPI under edgelbd's XDP)
	ip netns exec "$SRV_NS" sh -c 'echo 2 >/sys/class/net/gw0/queues/rx-0/rps_cpus'
else
	# XDP_TX into the veth would need a program on the peer (LAB-FACTS.md)
	ip -n "${NS}gw" link set dev gw0 xdp obj "$BUILD/bpf/pass.bpf.o" sec xdp
	ip -n "$NS" route add local 10.200.0.0/16 dev lo
	# What edgelbd's next-hop lookups see (the local table routes the checks
	# first): without it every backend's next hop is unresolved, and edgelbd
	# asks again and logs it for all 10 000 every second, a cost of the lab
	# that HAProxy does not pay and that is no part of the checks
	ip -n "$NS" route add 10.200.0.0/16 via 10.96.0.1 dev eth0
	ip netns exec "$NS" ping -c 1 -W 1 10.96.0.1 >/dev/null || true
fi
# accept queues deep enough for a second's worth of checks arriving at once
ip netns exec "$SRV_NS" sysctl -qw net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192

# ---- nginx: one instance, its own files, no access log
mkdir -p "$DIR/nginx"
chmod 755 "$DIR"
cat >"$DIR/nginx.conf" <<EOF
# generated by tools/bench/health.sh
worker_processes $([ "$SPLIT" = 1 ] && echo 1 || echo 2);
worker_rlimit_nofile 16384;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $DIR/nginx/body;
	proxy_temp_path $DIR/nginx/proxy;
	fastcgi_temp_path $DIR/nginx/fastcgi;
	uwsgi_temp_path $DIR/nginx/uwsgi;
	scgi_temp_path $DIR/nginx/scgi;
	server {
		listen 80 backlog=8192;
		location /health { return 200 "ok"; }
		location / { return 200 "ok"; }
	}
}
EOF
ip netns exec "$SRV_NS" "${SRV_CPU[@]}" nginx -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log" ||
	die "nginx did not start: $(cat "$DIR/nginx-error.log" 2>/dev/null)"
for _ in $(seq 50); do
	ip netns exec "$SRV_NS" ss -Hltn "sport = :80" | grep -q . && break
	sleep 0.1
done
ip netns exec "$NS" curl -fsS -m 2 http://10.200.1.2/health >/dev/null ||
	die "nginx does not answer on 10.200.1.2"

backend_addr() { echo "10.200.$(($1 / 250)).$(($1 % 250 + 1))"; }

# write_config TYPE: SERVICES services of PER backends, all checked
write_config() {
	local type=$1 s b n=0 health
	health="type = \"$type\"; interval = $INTERVAL; timeout = $TIMEOUT;"
	[ "$type" = http ] && health+=" http = { path = \"/health\"; };"
	[ "$type" = none ] && health='type = "none";' # the baseline: no checks
	{
		echo "instance = \"hcbench\"; pin_dir = \"$DIR/bpffs/edgelb\";"
		echo "state_file = \"$DIR/state\"; control_socket = \"$DIR/sock\";"
		echo "metrics_listen = \"127.0.0.1:9274\";"
		echo "dataplane = { interfaces = [ \"eth0\" ]; flow_table_size = 4096; };"
		echo "services = ("
		for s in $(seq 0 $((SERVICES - 1))); do
			[ "$s" -gt 0 ] && echo ","
			echo "{ name = \"svc$s\"; vip = \"10.98.$((s / 250)).$((s % 250 + 1))\"; port = 80;"
			echo "  protocol = \"tcp\"; health = { $health }; backends = ("
			for b in $(seq 0 $((PER - 1))); do
				[ "$n" -ge "$BACKENDS" ] && break
				[ "$b" -gt 0 ] && echo ","
				echo "  { name = \"b$b\"; address = \"$(backend_addr "$n")\"; }"
				n=$((n + 1))
			done
			echo ") }"
		done
		echo ");"
	} >"$DIR/edgelb.conf"
}

# write_haproxy_config TYPE: the same backends, the same checks (rise 2,
# fall 3 as edgelb.conf's defaults; the same request for HTTP)
write_haproxy_config() {
	local type=$1 s b n=0 ms
	ms=$(awk -v i="$INTERVAL" 'BEGIN { printf "%d", i * 1000 }')
	{
		echo "# generated by tools/bench/health.sh"
		echo "global"
		echo "	nbthread 1"
		echo "	maxconn 4000" # ~18 000 fds with the checks, under the hard limit of 20 000 here
		echo "	stats socket $DIR/haproxy.sock mode 600 level admin"
		echo "defaults"
		echo "	mode $type"
		echo "	timeout connect $(awk -v t="$TIMEOUT" 'BEGIN { printf "%d", t * 1000 }')ms"
		echo "	timeout check $(awk -v t="$TIMEOUT" 'BEGIN { printf "%d", t * 1000 }')ms"
		echo "	timeout client 5s"
		echo "	timeout server 5s"
		echo "	default-server inter ${ms}ms rise 2 fall 3"
		for s in $(seq 0 $((SERVICES - 1))); do
			echo "backend svc$s"
			if [ "$type" = http ]; then
				echo "	option httpchk"
				echo "	http-check send meth GET uri /health ver HTTP/1.1 hdr Host hc hdr Connection close"
			fi
			for b in $(seq 0 $((PER - 1))); do
				[ "$n" -ge "$BACKENDS" ] && break
				echo "	server b$b $(backend_addr "$n"):80 check"
				n=$((n + 1))
			done
		done
	} >"$DIR/haproxy.cfg"
}

lbctl() { "$LBCTL" -s "$DIR/sock" "$@"; }

# snapshot DIR: `lbctl health SERVICE --json` of every service (one reply
# for all 10 000 backends would exceed what a reply may hold)
snapshot() {
	local s
	mkdir -p "$1"
	for s in $(seq 0 $((SERVICES - 1))); do
		lbctl health "svc$s" --json >"$1/svc$s.json" || return 1
	done
}

# edgelbd's backends that are up
edgelbd_up() {
	rm -rf "$DIR/up"
	snapshot "$DIR/up"
	cat "$DIR"/up/*.json | python3 -c '
import json, sys
d = json.JSONDecoder()
s = sys.stdin.read()
i = n = 0
while i < len(s):
    while i < len(s) and s[i].isspace():
        i += 1
    if i >= len(s):
        break
    o, i = d.raw_decode(s, i)
    n += sum(b["health"] == "up" for b in o["backends"])
print(n)'
}

# HAProxy's servers that are up (stats socket, `show stat`)
haproxy_up() {
	python3 - "$DIR/haproxy.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
rows = out.decode().splitlines()
cols = rows[0].lstrip("# ").split(",")
st, sv = cols.index("status"), cols.index("svname")
print(sum(1 for r in rows[1:] if r and r.split(",")[sv] not in ("FRONTEND", "BACKEND")
          and r.split(",")[st].startswith("UP")))
EOF
}

# runtime_ns PID...: the kernel's runtime of every thread, ns (schedstat)
runtime_ns() {
	local p
	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f", s }'
}
# ticks PID: "utime stime" (fields 14 and 15 of /proc/PID/stat): the split only
ticks() { awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"; }
# status_kib PID FIELD
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# the namespace's connects so far (Tcp: ActiveOpens)
active_opens() {
	ip netns exec "$NS" awk '$1 == "Tcp:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Tcp:" { print $c["ActiveOpens"] }' /proc/net/snmp
}
nginx_pids() {
	local m
	m=$(cat "$DIR/nginx.pid")
	echo "$m" $(ps -o pid= --ppid "$m")
}
# the daemon's worst lateness since it started, in ms (/metrics)
late_max_ms() {
	ip netns exec "$NS" curl -fsS -m 5 http://127.0.0.1:9274/metrics |
		awk '$1 == "edgelb_health_check_late_seconds_max" { printf "%.0f", $2 * 1000 }'
}
timewait() { ip netns exec "$NS" ss -s | sed -n 's/.*timewait \([0-9]*\).*/\1/p'; }

COLS="%-5s %-8s %8s %6s %6s %5s %5s %7s %7s %7s %8s %6s\n"
header() {
	printf "$COLS" mode checker checks/s wanted cpu% usr sys anon file server timewait late
	printf "$COLS" "" "" "(tcp)" "" "1 core" "" "" MiB MiB "cpu%" max "ms"
}

# measure MODE CHECKER PID LATE: the window, one row; figures kept in
# $DIR/res-MODE-CHECKER ("cpu anon") for the ratios
measure() {
	local mode=$1 checker=$2 pid=$3 t0 t1 c0 c1 n0 n1 o0 o1 u0 k0 u1 k1 tw twmax=0 end
	local anon file shm late
	t0=$(date +%s.%N)
	c0=$(runtime_ns "$pid")
	n0=$(runtime_ns $(nginx_pids))
	o0=$(active_opens)
	read -r u0 k0 < <(ticks "$pid")
	end=$(($(date +%s) + WINDOW))
	while [ "$(date +%s)" -lt "$end" ]; do
		tw=$(timewait)
		[ "${tw:-0}" -gt "$twmax" ] && twmax=$tw
		sleep 2
	done
	t1=$(date +%s.%N)
	c1=$(runtime_ns "$pid")
	n1=$(runtime_ns $(nginx_pids))
	o1=$(active_opens)
	read -r u1 k1 < <(ticks "$pid")
	anon=$(status_kib "$pid" RssAnon)
	file=$(status_kib "$pid" RssFile)
	shm=$(status_kib "$pid" RssShmem)
	late=${4:--}
	awk -v fmt="$COLS" -v mode="$mode" -v ck="$checker" -v t0="$t0" -v t1="$t1" \
		-v c0="$c0" -v c1="$c1" -v n0="$n0" -v n1="$n1" -v o0="$o0" -v o1="$o1" \
		-v u="$((u1 - u0))" -v k="$((k1 - k0))" -v anon="$anon" -v file="$((file + shm))" \
		-v tw="$twmax" -v late="$late" -v wanted="$(awk -v b="$BACKENDS" -v i="$INTERVAL" 'BEGIN { print b / i }')" \
		-v res="$DIR/res-$mode-$checker" 'BEGIN {
		w = t1 - t0
		cpu = (c1 - c0) / 1e9 / w * 100
		usr = u + k > 0 ? cpu * u / (u + k) : 0
		printf fmt, mode, ck, sprintf("%.0f", (o1 - o0) / w), sprintf("%.0f", wanted),
			sprintf("%.1f", cpu), sprintf("%.1f", usr), sprintf("%.1f", cpu - usr),
			sprintf("%.1f", anon / 1024), sprintf("%.1f", file / 1024),
			sprintf("%.1f", (n1 - n0) / 1e9 / w * 100), tw, late
		printf "%f %d\n", cpu, anon > res
	}'
}

stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$DIR/pid"
}

run_edgelbd() {
	local type=$1 pid s0 s1 t0 t1 up=0 late_max late_before
	write_config "$type"
	rm -rf "$DIR/bpffs/edgelb" "$DIR/state"
	ip netns exec "$NS" "${LB_CPU[@]}" "$BUILD/controlplane/edgelbd" -c "$DIR/edgelb.conf" \
		>"$DIR/edgelbd-$type.log" 2>&1 &
	pid=$!
	echo "$pid" >"$DIR/pid"
	for _ in $(seq 300); do
		lbctl status >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	lbctl status >/dev/null 2>&1 || die "edgelbd did not come up: $(tail -5 "$DIR/edgelbd-$type.log")"
	lbctl health svc0 --json >"$DIR/probe.json" 2>"$DIR/probe.err" ||
		die "edgelbd does not answer 'lbctl health': $(cat "$DIR/probe.err")"

	# every backend up first (rise checks), bounded; then the warm-up
	if [ "$type" != none ]; then
		for _ in $(seq 30); do
			up=$(edgelbd_up)
			[ "$up" -ge "$BACKENDS" ] && break
			sleep 1
		done
		[ "$up" -ge "$BACKENDS" ] || echo "health.sh: edgelbd $type: only $up of $BACKENDS backends up" >&2
	fi
	sleep "$WARMUP"

	rm -rf "$DIR/s0" "$DIR/s1"
	late_before=$(late_max_ms)
	s0=$(date +%s.%N)
	snapshot "$DIR/s0"
	t0=$(date +%s.%N)
	measure "$type" edgelbd "$pid" "$late_before" >"$DIR/row"
	t1=$(date +%s.%N)
	s1=$(date +%s.%N)
	snapshot "$DIR/s1"
	late_max=$(late_max_ms)
	# the row says the worst lateness seen by the end of the window
	sed "s/ ${late_before:-x}\$/ ${late_max:-?}/" "$DIR/row"
	ip netns exec "$NS" ss -s >"$DIR/ss-$type.txt"
	python3 "$HERE/health_stats.py" --type "$type" --backends "$BACKENDS" \
		--interval "$INTERVAL" --wall "$t0" "$t1" --snap-wall "$s0" "$s1" \
		--late-max-ms "${late_max:--1}" --late-max-before-ms "${late_before:--1}" \
		"$DIR/s0" "$DIR/s1" >>"$DIR/detail"
	stop_pid "$pid"
}

run_haproxy() {
	local type=$1 pid up=0
	[ "$type" = none ] && return 0
	write_haproxy_config "$type"
	rm -f "$DIR/haproxy.sock"
	ip netns exec "$NS" "${LB_CPU[@]}" haproxy -db -f "$DIR/haproxy.cfg" \
		>"$DIR/haproxy-$type.log" 2>&1 &
	pid=$!
	echo "$pid" >"$DIR/pid"
	for _ in $(seq 100); do
		[ -S "$DIR/haproxy.sock" ] && break
		kill -0 "$pid" 2>/dev/null || die "haproxy did not start: $(tail -5 "$DIR/haproxy-$type.log")"
		sleep 0.1
	done
	for _ in $(seq 30); do
		up=$(haproxy_up)
		[ "$up" -ge "$BACKENDS" ] && break
		sleep 1
	done
	[ "$up" -ge "$BACKENDS" ] || echo "health.sh: haproxy $type: only $up of $BACKENDS servers up" >&2
	sleep "$WARMUP"
	measure "$type" haproxy "$pid" -
	stop_pid "$pid"
}

echo "edgelb health checks beside HAProxy: $BACKENDS backends ($SERVICES services), interval" \
	"${INTERVAL} s, timeout ${TIMEOUT} s, ${WARMUP} s warm-up, ${WINDOW} s window; one nginx" \
	"answers all $([ "$SPLIT" = 1 ] && echo "(split: other namespace and CPU)" || echo "(same namespace)")"
command -v haproxy >/dev/null && echo "haproxy: $(haproxy -v | head -1)"
header
for type in $TYPES; do
	for checker in $CHECKERS; do
		"run_$checker" "$type"
	done
done
if [ -s "$DIR/detail" ]; then
	echo "edgelbd's own view (lbctl health, each backend's last check in both snapshots):"
	python3 "$HERE/health_stats.py" --header
	cat "$DIR/detail"
fi
echo "targets: cpu <= 0.6 (tcp) and <= 0.5 (http) of HAProxy's, RssAnon <= HAProxy's, no" \
	"check late by more than one interval (${INTERVAL} s)"
# the ratios, last: one line per mode measured with both checkers
for type in $TYPES; do
	if [ -f "$DIR/res-$type-edgelbd" ] && [ -f "$DIR/res-$type-haproxy" ]; then
		awk 'NR == FNR { c = $1; a = $2; next } { printf "ratio %s cpu=%.2f rss=%.2f\n",
			mode, ($1 > 0 ? c / $1 : 0), ($2 > 0 ? a / $2 : 0) }' mode="$type" \
			"$DIR/res-$type-edgelbd" "$DIR/res-$type-haproxy"
	fi
done
