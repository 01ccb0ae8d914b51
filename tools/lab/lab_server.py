#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A lab backend: answers every line on a TCP connection with its name, an
HTTP GET (a health check) with "200 OK" and its name, and counts UDP
datagrams (written to --udp-count-file on every datagram batch).

usage: lab_server.py NAME ADDRESS PORT [--udp-count-file FILE]
"""
import argparse
import asyncio
import os
import socket


class Udp(asyncio.DatagramProtocol):
    def __init__(self, path):
        self.count = 0
        self.path = path
        self.pending = False

    def datagram_received(self, data, addr):
        self.count += 1
        if not self.pending:
            self.pending = True
            asyncio.get_running_loop().call_later(0.05, self.flush)

    def flush(self):
        self.pending = False
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{self.count}\n")
        os.replace(tmp, self.path)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("address")
    ap.add_argument("port", type=int)
    ap.add_argument("--udp-count-file")
    a = ap.parse_args()
    reply = (a.name + "\n").encode()

    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(reply) + reply)

    async def handle(reader, writer):
        try:
            while line := await reader.readline():
                if line.startswith(b"GET "):
                    # an HTTP request: skip its headers, answer, close
                    while (await reader.readline()).strip():
                        pass
                    writer.write(http)
                    await writer.drain()
                    break
                writer.write(reply)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, a.address, a.port, backlog=1024)
    if a.udp_count_file:
        # a big receive buffer: on a loaded 2-core CI machine this python
        # loop may stall for a moment, and a full socket buffer would
        # count as loss that the balancer did not cause
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        sock.bind((a.address, a.port))
        await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: Udp(a.udp_count_file), sock=sock)
    async with server:
        await server.serve_forever()


asyncio.run(main())
