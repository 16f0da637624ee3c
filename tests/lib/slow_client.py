#!/usr/bin/env python3
"""Hostile slow clients for tests/integration/slow_clients.sh.

    slow_client.py heads HOST PORT CA N SECONDS
        Opens N TLS connections and on each sends a request head one
        header line at a time, a line a second, never finishing it
        (slowloris). After SECONDS prints how many connections the
        server closed, and what it answered on them before closing.

    slow_client.py body HOST PORT CA PATH BYTES SECONDS
        Sends a POST announcing BYTES of body, all of it at once but the
        last 10 bytes, which it then trickles in evenly over SECONDS.
        Prints the status the server answered (0 when it closed without
        answering), after how many seconds, and how much was sent.

Only the standard library: the point is to behave like a broken or
malicious client, which no HTTP library does willingly. Talks to
127.0.0.1 only (the tests' stack).
"""

import select
import socket
import ssl
import sys
import time


def connect(host, port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=host)
    s.setblocking(False)
    return s


def status_of(data):
    # "HTTP/1.1 408 Request Time-out" -> 408
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def read_some(s):
    try:
        return s.recv(65536)
    except ssl.SSLWantReadError:
        return None
    except (ConnectionError, ssl.SSLError, OSError):
        return b""


def heads(host, port, ca, n, seconds):
    conns = []
    for _ in range(int(n)):
        s = connect(host, port, ca)
        s.setblocking(True)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: " + host.encode() + b"\r\n")
        s.setblocking(False)
        conns.append({"s": s, "closed_at": None, "answer": b""})
    start = time.monotonic()
    line = 0
    while time.monotonic() - start < float(seconds):
        line += 1
        for c in conns:
            if c["closed_at"] is not None:
                continue
            try:
                c["s"].send(b"X-Slow-%d: x\r\n" % line)
            except (ssl.SSLWantWriteError, BlockingIOError):
                pass
            except (ConnectionError, ssl.SSLError, OSError):
                c["closed_at"] = time.monotonic() - start
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            live = [c for c in conns if c["closed_at"] is None]
            if not live:
                break
            r, _, _ = select.select([c["s"] for c in live], [], [],
                                    max(0.0, deadline - time.monotonic()))
            for c in live:
                if c["s"] in r:
                    data = read_some(c["s"])
                    if data is None:
                        continue
                    if data == b"":
                        c["closed_at"] = time.monotonic() - start
                    else:
                        c["answer"] += data
    closed = [c for c in conns if c["closed_at"] is not None]
    statuses = {}
    for c in conns:
        st = status_of(c["answer"]) if c["answer"] else 0
        statuses[st] = statuses.get(st, 0) + 1
    last = max([c["closed_at"] for c in closed], default=0)
    print("connections %d closed %d last_closed_after %.1f statuses %s" % (
        len(conns), len(closed), last,
        ",".join("%d:%d" % kv for kv in sorted(statuses.items()))))
    for c in conns:
        c["s"].close()


def body(host, port, ca, path, nbytes, seconds):
    s = connect(host, port, ca)
    s.setblocking(True)
    nbytes = int(nbytes)
    s.sendall(("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n" % (path, host, nbytes)).encode())
    tail = min(10, nbytes)
    s.sendall(b" " * (nbytes - tail))
    s.setblocking(False)
    start = time.monotonic()
    gap = float(seconds) / tail
    sent = nbytes - tail
    answer = b""
    while sent < nbytes:
        try:
            s.send(b" ")
            sent += 1
        except (ssl.SSLWantWriteError, BlockingIOError):
            pass
        except (ConnectionError, ssl.SSLError, OSError):
            break
        r, _, _ = select.select([s], [], [], gap)
        if r:
            data = read_some(s)
            if data == b"":
                break
            if data:
                answer += data
                break
    # Wait a little for an answer the server may still send.
    end = time.monotonic() + 5
    while not answer and time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.5)
        if r:
            data = read_some(s)
            if data == b"":
                break
            if data:
                answer += data
    print("status %d after %.1f sent %d of %d" % (
        status_of(answer), time.monotonic() - start, sent, nbytes))
    s.close()


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "heads":
        heads(*sys.argv[2:])
    elif len(sys.argv) == 8 and sys.argv[1] == "body":
        body(*sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
