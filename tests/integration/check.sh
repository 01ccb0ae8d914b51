# SPDX-License-Identifier: GPL-2.0-only
# ok / bad / check and their tally for the integration test scripts: each
# check prints one "ok: ..." or "FAIL: ..." line. Source it, then end the
# test with check_summary (its status is the test's).
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
