#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""edgelbd's own view in tools/bench/health.sh, from two snapshots of
`lbctl health --json` taken before and after the measured window (the
CPU, memory and connects are the shell's, for both checkers). One line
per run; --header prints the column names.

Rates use the checks each backend counts (checks_passed + checks_failed)
between the snapshots. Latency and lateness use each backend's last check
in both snapshots (2 x BACKENDS samples): "latency" is how long the check
took, "late" how much later than its schedule it started.
"""
import argparse
import json
import os
import sys

COLS = ("type", "checks/s", "of", "lat p50", "lat p99", "lat max", "late p50", "late p99",
        "late max", "ever", "failed")
WIDTHS = (-5, 8, 6, 8, 8, 8, 8, 8, 8, 6, 6)  # < 0: left-aligned
FMT = " ".join("{:<%d}" % -w if w < 0 else "{:>%d}" % w for w in WIDTHS)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def load(path):
    """A snapshot: a directory of `lbctl health SERVICE --json` replies."""
    out = {}
    for name in sorted(os.listdir(path)):
        with open(os.path.join(path, name)) as f:
            for b in json.load(f)["backends"]:
                out[(b["service"], b["name"])] = b
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", action="store_true")
    ap.add_argument("--type")
    ap.add_argument("--backends", type=int)
    ap.add_argument("--interval", type=float)
    ap.add_argument("--wall", type=float, nargs=2, metavar=("T0", "T1"),
                    help="the CPU window")
    ap.add_argument("--snap-wall", type=float, nargs=2, metavar=("S0", "S1"),
                    help="when the snapshots were taken")
    ap.add_argument("--late-max-ms", type=int, default=-1,
                    help="the daemon's own maximum since it started; -1: unknown")
    ap.add_argument("--late-max-before-ms", type=int, default=-1,
                    help="the same, read before the window")
    ap.add_argument("snapshots", nargs="*")
    a = ap.parse_args()
    if a.header:
        print(FMT.format(*COLS))
        print(FMT.format("", "", "wanted", *(["ms"] * 7), ""))
        return 0

    s0 = load(a.snapshots[0])
    s1 = load(a.snapshots[1])
    checks = failed = 0
    lat, late = [], []
    for key, b1 in s1.items():
        b0 = s0.get(key)
        if b1.get("check", "none") == "none":
            continue
        if b0:
            checks += (b1["checks_passed"] + b1["checks_failed"] -
                       b0["checks_passed"] - b0["checks_failed"])
            failed += b1["checks_failed"] - b0["checks_failed"]
        for b in (b0, b1):
            if b and b.get("last_result", "-") != "-":
                lat.append(b["latency_us"] / 1000.0)
                late.append(float(b["late_ms"]))
    lat.sort()
    late.sort()
    span = a.snap_wall[1] - a.snap_wall[0]
    def ms(v, fmt):
        return "-" if v is None else fmt % v

    wanted = 0 if a.type == "none" else a.backends / a.interval
    row = (a.type, "%.0f" % (checks / span), "%.0f" % wanted,
           ms(pct(lat, 50), "%.2f"), ms(pct(lat, 99), "%.2f"),
           ms(lat[-1] if lat else None, "%.2f"),
           ms(pct(late, 50), "%.0f"), ms(pct(late, 99), "%.0f"),
           ms(late[-1] if late else None, "%.0f"),
           str(a.late_max_ms) if a.late_max_ms >= 0 else "?", str(failed))
    print(FMT.format(*row))
    if a.late_max_ms >= 0 and a.late_max_ms == a.late_max_before_ms and a.late_max_ms:
        print("      (%s: the worst lateness, %d ms, dates from before the window)"
              % (a.type, a.late_max_ms))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
