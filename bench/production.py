"""The production stack (scripts/serve-production: nginx -> gunicorn) against plain gunicorn
(the same 2 gthread workers x 8 threads, no proxy), in one run on loopback. Not part of CI.

    .venv/bin/python bench/production.py            # HOLD=30 DURATION=10s CONNS=200

1. Slow and idle clients: HELD connections (half trickle a header line every 5 s, half send
   nothing; any closed are reopened) for HOLD seconds, while one normal request every 0.5 s
   must answer within 1 s. Prints answered/asked and the slowest answer.
2. Load: wrk at CONNS connections for DURATION per path; p50, p99, req/s, errors, and the
   ratio production / plain gunicorn.
Needs Debian's nginx and wrk (apt-get install nginx wrk).
"""

from __future__ import annotations

import http.client
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELD = int(os.environ.get("HELD", 320))
HOLD = float(os.environ.get("HOLD", 30))
DURATION = os.environ.get("DURATION", "10s")
CONNS = int(os.environ.get("CONNS", 200))
PATHS = ["/api/sites/yungang-grottoes", "/", "/api/sites"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited ({proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("server did not answer")


def hold(port: int) -> tuple[int, int, float, int]:
    """(answered within 1 s, asked, slowest answer in s, fewest connections held at once)"""
    sel = selectors.DefaultSelector()
    stop = threading.Event()
    fewest = [HELD]

    def open_one(slow: bool) -> None:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        if slow:
            s.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        sel.register(s, selectors.EVENT_READ, {"slow": slow, "next": time.monotonic() + 5})

    def attack() -> None:
        for i in range(HELD):
            open_one(i % 2 == 0)
        while not stop.is_set():
            for key, _ in sel.select(timeout=0.5):
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    open_one(key.data["slow"])
            now = time.monotonic()
            for key in list(sel.get_map().values()):
                if key.data["slow"] and now >= key.data["next"]:
                    key.data["next"] = now + 5
                    try:
                        key.fileobj.send(b"X-Trickle: 1\r\n")
                    except OSError:
                        pass
            fewest[0] = min(fewest[0], len(sel.get_map()))

    thread = threading.Thread(target=attack, daemon=True)
    thread.start()
    time.sleep(1)
    answered = asked = 0
    slowest = 0.0
    end = time.monotonic() + HOLD
    while time.monotonic() < end:
        asked += 1
        start = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/sites/yungang-grottoes")
            if conn.getresponse().status == 200:
                answered += 1
                slowest = max(slowest, time.monotonic() - start)
            conn.close()
        except OSError:
            slowest = max(slowest, time.monotonic() - start)
        time.sleep(max(0.0, 0.5 - (time.monotonic() - start)))
    stop.set()
    thread.join()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return answered, asked, slowest, fewest[0]


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m[2]]


def wrk(url: str, duration: str = DURATION, conns: int = CONNS, threads: int = 4) -> dict:
    """One wrk row (gzip, 10 s timeout): requests/s, p50/p99 in ms, errors, load average."""
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}", "--timeout", "10s", "--latency"]
    out = subprocess.run([*cmd, "-H", "Accept-Encoding: gzip", url], capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
        "errors": errors,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    for tool in ("wrk",):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install {tool})")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.setdefault("WEBMAP_TILES", "osm")
    run_dir = Path(tempfile.mkdtemp(prefix="webmap-bench-"))
    env["WEBMAP_CACHE_DIR"] = str(run_dir / "cache")
    plain_port, prod_port = free_port(), free_port()
    (run_dir / "none.py").write_text(f"control_socket = {str(run_dir / 'plain.ctl')!r}\n")
    plain = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "8",
            "-b",
            f"127.0.0.1:{plain_port}",
            "--backlog",
            "2048",
            "-c",
            str(run_dir / "none.py"),
            "webmap.wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    prod = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "serve-production"),
            "--port",
            str(prod_port),
            "--run-dir",
            str(run_dir / "run"),
        ],
        env=dict(env, PYTHON=sys.executable),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(plain_port, plain)
        wait_for(prod_port, prod)
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line), "?")
        print(f"{os.cpu_count()} CPUs ({cpu}); gunicorn -w 2 -k gthread --threads 8 in both; loopback")
        print(f"\n1. {HELD} slow + idle connections for {HOLD:.0f} s; one normal request every 0.5 s, 1 s timeout")
        print("| server                 | held (min) | answered < 1 s | slowest |")
        print("|------------------------|------------|----------------|---------|")
        for name, port in (("plain gunicorn", plain_port), ("nginx -> gunicorn", prod_port)):
            answered, asked, slowest, fewest = hold(port)
            print(f"| {name:<22} | {fewest:>10} | {answered:>6} of {asked:<5} | {slowest:6.2f}s |", flush=True)
            time.sleep(2)
        print(f"\n2. wrk -t4 -c{CONNS} -d{DURATION} --timeout 10s, Accept-Encoding: gzip")
        print("| path                        | server            |   req/s |   p50 ms |   p99 ms | errors |")
        print("|-----------------------------|-------------------|---------|----------|----------|--------|")
        for path in PATHS:
            base = wrk(f"http://127.0.0.1:{plain_port}{path}")
            front = wrk(f"http://127.0.0.1:{prod_port}{path}")
            for name, r in (("plain gunicorn", base), ("nginx -> gunicorn", front)):
                cells = f"{r['rps']:7.0f} | {r['p50']:8.1f} | {r['p99']:8.1f} | {r['errors']:6}"
                print(f"| {path:<27} | {name:<17} | {cells} |")
            print(
                f"| {'':<27} | ratio prod/plain  | {front['rps'] / base['rps']:7.2f} | "
                f"{front['p50'] / base['p50']:8.2f} | {front['p99'] / base['p99']:8.2f} |        |",
                flush=True,
            )
    finally:
        for proc in (prod, plain):
            proc.send_signal(signal.SIGTERM)
        for proc in (prod, plain):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
