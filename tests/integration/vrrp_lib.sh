# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers of the VRRP namespace tests (test_vrrp_*.sh): namespaces,
# a private bpffs, edgelbd and keepalived processes, state readers, bounded
# polling, and one cleanup that undoes all of it even when a test fails.
# Source it after setting BUILD; call vl_init TAG first. It sources
# check.sh: what cannot run skips, or fails under CI (skip_or_fail), and
# waits have wall-clock deadlines (wait_until).
#
# Daemons are named by a LABEL chosen by the test (e.g. "a", "ka"); each
# gets its files under $VL_DIR: LABEL.sock, LABEL.log, LABEL.pid,
# state.LABEL (written by its notify script).

VL_NS=()
declare -A VL_ELB_PID=() VL_ELB_NS=() VL_KA_PID=() VL_KA_NS=() VL_KA_CONF=()
VL_FAILS=0
VL_DIR=
VL_BPFFS=

# shellcheck source=check.sh
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"

vl_ok() { echo "PASS: $*"; }
vl_bad() { echo "FAIL: $*"; VL_FAILS=$((VL_FAILS + 1)); }
vl_now_ms() { date +%s%3N; }

# vl_wait_for TENTHS CMD...: until CMD succeeds, for at most TENTHS tenths
# of a second of wall-clock time (check.sh's wait_until: a deadline, not a
# count of polls, so a slow CMD does not stretch the wait)
vl_wait_for() {
	local t=$1
	shift
	wait_until "$((t / 10)).$((t % 10))" "$@"
}

# vl_need_root_keepalived: root and the tools every VRRP test uses (lbctl's
# JSON is read with jq); sets KA
vl_need_root_keepalived() {
	need_root "network namespaces, XDP, VRRP sockets"
	need_tools ip jq keepalived
	KA=$(command -v keepalived || true)
	[ -x "${KA:-/usr/sbin/keepalived}" ] || KA=/usr/sbin/keepalived
}

vl_cleanup() {
	local l p
	set +e
	for l in "${!VL_ELB_PID[@]}"; do
		p=${VL_ELB_PID[$l]}
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for l in "${!VL_KA_PID[@]}"; do
		[ -n "${VL_KA_PID[$l]}" ] && vl_ka_kill9 "$l"
	done
	for p in "${VL_NS[@]}"; do ip netns del "$p" 2>/dev/null; done
	[ -n "$VL_BPFFS" ] && mountpoint -q "$VL_BPFFS" && umount "$VL_BPFFS"
	if [ -n "$VL_DIR" ]; then
		if [ "$VL_FAILS" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
			echo "logs kept in $VL_DIR"
		else
			rm -rf "$VL_DIR"
		fi
	fi
}

# vl_init NAME: work directory, private bpffs (outside /sys: see
# LAB-FACTS), cleanup trap
vl_init() {
	VL_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
	trap vl_cleanup EXIT
	trap 'exit 130' INT TERM
	VL_BPFFS=$VL_DIR/bpffs
	mkdir -p "$VL_BPFFS"
	mount -t bpf bpf "$VL_BPFFS" || { VL_BPFFS=; skip_or_fail "cannot mount a bpffs at $VL_DIR/bpffs"; }
}

# vl_ns_add NS: a namespace with lo up; IPv6 DAD off so that link-local
# addresses (the source of VRRP v3 IPv6 adverts) are usable at once
vl_ns_add() {
	ip netns add "$1" || skip_or_fail "cannot create network namespace $1"
	VL_NS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
}

# vl_veth NS1 IF1 MAC1 NS2 IF2 MAC2: a veth pair, both ends up
vl_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	ip -n "$1" link set "$2" address "$3"
	ip -n "$4" link set "$5" address "$6"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# vl_notify LABEL INSTANCE: a notify script (4 args, as both daemons call
# it) writing the state to $VL_DIR/state.LABEL and the time it ran (Unix ms)
# to stamp.LABEL, so that takeover times are measured without polling
# slack; prints its path
vl_notify() {
	local f=$VL_DIR/notify.$1.sh
	cat >"$f" <<EON
#!/bin/sh
[ "\$1" = INSTANCE ] && [ "\$2" = $2 ] && [ \$# -eq 4 ] || exit 1
date +%s%3N >"$VL_DIR/stamp.$1"
echo "\$3" >"$VL_DIR/state.$1.tmp" && mv "$VL_DIR/state.$1.tmp" "$VL_DIR/state.$1"
EON
	chmod 755 "$f"
	echo "$f"
}
vl_notify_state() { cat "$VL_DIR/state.$1" 2>/dev/null || echo NONE; }
vl_notify_ms() { cat "$VL_DIR/stamp.$1" 2>/dev/null || echo 0; }
vl_notify_reset() { rm -f "$VL_DIR/state.$1" "$VL_DIR/stamp.$1"; }

# --- edgelbd

vl_lbctl() {
	local l=$1
	shift
	ip netns exec "${VL_ELB_NS[$l]}" "$BUILD/tools/lbctl" -s "$VL_DIR/$l.sock" "$@"
}

# vl_elb_start LABEL NS CONF: start edgelbd, wait until its socket answers
vl_elb_start() {
	local l=$1
	VL_ELB_NS[$l]=$2
	ip netns exec "$2" "$BUILD/controlplane/edgelbd" -c "$3" >>"$VL_DIR/$l.log" 2>&1 &
	VL_ELB_PID[$l]=$!
	for _ in $(seq 100); do
		vl_lbctl "$l" status >/dev/null 2>&1 && return 0
		kill -0 "${VL_ELB_PID[$l]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "edgelbd $l did not come up:"
	tail -20 "$VL_DIR/$l.log"
	return 1
}

# vl_elb_stop LABEL SIGNAL: signal edgelbd and reap it (bounded)
vl_elb_stop() {
	local p=${VL_ELB_PID[$1]}
	[ -n "$p" ] || return 0
	kill "-$2" "$p" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	VL_ELB_PID[$1]=
	# a sanitizer build reports leaks and undefined behaviour at exit
	if grep -qE "Sanitizer|runtime error:" "$VL_DIR/$1.log"; then
		vl_bad "edgelbd $1: sanitizer report in $1.log"
		grep -E -A12 "Sanitizer|runtime error:" "$VL_DIR/$1.log" | head -40
	fi
}

# vl_elb_field LABEL FIELD [INSTANCE]: one field of the instance (default:
# the first) in `lbctl --json vrrp status`; dotted for nesting
# (rejects.auth_mismatch; an absent reject counts 0). NONE when edgelbd
# does not answer.
vl_elb_field() {
	local out
	out=$(vl_lbctl "$1" --json vrrp status ${3:+"$3"} 2>/dev/null | jq -r --arg p "$2" '
		(.instances[0] // error("no instance")) as $o | ($p | split(".")) as $path |
		($o | getpath($path)) as $v |
		if $v == null then (if ($path | length) > 1 then 0 else "None" end) else $v end |
		tostring' 2>/dev/null)
	echo "${out:-NONE}"
}
vl_elb_state() { vl_elb_field "$1" state; }
# the rejects object, compact, for messages
vl_elb_rejects() {
	local out
	out=$(vl_lbctl "$1" --json vrrp status 2>/dev/null | jq -rc \
		'.instances[0] | "rx_rejected=\(.rx_rejected) \(.rejects | tojson)"' 2>/dev/null)
	echo "${out:-NONE}"
}

# vl_within WHAT DT_MS BOUND_MS: PASS/FAIL with the measured time
vl_within() {
	if [ "$2" -ge 0 ] && [ "$2" -le "$3" ]; then
		vl_ok "$1 after $2 ms (bound $3)"
	else
		vl_bad "$1 after $2 ms (bound $3)"
	fi
}

# --- keepalived (VRRP part only, foreground; parent + vrrp child)

# vl_ka_start LABEL NS CONF
vl_ka_start() {
	local l=$1
	VL_KA_NS[$l]=$2
	VL_KA_CONF[$l]=$3
	rm -f "$VL_DIR/$l.pid" "$VL_DIR/$l.vrrp.pid"
	ip netns exec "$2" "$KA" --vrrp -n -l -D -f "$3" \
		-p "$VL_DIR/$l.pid" -r "$VL_DIR/$l.vrrp.pid" >>"$VL_DIR/$l.log" 2>&1 &
	VL_KA_PID[$l]=$!
}
vl_ka_child() { cat "$VL_DIR/$1.vrrp.pid" 2>/dev/null; }

# vl_ka_kill9 LABEL: a dead master, not a resigning one. Both processes are
# stopped before either is killed: a killed child alone is respawned by the
# parent, and a child whose parent dies first is told to shut down and
# would send its priority-0 advert.
vl_ka_kill9() {
	local p=${VL_KA_PID[$1]} c
	[ -n "$p" ] || return 0
	c=$(vl_ka_child "$1")
	kill -STOP "$p" ${c:+"$c"} 2>/dev/null
	kill -KILL "$p" ${c:+"$c"} 2>/dev/null
	wait "$p" 2>/dev/null
	# the child is not ours to reap; make sure it is gone before going on
	[ -n "$c" ] && for _ in $(seq 50); do kill -0 "$c" 2>/dev/null || break; sleep 0.02; done
	VL_KA_PID[$1]=
}

# vl_ka_term LABEL: keepalived's graceful stop (the child sends priority 0)
vl_ka_term() {
	local p=${VL_KA_PID[$1]} c
	[ -n "$p" ] || return 0
	c=$(vl_ka_child "$1")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" ${c:+"$c"} 2>/dev/null
	wait "$p" 2>/dev/null
	VL_KA_PID[$1]=
}

# vl_has_addr NS IF ADDR/PLEN: the address is on the interface
vl_has_addr() { ip -n "$1" -br addr show dev "$2" | grep -qw -- "$3"; }

# vl_is CMD... VALUE: the output of CMD... equals VALUE
vl_is() {
	local want=${!#}
	[ "$("${@:1:$#-1}")" = "$want" ]
}
