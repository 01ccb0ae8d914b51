#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Known answers for the packet-path tests, computed WITHOUT production code.

  gen_flow_kat.py [-o FILE]     write the table (default tests/bpf/kat_flows.h)
  gen_flow_kat.py --check FILE  generate into a temporary file and diff it
                                against FILE; exit 1 when they differ

For a fixed list of flows this computes the flow hash, the GUE outer source
port, the IPv6 outer flow label and the backend each Maglev ring of the test
scenario gives the flow. The golden tests take their expectations from the
table, so a bug in production's flow hash or Maglev builder cannot make the
golden tests agree with it; tests/bpf/test_kat.c is the one place where the
table and production meet.

Everything below is a second implementation written from the definitions
(dataplane/core/hash.h, controlplane/maglev.c's comment, encap.h, the Maglev
paper), in plain Python with the standard library only. It must never import,
call or copy the output of the C code. It checks itself against published
MurmurHash3 and FNV-1a test vectors before writing anything.
"""
import argparse
import difflib
import ipaddress
import os
import sys
import tempfile

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

# --- MurmurHash3 x86_32 (Austin Appleby, SMHasher), over bytes -------------


def _rotl32(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def murmur3_x86_32(data, seed):
    """The reference MurmurHash3_x86_32: little-endian blocks, tail, fmix."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & M32
    nblocks = len(data) // 4
    for i in range(nblocks):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * c1) & M32
        k = _rotl32(k, 15)
        k = (k * c2) & M32
        h ^= k
        h = _rotl32(h, 13)
        h = (h * 5 + 0xE6546B64) & M32
    tail = data[4 * nblocks:]
    k = 0
    if len(tail) == 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & M32
        k = _rotl32(k, 15)
        k = (k * c2) & M32
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


# --- the flow hash (definition: dataplane/core/hash.h header comment) ------

# The definition's seed, 0x65646765: the ASCII bytes "edge" read big-endian.
FLOW_HASH_SEED = int.from_bytes(b"edge", "big")


def flow_hash(family, src, dst, sport, dport, proto):
    """MurmurHash3 x86_32 over 32-bit words, each the big-endian reading of 4
    bytes of the 5-tuple: IPv4 src, dst, sport<<16|dport, proto (4 words);
    IPv6 src[0..3], dst[0..3], sport<<16|dport, proto (10 words).

    Murmur's blocks are little-endian, so a sequence of words is hashed by
    giving the reference function each word's little-endian encoding."""
    words = []
    for addr in (src, dst):
        packed = ipaddress.ip_address(addr).packed
        assert len(packed) == (4 if family == 4 else 16)
        words += [int.from_bytes(packed[i:i + 4], "big") for i in range(0, len(packed), 4)]
    words.append((sport << 16) | dport)
    words.append(proto)
    data = b"".join(w.to_bytes(4, "little") for w in words)
    return murmur3_x86_32(data, FLOW_HASH_SEED)


def gue_sport(h):
    """Outer UDP source port of a GUE packet (encap.h): 32768..65535."""
    return 0x8000 | (h & 0x7FFF)


def flow_label(h):
    """Outer IPv6 flow label (encap.h): the low 20 bits of the flow hash."""
    return h & 0xFFFFF


# --- Maglev (definition: controlplane/maglev.c header comment, the paper) --

MAGLEV_OFFSET_SEED = int.from_bytes(b"maglev01", "big")
MAGLEV_SKIP_SEED = int.from_bytes(b"skipseed", "big")


def fnv1a64(data, basis=0xCBF29CE484222325):
    h = basis
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & M64
    return h


def fmix64(h):
    """MurmurHash3's 64-bit finaliser."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    h ^= h >> 33
    return h


def identity_hash(identity, seed):
    """FNV-1a 64 with the offset basis xor seed, then fmix64."""
    return fmix64(fnv1a64(identity, 0xCBF29CE484222325 ^ seed))


def maglev_ring(backends, m):
    """backends: list of (identity bytes, weight, id). Returns the ring.

    The plain algorithm: backends take turns in the order of their identity
    bytes; each turn a backend earns its weight in credit and, for every
    max_weight of credit, takes the next free slot of its permutation
    offset + j * skip (mod m), j counting up from where it stopped."""
    order = sorted(backends, key=lambda b: b[0])
    for a, b in zip(order, order[1:]):
        if a[0] == b[0]:
            raise ValueError("two backends with identity %r" % a[0])
    live = [b for b in order if b[1] > 0]
    if not live:
        return [0xFFFFFFFF] * m
    max_weight = max(b[1] for b in live)
    turns = []
    for ident, weight, bid in live:
        offset = identity_hash(ident, MAGLEV_OFFSET_SEED) % m
        skip = identity_hash(ident, MAGLEV_SKIP_SEED) % (m - 1) + 1
        turns.append({"id": bid, "weight": weight, "offset": offset, "skip": skip,
                      "j": 0, "credit": 0})
    ring = [None] * m
    filled = 0
    while filled < m:
        for t in turns:
            if filled == m:
                break
            t["credit"] += t["weight"]
            while t["credit"] >= max_weight and filled < m:
                t["credit"] -= max_weight
                while True:
                    slot = (t["offset"] + t["j"] * t["skip"]) % m
                    t["j"] += 1
                    if ring[slot] is None:
                        break
                ring[slot] = t["id"]
                filled += 1
    return ring


# --- self checks ------------------------------------------------------------


def self_check():
    """Published vectors (SMHasher's MurmurHash3_x86_32, the FNV reference),
    and properties of the rings, so that this implementation is checked on
    its own and not only against production."""
    murmur = [
        (b"", 0, 0x00000000),
        (b"", 1, 0x514E28B7),
        (b"", 0xFFFFFFFF, 0x81F16F39),
        (b"\0\0\0\0", 0, 0x2362F9DE),
        (b"\x21\x43\x65\x87", 0, 0xF55B516B),
        (b"\x21\x43\x65", 0, 0x7E4A8634),
        (b"\x21\x43", 0, 0xA0F7B07A),
        (b"\x21", 0, 0x72661CF4),
        (b"\x21\x43\x65\x87", 0x5082EDEE, 0x2362F9DE),
        (b"test", 0x9747B28C, 0x704B81DC),
        (b"Hello, world!", 0x9747B28C, 0x24884CBA),
        (b"The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
    ]
    for data, seed, want in murmur:
        got = murmur3_x86_32(data, seed)
        if got != want:
            raise AssertionError("murmur3_x86_32(%r, %#x) = %#010x, want %#010x"
                                 % (data, seed, got, want))
    fnv = [(b"", 0xCBF29CE484222325), (b"a", 0xAF63DC4C8601EC8C),
           (b"foobar", 0x85944171F73967E8)]
    for data, want in fnv:
        if fnv1a64(data) != want:
            raise AssertionError("fnv1a64(%r) = %#x, want %#x" % (data, fnv1a64(data), want))
    if FLOW_HASH_SEED != 0x65646765 or MAGLEV_OFFSET_SEED != 0x6D61676C65763031 \
            or MAGLEV_SKIP_SEED != 0x736B697073656564:
        raise AssertionError("seed spelling")
    # Maglev on a small ring: every slot owned, equal weights give equal
    # shares (round robin), a drained backend owns nothing, order of the
    # input does not matter.
    m = 251
    bes = [(b"be-%d" % i, 100, i) for i in (3, 1, 2, 4)]
    ring = maglev_ring(bes, m)
    counts = {i: ring.count(i) for i in (1, 2, 3, 4)}
    if sum(counts.values()) != m or max(counts.values()) - min(counts.values()) > 1:
        raise AssertionError("maglev shares %r" % counts)
    if maglev_ring(list(reversed(bes)), m) != ring:
        raise AssertionError("maglev depends on input order")
    drained = maglev_ring([(i, 0 if b == 2 else w, b) for i, w, b in bes], m)
    if 2 in drained or None in drained:
        raise AssertionError("maglev drained backend")
    heavy = maglev_ring([(b"a", 300, 1), (b"b", 100, 2)], 401)
    if abs(heavy.count(1) - 3 * heavy.count(2)) > 4:
        raise AssertionError("maglev weights %d/%d" % (heavy.count(1), heavy.count(2)))


# --- the scenario (tests/bpf/scenario.c) ------------------------------------

RING_SIZE = 65537
TCP, UDP = 6, 17
CLIENT4 = "198.51.100.7"
CLIENT6 = "2001:db8:ffff::7"

# (name, address, port, proto, address-hashed): scenario.c's sc_vips.
VIPS = [
    ("TCP4_IPIP", "192.0.2.10", 80, TCP, False),
    ("UDP4_GUE", "192.0.2.10", 53, UDP, False),
    ("TCP6_IPIP", "2001:db8::10", 443, TCP, False),
    ("UDP6_GUE4", "2001:db8::10", 53, UDP, False),
    ("TCP4_DSR", "192.0.2.20", 0, TCP, False),
    ("TCP4_EMPTY", "192.0.2.30", 80, TCP, False),
    ("UDP4_ADDRHASH", "192.0.2.40", 0, UDP, True),
    ("TCP4_MTUDROP", "192.0.2.50", 80, TCP, False),
    ("TCP6_V4BE", "2001:db8::20", 80, TCP, False),
    ("UDP6_ADDRHASH", "2001:db8::30", 0, UDP, True),
    ("TCP6_GUE6", "2001:db8::40", 443, TCP, False),
    ("TCP4_GUE6", "192.0.2.70", 443, TCP, False),
    ("UDP4_GUE6", "192.0.2.70", 53, UDP, False),
    ("UDP4_GUE6_ZERO", "192.0.2.71", 53, UDP, False),
    ("TCP6_MINMTU", "2001:db8::50", 443, TCP, False),
    ("TCP4_MINMTU", "192.0.2.80", 80, TCP, False),
    ("TCP4_JUMBO", "192.0.2.60", 80, TCP, False),
    ("TCP4_DSR_NOMAC", "192.0.2.90", 80, TCP, False),
]

# VIPs of single-purpose cases need few flows: keep the table small.
FEW_FLOWS = {"TCP6_GUE6", "TCP4_GUE6", "UDP4_GUE6", "UDP4_GUE6_ZERO", "TCP6_MINMTU",
             "TCP4_MINMTU", "TCP4_JUMBO", "TCP4_DSR_NOMAC"}

# Ring variants, in the order of enum kat_ring (tests/bpf/kat.h): each a list
# of (backend id, weight); the identity is "be-<id>".
RINGS = [
    ("v4", [(1, 100), (2, 100), (3, 100), (4, 100)]),
    ("v4_no2", [(1, 100), (2, 0), (3, 100), (4, 100)]),
    ("v6", [(11, 100), (12, 100), (13, 100), (14, 100)]),
    ("dsr", [(21, 100), (22, 100)]),
    ("dsr_nomac", [(23, 100)]),
]

# Whole rings checked by digest only (kat_ring_defs after the variants): the
# flow picks sample a few thousand of 65537 slots, and equal weights hide
# the credit rounds and identities that are prefixes of others. Each is
# (name, size, [(identity, weight, id)]).
EXTRA_RINGS = [
    ("weighted", RING_SIZE, [("be-1", 100, 1), ("be-2", 50, 2), ("be-3", 25, 3), ("be-4", 1, 4)]),
    ("prefix", RING_SIZE, [("be-1", 100, 1), ("be-11", 100, 11), ("be-111", 100, 111),
                           ("be-2", 100, 2)]),
    ("extremes", RING_SIZE, [("10.1.0.1:80", 65535, 7), ("10.1.0.2:80", 1, 8),
                             ("10.1.0.3:80", 30000, 9)]),
    ("small", 251, [("a", 3, 1), ("b", 2, 2), ("c", 1, 3), ("d", 0, 4), ("e", 5, 5)]),
    ("tiny", 7, [("x", 1, 1), ("y", 1, 2), ("z", 1, 3)]),
    ("drained", 13, [("be-1", 0, 1), ("be-2", 0, 2)]),
]

MAX_RING_BACKENDS = 8


def all_rings():
    """(name, size, [(identity bytes, weight, id)]) of every ring, variants first."""
    out = [(name, RING_SIZE, [(b"be-%d" % bid, w, bid) for bid, w in members])
           for name, members in RINGS]
    out += [(name, m, [(i.encode("ascii"), w, bid) for i, w, bid in members])
            for name, m, members in EXTRA_RINGS]
    return out


def ring_digest(ring):
    """FNV-1a 64 over the slots, each 4 bytes little-endian (a checksum only)."""
    return fnv1a64(b"".join(slot.to_bytes(4, "little") for slot in ring))


SPORTS = list(range(40000, 40041)) + [42424, 42425, 43000, 50000] + list(range(41000, 41401))
ANY_PORT_DPORTS = [8443, 22, 5000, 80]
SPARE_SPORTS = range(60000, 60064)
FEW_SPORTS = list(range(40000, 40041)) + list(range(60000, 60016))


def flows():
    """The flow keys, in a fixed order, without duplicates."""
    seen = set()
    out = []

    def add(family, src, dst, sport, dport, proto):
        key = (family, src, dst, sport, dport, proto)
        if key not in seen:
            seen.add(key)
            out.append(key)

    for name, addr, port, proto, addrhash in VIPS:
        family = ipaddress.ip_address(addr).version
        client = CLIENT4 if family == 4 else CLIENT6
        for dport in [port] if port else ANY_PORT_DPORTS:
            for sport in (FEW_SPORTS if name in FEW_FLOWS else SPORTS):
                add(family, client, addr, sport, dport, proto)
        if addrhash:
            # What the data plane hashes for these VIPs (and every later
            # fragment of any VIP carries): ports 0.
            add(family, client, addr, 0, 0, proto)
    for client in (CLIENT4,):
        for sport in SPARE_SPORTS:
            add(4, client, "192.0.2.10", sport, 80, TCP)
    return out


# --- output -----------------------------------------------------------------

HEADER = """\
/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GENERATED by tools/kat/gen_flow_kat.py -- do not edit. Regenerate with
 *
 *     /usr/bin/python3 tools/kat/gen_flow_kat.py
 *
 * and commit the result; the unit test flow_kat_fresh fails while this file
 * differs from what the generator writes.
 *
 * Known answers for the packet-path tests: flow hash, GUE outer source port,
 * IPv6 outer flow label and the backend each scenario ring (ring size %(m)u,
 * identities "be-<id>") gives the flow. They are computed by an independent
 * Python implementation of the definitions and must NEVER be produced with
 * production code (hash.h, maglev.c): then a bug shared by production and the
 * table would pass the golden tests. tests/bpf/test_kat.c checks every entry
 * against production.
 *
 * Ring variants (enum kat_ring):
%(rings)s
 *
 * kat_ring_defs: every ring variant, then rings checked only whole, as
 * { name, size, FNV-1a 64 of the slots (4 bytes little-endian each), number
 *   of backends, { identity, weight, id, slots owned } }.
 *
 * kat_flow_table: { family, src, dst, sport, dport (host order), proto, hash,
 *   gue_sport, flow_label, { backend id per ring variant } }; %(n)u entries.
 * Address-hashed VIPs (EDGELB_VIP_F_NO_PORT_HASH) and later fragments hash
 * with ports 0: those keys are listed with sport = dport = 0.
 */
#ifndef EDGELB_TEST_KAT_FLOWS_H
#define EDGELB_TEST_KAT_FLOWS_H

#define KAT_RING_SIZE %(m)uu
#define KAT_FLOW_COUNT %(n)uu
#define KAT_RING_DEF_COUNT %(nr)uu

static const struct kat_ring_def kat_ring_defs[KAT_RING_DEF_COUNT] = {
"""

FOOTER = """\
};

#endif /* EDGELB_TEST_KAT_FLOWS_H */
"""


def render():
    rings = []
    ring_desc = []
    ring_defs = []
    for k, (name, m, members) in enumerate(all_rings()):
        assert len(members) <= MAX_RING_BACKENDS
        ring = maglev_ring(members, m)
        if k < len(RINGS):
            rings.append(ring)
            ring_desc.append(" *   %-7s %s (id/weight)" % (name, ", ".join(
                "%d/%d" % (bid, w) for _, w, bid in members)))
        bes = ", ".join('{ "%s", %d, %d, %d }' % (i.decode("ascii"), w, bid, ring.count(bid))
                        for i, w, bid in members)
        ring_defs.append('\t{ "%s", %d, 0x%016xull, %d, {\n\t\t%s } },\n'
                         % (name, m, ring_digest(ring), len(members), bes))
    entries = flows()
    lines = [HEADER % {"m": RING_SIZE, "n": len(entries), "rings": "\n".join(ring_desc),
                       "nr": len(ring_defs)}]
    lines += ring_defs
    lines.append("};\n\nstatic const struct kat_flow kat_flow_table[KAT_FLOW_COUNT] = {\n")
    for family, src, dst, sport, dport, proto in entries:
        h = flow_hash(family, src, dst, sport, dport, proto)
        picks = ", ".join(str(r[h % RING_SIZE]) for r in rings)
        lines.append('\t{ %d, "%s", "%s", %d, %d, %d, 0x%08xu, 0x%04x, 0x%05x, { %s } },\n'
                     % (family, src, dst, sport, dport, proto, h, gue_sport(h),
                        flow_label(h), picks))
    lines.append(FOOTER)
    return "".join(lines)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(root, "tests", "bpf", "kat_flows.h"))
    ap.add_argument("--check", metavar="FILE",
                    help="generate into a temporary file and diff it against FILE")
    args = ap.parse_args()

    self_check()
    text = render()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = os.path.join(tmp, "kat_flows.h")
            with open(fresh, "w", encoding="ascii") as f:
                f.write(text)
            with open(fresh, encoding="ascii") as f:
                new = f.read().splitlines(keepends=True)
        with open(args.check, encoding="ascii") as f:
            old = f.read().splitlines(keepends=True)
        if old == new:
            print("%s is up to date (%d lines)" % (args.check, len(new)))
            return 0
        diff = list(difflib.unified_diff(old, new, args.check, "generated"))
        sys.stdout.writelines(diff[:200])
        if len(diff) > 200:
            print("... %d more diff lines" % (len(diff) - 200))
        print("%s is stale: regenerate it with /usr/bin/python3 tools/kat/gen_flow_kat.py"
              % args.check)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
