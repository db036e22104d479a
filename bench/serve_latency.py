#!/usr/bin/env python3
"""Save-to-served latency of a live preview server, as a writer meets it.

    bench/serve_latency.py piazza SITE [EDITS] [--bin target/release/piazza]
    bench/serve_latency.py hugo HUGO_SITE [EDITS]

Starts the server on a free port, then EDITS times: saves one guide with a new title
and measures until the server returns the page with that title. For piazza it waits
for the reload event on /__piazza/events and then fetches the page once, as an open
browser tab does; for Hugo (whose live reload speaks WebSocket) it polls the page
every 2 ms. Then three template edits (piazza: templates/partials/footer.html), and
the server's peak resident memory (VmHWM). Edits change the site's files: run it on
a copy. Pauses 300 ms between edits, as a writer does between saves.
"""
import argparse
import os
import queue
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["piazza", "hugo"])
    ap.add_argument("site")
    ap.add_argument("edits", nargs="?", type=int, default=20)
    ap.add_argument("--bin", default="target/release/piazza")
    args = ap.parse_args()
    port = free_port()
    if args.tool == "piazza":
        cmd = [args.bin, "serve", "--site", args.site, "--port", str(port)]
        ready = "serving"
    else:
        cmd = ["hugo", "server", "-s", args.site, "--port", str(port), "--bind", "127.0.0.1"]
        ready = "Web Server is available"
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.time()
    for line in server.stdout:
        if ready in line:
            break
    print(f"{args.tool}: first build and serve in {time.time() - started:.1f} s")
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()

    reloads = queue.Queue()

    def listen():
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /__piazza/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        buf = b""
        while True:
            data = s.recv(65536)
            if not data:
                return
            buf += data
            while b"\n\n" in buf:
                frame, buf = buf.split(b"\n\n", 1)
                if b"event: reload" in frame:
                    reloads.put(time.time())

    if args.tool == "piazza":
        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.5)

    def get(path):
        try:
            url = f"http://127.0.0.1:{port}{path}"
            return urllib.request.urlopen(url, timeout=10).read().decode()
        except Exception:
            return ""

    def served(path, marker, since, limit=120):
        if args.tool == "piazza":
            while True:
                reloads.get(timeout=limit)
                if marker in get(path):
                    return
        while marker not in get(path):
            if time.time() - since > limit:
                raise TimeoutError(path)
            time.sleep(0.002)

    guides_dir = os.path.join(args.site, "content", "guides")
    guides = sorted(g for g in os.listdir(guides_dir) if g.endswith(".md") and not g.startswith("_"))
    guides = guides[len(guides) // 3:][: args.edits]
    times = []
    for i, name in enumerate(guides):
        path = os.path.join(guides_dir, name)
        text = open(path, encoding="utf-8").read()
        marker = f"Edit{i}x{int(time.time())}"
        new = re.sub(r'^title: "', f'title: "{marker} ', text, count=1, flags=re.M)
        time.sleep(0.3)
        t = time.time()
        open(path, "w", encoding="utf-8").write(new)
        served(f"/guides/{name[:-3]}/", marker, t)
        times.append((time.time() - t) * 1000)
    print(
        f"{args.tool}: one-guide edit -> served: median {statistics.median(times):.0f} ms, "
        f"worst {max(times):.0f} ms, best {min(times):.0f} ms ({len(times)} edits)"
    )

    if args.tool == "piazza":
        partials = os.path.join(args.site, "templates", "partials")
        os.makedirs(partials, exist_ok=True)
        footer = os.path.join(partials, "footer.html")
        times = []
        for i in range(3):
            marker = f"Footer{i}x{int(time.time())}"
            time.sleep(1)
            t = time.time()
            open(footer, "w").write(f'<footer class="site-footer"><p>{marker}</p></footer>\n')
            served(f"/guides/{guides[-1][:-3]}/", marker, t)
            times.append((time.time() - t) * 1000)
        os.remove(footer)
        print(
            f"{args.tool}: template edit -> served: median {statistics.median(times):.0f} ms, "
            f"worst {max(times):.0f} ms ({len(times)} edits)"
        )

    status = open(f"/proc/{server.pid}/status").read()
    hwm = next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM"))
    print(f"{args.tool}: peak resident memory {int(hwm) // 1024} MB")
    server.terminate()
    server.wait()


if __name__ == "__main__":
    main()
