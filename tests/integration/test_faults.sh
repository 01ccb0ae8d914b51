#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# edgelbd under faults of its files (tools/lab/lab.sh, one balancer):
#
#  1. the state file is lost while the pinned data plane carries runtime
#     changes: the restart names what is gone (an added backend, a drain);
#  2. the state file's filesystem is full: edgelbd still starts (a start
#     writes nothing it needs), and a later change is applied and reported
#     "not saved";
#  3. the pins are removed under a running edgelbd: it pins them again, so
#     a stop still leaves the data plane forwarding.
#
# usage: test_faults.sh BUILDDIR     (root)
set -u
BUILD=$(cd "${1:?usage: test_faults.sh BUILDDIR}" && pwd)
export BUILD LAB_PREFIX=elbf$$
# shellcheck source=../../tools/lab/lab.sh
source "$(dirname "$0")/../../tools/lab/lab.sh"

# skip, or fail under CI=true (check.sh's skip_or_fail)
source "$(dirname "$0")/check.sh"
need_root "namespaces, XDP, mount"

FULL=""
cleanup() {
	[ -n "$FULL" ] && mountpoint -q "$FULL" && umount "$FULL"
	lab_down
}
trap cleanup EXIT
# shellcheck source=check.sh
source "$(dirname "$0")/check.sh"


conns_ok() { # conns_ok FIRST_SPORT COUNT: every connection completes
	lab_client conns "$LAB_VIP" 80 "$1" "$2" >"$T/conns.$1"
	! grep -q FAILED "$T/conns.$1" && [ "$(wc -l <"$T/conns.$1")" -eq "$2" ]
}

lab_up 3 || exit 1
CONF=$(lab_config 3)
STATE=$(lab_file lb1 state)
LOG=$(lab_file lb1 log)
lab_edgelbd_start || exit 1
T=$LAB_DIR/t
mkdir -p "$T"

# 1. runtime changes, then the state file is lost
check "backend add extra" lab_lbctl backend add web extra "$(lab_be_addr 12)"
check "drain be2" lab_lbctl backend drain web be2
lab_edgelbd_kill 9
rm -f "$STATE"
: >"$LOG"
lab_edgelbd_start || exit 1
check "restart without the state file says what is gone" \
	grep -q "is missing, but the pinned data plane ran with 2 runtime change" "$LOG"
check "... the added backend, by address" grep -q "backend at $(lab_be_addr 12) that neither" "$LOG"
check "... the drain" grep -q "backend be2 ($(lab_be_addr 2)): the pinned data plane has it drained" "$LOG"
check "traffic after the restart" conns_ok 20000 30

# 2. a full disk under the state file
lab_edgelbd_kill TERM
FULL=$LAB_DIR/full
mkdir -p "$FULL"
mount -t tmpfs -o size=64k tmpfs "$FULL"
cp "$STATE" "$FULL/edgelb.state"
dd if=/dev/zero of="$FULL/filler" bs=4k count=64 2>/dev/null # fills it
sed -i "s|^state_file = .*|state_file = \"$FULL/edgelb.state\";|" "$CONF"
: >"$LOG"
check "edgelbd starts with its state file's disk full" lab_edgelbd_start
check "... and says changes are not saved" grep -q "applied but not saved" "$LOG"
lab_lbctl backend drain web be1 >"$T/drain.out" 2>&1
rc=$?
check "a drain on a full disk fails the call (exit $rc)" [ "$rc" -ne 0 ]
check "... saying applied but not saved" grep -q "applied but not saved" "$T/drain.out"
check "... and is applied" bash -c "lab_lbctl() { ip netns exec '$(lab_ns lb1)' '$BUILD/tools/lbctl' -s '$(lab_file lb1 sock)' \"\$@\"; }; lab_lbctl backend list web | grep -Eq '^web +be1 .*drained'"
check "traffic with a full disk" conns_ok 21000 30
rm -f "$FULL/filler"

# 3. pins removed under a running edgelbd
PINS=$LAB_DIR/bpffs/edgelb
check "pins are there" [ -e "$PINS/vips" ]
rm -rf "${PINS:?}"/*
check "edgelbd pins them again" wait_until 12 grep -q -- "pinned again" "$LOG"
check "... every map and the link" [ -e "$PINS/vips" -a -e "$PINS/flows" -a -e "$PINS/link-eth0" ]
lab_edgelbd_kill TERM
check "XDP stays attached after the stop" \
	bash -c "ip -n '$(lab_ns lb1)' link show eth0 | grep -q xdp"
check "traffic after the stop" conns_ok 22000 30

check_summary
