"""Notification throughput, and what subscriptions add to a promotion.

    .venv/bin/python bench/bench_notifications.py [--events 2000] [--transitions 60] [--pace 0.05]

1. Deliveries per second: ``--events`` events (bulk-registered versions) delivered by one
   Dispatcher.drain() to an HTTP receiver on 127.0.0.1 (its own process), with 1 and 10
   subscriptions.
2. Promotion latency: median and p95 of transition_model_version_stage with 0 subscriptions;
   with 10 and no dispatcher (the outbox row is the same); with 10 while the background
   dispatcher delivers them in this process; and while ``registry dispatch`` delivers them
   from another process (the two processes then take turns with the registry file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("REGISTRY_WEBHOOK_ALLOW", "127.0.0.1")
os.environ.setdefault("REGISTRY_NOTIFY_POLL", "0.05")

from registry import RegistryClient
from registry.notifications.dispatcher import (
    Dispatcher,
    start_background_dispatcher,
    stop_background_dispatchers,
)

RECEIVER = """
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = 0
lock = threading.Lock()
class Quiet(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count += 1
        self.send_response(204)
        self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
print(server.server_port, flush=True)
server.serve_forever()
"""


def start_receiver() -> tuple[subprocess.Popen, str]:
    """A receiver in its own process, as in production (not competing for this GIL)."""
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/hook"


def fresh_client() -> RegistryClient:
    return RegistryClient(Path(tempfile.mkdtemp()) / "home", user="bench")


def throughput(url: str, events: int, subscriptions: int) -> tuple[float, float, int]:
    """(deliveries per second, seconds, deliveries) for ``events`` events."""
    client = fresh_client()
    for _ in range(subscriptions):
        client.create_subscription("webhook", url, ["model_version.created"])
    client.create_registered_model("bench")
    client.create_model_versions("bench", [{"source": f"runs:/r{i}/m"} for i in range(events)])
    client.release()
    started = time.perf_counter()
    stats = Dispatcher(client._store).drain()
    took = time.perf_counter() - started
    delivered = stats["delivered"]
    assert delivered == events * subscriptions, stats
    return delivered / took, took, delivered


def promotion_times(
    url: str, subscriptions: int, dispatcher: str, args: argparse.Namespace
) -> tuple[float, float]:
    """(median ms, p95 ms) of a promotion (archiving the previous Production version), one
    every ``args.pace`` seconds, letting go of the registry file after each as the dashboard
    does after each rerun (so each includes opening the file, about 30 ms here);
    ``dispatcher`` is "off", "thread" (in this process) or "process" (``registry dispatch``
    beside it)."""
    client = fresh_client()
    client.create_registered_model("churn")
    for _ in range(args.transitions + 3):
        client.create_model_version("churn", source="s")
    for _ in range(subscriptions):
        client.create_subscription("webhook", url)
    client.release()
    process = None
    if dispatcher == "thread":
        start_background_dispatcher(client.home)
    elif dispatcher == "process":
        command = [
            sys.executable,
            "-m",
            "registry.cli",
            "--home",
            str(client.home),
            "dispatch",
        ]
        process = subprocess.Popen([*command, "-q"], stdout=subprocess.DEVNULL)
        time.sleep(2)  # started and idle
    samples = []
    for i in range(args.transitions + 3):
        started = time.perf_counter()
        client.transition_model_version_stage("churn", i + 1, "Production", True, "bench")
        samples.append((time.perf_counter() - started) * 1000)
        client.release()
        time.sleep(args.pace)  # promotions come one by one: the dispatcher works in between
    stop_background_dispatchers()
    if process is not None:
        process.terminate()
        process.wait()
    client.release()
    samples = sorted(samples[3:])
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--transitions", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between promotions")
    args = parser.parse_args()
    receiver, url = start_receiver()
    try:
        print("| subscriptions | events | deliveries | seconds | deliveries/s |")
        print("|---|---|---|---|---|")
        for subs in (1, 10):
            events = args.events if subs == 1 else args.events // 10
            rate, took, delivered = throughput(url, events, subs)
            print(f"| {subs} | {events:,} | {delivered:,} | {took:.2f} | {rate:,.0f} |")
        print("\n| promotion (archive existing) | median ms | p95 ms |")
        print("|---|---|---|")
        for label, subs, dispatcher in (
            ("no subscriptions", 0, "off"),
            ("10 subscriptions, no dispatcher running", 10, "off"),
            ("10 subscriptions, background dispatcher delivering in this process", 10, "thread"),
            ("10 subscriptions, `registry dispatch` delivering in another process", 10, "process"),
        ):
            median, p95 = promotion_times(url, subs, dispatcher, args)
            print(f"| {label} | {median:.2f} | {p95:.2f} |")
        with urllib.request.urlopen(url) as answer:
            print(f"\n(the receiver got {int(answer.read()):,} requests)")
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    main()
