#!/usr/bin/env python3
"""Latency of normal GETs while local clients abuse `piazza serve` (issue 9, point 9).

    bench/serve_abuse.py [--bin target/release/piazza] [--slow 300] [--stalled 16]
                         [--big-mb 50] [--gets 58] [--seconds 30]

Generates a small site (bench/gen_site.py, 20 guides) with a big static file, starts
`piazza serve` on a free loopback port, then for --seconds keeps --slow connections
open that send their request head one byte a second (reopening any the server
closes), and --stalled clients that request the big file and never read it. Meanwhile
--gets normal GETs of the home page, evenly spaced, each on a fresh connection with a
10 s timeout. Prints each GET's status counts and the latency p50 and max.

Loopback only, bounded in count and time; stops the server at the end.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HEAD = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\nAccept: */*\r\n" * 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=10.0):
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else "no answer"
    except OSError as e:
        status = type(e).__name__
    return status, time.monotonic() - started


def slow_clients(port, n, stop):
    """n connections, each sending one byte of a request head per second."""
    socks = [None] * n
    sent = [0] * n
    reopened = 0
    while not stop.is_set():
        for i in range(n):
            if socks[i] is None:
                try:
                    socks[i] = socket.create_connection(("127.0.0.1", port), timeout=2)
                    socks[i].setblocking(False)
                    sent[i] = 0
                    reopened += 1
                except OSError:
                    continue
            try:
                socks[i].send(HEAD[sent[i] % len(HEAD):][:1])
                sent[i] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                socks[i].close()
                socks[i] = None
        stop.wait(1.0)
    for s in socks:
        if s is not None:
            s.close()
    print(f"slow clients: {reopened} connections opened in all")


def stalled_clients(port, n, path):
    """n clients that ask for a big file and never read the answer."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        socks.append(s)
    return socks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/piazza")
    ap.add_argument("--slow", type=int, default=300)
    ap.add_argument("--stalled", type=int, default=16)
    ap.add_argument("--big-mb", type=int, default=50)
    ap.add_argument("--gets", type=int, default=58)
    ap.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, here / "gen_site.py", "--pages", "20", "--out", site],
                       check=True, stdout=subprocess.DEVNULL)
        (site / "static").mkdir(exist_ok=True)
        (site / "static/big.bin").write_bytes(os.urandom(1 << 20) * args.big_mb)
        port = free_port()
        log = open(Path(tmp) / "serve.log", "w+")
        server = subprocess.Popen([args.bin, "serve", "--site", site, "--port", str(port)],
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                log.seek(0)
                m = re.search(r"serving .* at http://[^:]+:(\d+)/", log.read())
                if m:
                    port = int(m.group(1))
                    break
                if time.monotonic() > deadline or server.poll() is not None:
                    log.seek(0)
                    sys.exit("piazza serve did not start:\n" + log.read())
                time.sleep(0.05)
            print("idle: GET / %s in %.1f ms" % (lambda s, t: (s, t * 1000))(*get(port, "/")))
            stop = threading.Event()
            slow = threading.Thread(target=slow_clients, args=(port, args.slow, stop))
            slow.start()
            stalled = stalled_clients(port, args.stalled, "/big.bin")
            time.sleep(1.0)
            results = []
            every = args.seconds / args.gets
            for _ in range(args.gets):
                started = time.monotonic()
                results.append(get(port, "/"))
                time.sleep(max(0.0, every - (time.monotonic() - started)))
            stop.set()
            slow.join()
            for s in stalled:
                s.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
        counts = {}
        for status, _ in results:
            counts[status] = counts.get(status, 0) + 1
        times = [t for _, t in results]
        print(f"{args.slow} slow connections (1 byte/s), {args.stalled} stalled "
              f"{args.big_mb} MB downloads, {args.gets} normal GETs over {args.seconds:.0f} s")
        print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)))
        print("latency p50 %.1f ms, max %.1f ms, over 1 s: %d" % (
            statistics.median(times) * 1000, max(times) * 1000, sum(t > 1 for t in times)))


if __name__ == "__main__":
    main()
