#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Lab client traffic towards a VIP. Every loop is bounded in count and time.

  lab_client.py conns VIP PORT FIRST_SPORT COUNT
      COUNT short connections from source ports FIRST_SPORT.. ; prints
      "SPORT BACKEND" per connection ("SPORT FAILED reason" on failure).
  lab_client.py long VIP PORT FIRST_SPORT COUNT CONTROL_FIFO
      opens COUNT connections, prints "SPORT BACKEND", then on each line
      read from CONTROL_FIFO ("ping") asks every connection again and
      prints "SPORT BACKEND" per connection, until "quit".
  lab_client.py udp VIP PORT COUNT RATE
      sends COUNT datagrams at RATE per second from one socket; prints
      the number sent.
"""
import socket
import sys
import time

TIMEOUT = 3.0


def ask(sock):
    sock.sendall(b"hello\n")
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while not data.endswith(b"\n"):
        if time.monotonic() > deadline:
            raise TimeoutError("no answer")
        chunk = sock.recv(64)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data.decode().strip()


def connect(vip, port, sport):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind(("", sport))
    s.connect((vip, port))
    return s


def conns(vip, port, first, count):
    for sport in range(first, first + count):
        try:
            s = connect(vip, port, sport)
            name = ask(s)
            # RST on close: no TIME_WAIT, the port can be reused at once
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            s.close()
            print(sport, name, flush=True)
        except OSError as e:
            print(sport, "FAILED", type(e).__name__, flush=True)


def long(vip, port, first, count, fifo):
    socks = {}
    for sport in range(first, first + count):
        try:
            s = connect(vip, port, sport)
            socks[sport] = s
            print(sport, ask(s), flush=True)
        except OSError as e:
            print(sport, "FAILED", type(e).__name__, flush=True)
    with open(fifo) as ctl:
        for line in ctl:
            if line.strip() == "quit":
                break
            for sport, s in socks.items():
                try:
                    print(sport, ask(s), flush=True)
                except OSError as e:
                    print(sport, "FAILED", type(e).__name__, flush=True)
            print("DONE", flush=True)
    for s in socks.values():
        s.close()


def udp(vip, port, count, rate):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    sent = 0
    for i in range(count):
        due = start + i / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        s.sendto(b"x" * 32, (vip, port))
        sent += 1
    print(sent, flush=True)


def main():
    mode = sys.argv[1]
    if mode == "conns":
        conns(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "long":
        long(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif mode == "udp":
        udp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)


main()
