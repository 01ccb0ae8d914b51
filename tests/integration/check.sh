# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by the integration test scripts; source it before anything can skip.
#
# ok / bad / check and their tally: each check prints one "ok: ..." or
# "FAIL: ..." line; end the test with check_summary (its status is the
# test's).
#
# skip_or_fail / need_tools: the one place that decides what a test that
# cannot run does. Outside CI it skips (exit 77, meson shows SKIP) with the
# reason; under CI (CI=true) it fails (exit 1): tools/install-deps.sh
# installs every tool a test uses and CI runs as root, so a skip there is a
# broken machine or a missing dependency, never a pass.
#
# now_ms / wait_until: time for tests that measure time. A wait is a
# condition with a wall-clock deadline, never a fixed sleep and never a
# count of iterations (a slow machine must not wait longer, nor a fast one
# shorter). Nothing here starts an interpreter: a poll costs one date and
# the condition.
passed=0
failed=0
ok() {
	echo "ok: $*"
	passed=$((passed + 1))
}
bad() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
check() { # check "what" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
check_summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# skip_or_fail REASON: skip the test (exit 77), or under CI=true fail it
# (exit 1). REASON names what is missing and, for a tool, its package.
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $(basename "$0"): $1 (CI=true: a test that cannot run fails instead of skipping)"
		exit 1
	fi
	echo "SKIP: $(basename "$0"): $1"
	exit 77
}

# the Debian package of each tool a test uses (tools/install-deps.sh)
declare -gA CHECK_PKG=(
	[ip]=iproute2 [ss]=iproute2 [tc]=iproute2 [bridge]=iproute2
	[ethtool]=ethtool [python3]=python3 [nft]=nftables [curl]=curl [jq]=jq
	[keepalived]=keepalived [setpriv]=util-linux [mountpoint]=util-linux
	[bpftool]=bpftool [tcpdump]=tcpdump [nginx]=nginx [haproxy]=haproxy [ping]=iputils-ping
	[timeout]=coreutils [sysctl]=procps
)

# need_tools TOOL...: skip_or_fail unless every TOOL is on PATH (or in sbin)
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || [ -x "/sbin/$t" ] ||
			skip_or_fail "$t is not installed (Debian package ${CHECK_PKG[$t]:-?}; run tools/install-deps.sh)"
	done
}

# need_root WHY: skip_or_fail unless root
need_root() {
	[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root ($1)"
}

# now_ms: wall-clock Unix time in ms (comparable with the daemons'
# *_unix_ms fields and with the notify scripts' stamps)
now_ms() { date +%s%3N; }

# s_to_ms SECONDS: "1.25" -> 1250, without an interpreter
s_to_ms() {
	local s=$1 int frac
	int=${s%%.*}
	[ "$int" = "$s" ] && frac= || frac=${s#*.}
	frac=${frac}000
	echo $((10#${int:-0} * 1000 + 10#${frac:0:3}))
}

# ms_to_s MS: 1250 -> "1.250"
ms_to_s() {
	local ms=$1 sign=
	[ "$ms" -lt 0 ] && sign=- ms=$((-ms))
	printf '%s%d.%03d\n' "$sign" $((ms / 1000)) $((ms % 1000))
}

# wait_until SECONDS CMD...: run CMD every 20 ms until it succeeds (0) or
# SECONDS of wall-clock time have passed (1; CMD is tried once more at the
# deadline, so a slow last poll cannot lose a condition that became true)
wait_until() {
	local deadline
	deadline=$(($(now_ms) + $(s_to_ms "$1")))
	shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.02
	done
	"$@"
}
