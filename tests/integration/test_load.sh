#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelb-load (tools/lab/edgelb-load.c) against Debian's nginx in a
# network namespace of its own, no balancer: the client's counts and
# outage figure against a fault the test causes.
#
#  1. steady load: requests ~ rate x time, no failure, the spread names
#     the page's label ("be7 dc3");
#  2. "mark kill", then nginx killed (kill -9) and started again ~0.5 s
#     later: the kill period has refused requests, and an outage of at
#     least the 0.5 s nginx was down (the client's own clock: the mark is
#     taken when it reads the line) and below a generous bound;
#  3. "mark after" once nginx listens again: no failure;
#  4. "stop": the total line, no TIME_WAIT left on the client's side; and
#     a short run toward [::1] (IPv6 target).
#
# usage: test_load.sh BUILDDIR     (root; exits 77 when it cannot run,
# 1 under CI=true: check.sh's skip_or_fail)
set -u
BUILD=$(cd "${1:?usage: test_load.sh BUILDDIR}" && pwd)
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"

need_root "network namespaces"
need_tools ip ss nginx timeout
LOAD=$BUILD/tools/lab/edgelb-load
[ -x "$LOAD" ] || { echo "FAIL: $LOAD is not built"; exit 1; }

RATE=200
DOWN_S=0.5      # how long nginx stays dead
OUTAGE_MAX=5000 # ms: generous, for a loaded 2-CPU machine
NS=elbload$$
ADDR=192.0.2.80
T=$(mktemp -d /tmp/edgelb-load-test.XXXXXX)
NGINX_PID=
LOAD_PID=

cleanup() {
	[ -n "$LOAD_PID" ] && kill -9 "$LOAD_PID" 2>/dev/null
	if [ -n "$NGINX_PID" ]; then
		kill -9 "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null # reaped here: no "Killed" notice
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$NS" || skip_or_fail "cannot create a network namespace"
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$ADDR/32" dev lo

# One nginx process (master_process off): kill -9 of it closes the
# listening socket at once, as a crashed backend would. With a master, the
# worker would live on and keep answering.
mkdir -p "$T/nginx/tmp"
cat >"$T/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $T/nginx/tmp/body;
    proxy_temp_path $T/nginx/tmp/proxy;
    fastcgi_temp_path $T/nginx/tmp/fastcgi;
    uwsgi_temp_path $T/nginx/tmp/uwsgi;
    scgi_temp_path $T/nginx/tmp/scgi;
    default_type text/plain;
    server {
        listen 80 default_server;
        listen [::]:80 default_server;
        location / { return 200 "be7 dc3\n"; }
    }
}
EOF
listening() { ip netns exec "$NS" ss -Hltn "sport = :80" | grep -q .; }
not_listening() { ! listening; }
nginx_start() {
	ip netns exec "$NS" nginx -p "$T/nginx/" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" \
		>>"$T/nginx/stderr.log" 2>&1 &
	NGINX_PID=$!
	wait_until 5 listening || {
		echo "nginx did not start: $(tail -5 "$T/nginx/error.log" "$T/nginx/stderr.log")"
		return 1
	}
}
# ctl LINE: one line to edgelb-load's FIFO; bounded, should the client be
# gone (a FIFO without a reader would block the writer's open forever)
# shellcheck disable=SC2016 # expanded by the inner bash
ctl() { timeout 2 bash -c 'echo "$1" >"$2"' _ "$1" "$T/ctl"; }
# line PREFIX: the first output line starting with PREFIX
line() { grep -m1 "^$1" "$T/out"; }
has_line() { grep -q "^$1" "$T/out"; }
# field "LINE" KEY: the value of KEY=, before the spread
field() {
	local w
	for w in $1; do
		[ "$w" = spread ] && break
		[ "${w%%=*}" = "$2" ] && { echo "${w#*=}"; return; }
	done
	echo missing
}
num() { [[ $1 =~ ^-?[0-9]+$ ]]; }
between() { num "$1" && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# gone PID: the process has exited
gone() { ! kill -0 "$1" 2>/dev/null; }

nginx_start || exit 1
mkfifo "$T/ctl"
ip netns exec "$NS" "$LOAD" --target "$ADDR:80" --rate "$RATE" --timeout 1000 --duration 60 \
	--control "$T/ctl" >"$T/out" 2>"$T/err" &
LOAD_PID=$!
check "edgelb-load says ready" wait_until 5 has_line ready
t_ready=$(now_ms)

# 1. steady load for about 2 s
sleep 2
ctl "mark kill"
t_mark=$(now_ms)
# its report comes once the period's last requests end: proof that the
# client has read the mark before the fault below
check "the start period is reported after 'mark kill'" wait_until 3 has_line "period start "
start=$(line "period start ")
echo "$start"
# the start period began before "ready" was seen (by up to one poll)
elapsed=$((t_mark - t_ready))
expect=$((RATE * elapsed / 1000))
n=$(field "$start" requests)
check "start: $n requests in ~${elapsed} ms at $RATE/s (expected ~$expect, within 25% + 20)" \
	between "$n" $((expect * 3 / 4 - 20)) $((expect * 5 / 4 + 20))
check "start: no failure" [ "$(field "$start" failed)" = 0 ]
check "start: all ok" [ "$(field "$start" ok)" = "$n" ]
check "start: the spread names the page's label" \
	grep -q "^period start .* spread be7=$n site dc3=$n\$" "$T/out"
check "start: latencies given" num "$(field "$start" p99_latency_ms)"

# 2. nginx dies, and comes back DOWN_S later
kill -9 "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null
NGINX_PID=
check "nginx stopped listening" wait_until 2 not_listening
sleep "$DOWN_S"
nginx_start || exit 1

# 3. the fault is over: a new period
ctl "mark after"
check "the kill period is reported" wait_until 5 has_line "period kill "
kill_line=$(line "period kill ")
echo "$kill_line"
f=$(field "$kill_line" failed)
check "kill: failures counted ($f)" between "$f" 1 1000000
# refused: connects while nothing listened; reset: a request nginx had
# accepted (or had in its backlog) when it died, a 1-in-5 chance at 200/s
ref=$(field "$kill_line" refused) rst=$(field "$kill_line" reset)
refused_or_reset() { [ "$ref" -gt 0 ] && [ $((ref + rst)) -eq "$f" ]; }
check "kill: refused ($ref) > 0, and refused + reset ($rst) are all the failures" \
	refused_or_reset
o=$(field "$kill_line" outage_ms)
check "kill: outage $o ms covers the ${DOWN_S} s nginx was down, under $OUTAGE_MAX ms" \
	between "$o" "$(s_to_ms "$DOWN_S")" "$OUTAGE_MAX"
fail_times_ok() {
	between "$(field "$kill_line" first_fail_ms)" 0 "$o" &&
		between "$(field "$kill_line" last_fail_ms)" 0 $((o - 1))
}
check "kill: first failure after the mark, last one before the outage's end" fail_times_ok
check "kill: not unresolved" [ "$(field "$kill_line" unresolved)" = missing ]

# a second of good traffic, then the end
sleep 1
ctl "stop"
check "edgelb-load exits after stop" wait_until 5 gone "$LOAD_PID"
wait "$LOAD_PID"
check "edgelb-load exit status 0" [ $? -eq 0 ]
LOAD_PID=
after=$(line "period after ")
echo "$after"
check "after: requests ($(field "$after" requests))" between "$(field "$after" requests)" 1 1000000
check "after: no failure" [ "$(field "$after" failed)" = 0 ]
total=$(line "total ")
echo "$total"
check "the total line" [ -n "$total" ]
check "total: failures are the kill period's" [ "$(field "$total" failed)" = "$f" ]
check "total: the longest outage is the kill period's" [ "$(field "$total" outage_ms)" = "$o" ]
# the server closed first every time: the TIME_WAITs are all nginx's
# (port 80), none is the client's (toward port 80)
tw_client=$(ip netns exec "$NS" ss -Htan state time-wait "dport = :80" | wc -l)
tw_server=$(ip netns exec "$NS" ss -Htan state time-wait "sport = :80" | wc -l)
check "no TIME_WAIT on the client's side ($tw_client; nginx's: $tw_server)" [ "$tw_client" -eq 0 ]
# nothing to say on stderr but the stop
only_the_stop() { ! grep -qv "^edgelb-load: stopping" "$T/err"; }
check "stderr: only the stop" only_the_stop
[ "$failed" -eq 0 ] || { echo "stderr:"; cat "$T/err"; }

# 4. an IPv6 target, without a control FIFO, for 1 s
ip netns exec "$NS" timeout 10 "$LOAD" --target "[::1]:80" --rate 50 --duration 1 >"$T/out" 2>"$T/err"
check "IPv6: exit status 0" [ $? -eq 0 ]
total=$(line "total ")
echo "$total"
v6_lines() { has_line ready && has_line "period start " && [ -n "$total" ]; }
check "IPv6: ready, then 'period start' and 'total'" v6_lines
v6_counts() { between "$(field "$total" requests)" 40 60 && [ "$(field "$total" failed)" = 0 ]; }
check "IPv6: ~50 requests, none failed" v6_counts

check_summary
