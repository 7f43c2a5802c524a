"""Notification throughput, event-to-receiver latency, and what subscriptions add to a
promotion.

    .venv/bin/python bench/bench_notifications.py [--events 2000] [--rate 50 --seconds 10]
        [--transitions 60] [--pace 0.05] [--protocol HTTP/1.1] [--only throughput stream]
        [--baseline /tmp/old-checkout --rounds 3]

The receiver is an http.server in its own process on 127.0.0.1 answering 204 at once; it
notes each request's arrival time minus the event's timestamp (event to receiver).
1. Throughput: ``--events`` events (bulk-registered versions) already in the outbox,
   delivered by one Dispatcher.drain() from a cold start, with 1 and 10 subscriptions.
2. Stream: ``--rate`` versions a second created one at a time for ``--seconds``, the
   background dispatcher delivering in this process; p50 / p99 event to receiver.
3. Promotion latency: median and p95 of transition_model_version_stage with 0 subscriptions;
   with 10 and no dispatcher (the outbox row is the same); with 10 while the background
   dispatcher delivers them in this process; and while ``registry dispatch`` delivers them
   from another process (the two processes then take turns with the registry file).

With ``--baseline DIR`` (a checkout of older code, e.g. ``git worktree add /tmp/old REV``),
throughput and stream run ``--rounds`` times alternately with DIR's ``registry`` package and
this one, each in a fresh process, and the medians are printed side by side with the ratio.
CPU per delivery is the dispatcher process's CPU time (all its threads) over the drain.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("REGISTRY_WEBHOOK_ALLOW", "127.0.0.1")

from registry import RegistryClient
from registry.notifications.dispatcher import (
    Dispatcher,
    start_background_dispatcher,
    stop_background_dispatchers,
)

RECEIVER = """
import json, sys, threading, time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
lags = []  # ms from each event's timestamp to its arrival here
lock = threading.Lock()
class Quiet(BaseHTTPRequestHandler):
    protocol_version = sys.argv[1]
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        arrived = time.time()
        stamp = json.loads(body)["timestamp"].replace("Z", "+00:00")
        with lock:
            lags.append((arrived - datetime.fromisoformat(stamp).timestamp()) * 1000)
        self.send_response(204)
        self.end_headers()
    def do_GET(self):
        with lock:
            body = json.dumps(lags).encode()
            if self.path == "/reset":
                lags.clear()
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


def start_receiver(protocol: str = "HTTP/1.1") -> tuple[subprocess.Popen, str]:
    """A receiver in its own process, as in production (not competing for this GIL).
    ``protocol`` HTTP/1.1 keeps connections alive, as web servers do; HTTP/1.0 closes each."""
    process = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, protocol], stdout=subprocess.PIPE, text=True
    )
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/hook"


def receiver_lags(url: str, reset: bool = True) -> list[float]:
    """The event-to-arrival times (ms) the receiver saw since the last reset."""
    base = url.rsplit("/", 1)[0]
    with urllib.request.urlopen(base + ("/reset" if reset else "/lags")) as answer:
        return json.loads(answer.read())


def fresh_client() -> RegistryClient:
    return RegistryClient(Path(tempfile.mkdtemp()) / "home", user="bench")


def throughput(url: str, events: int, subscriptions: int) -> tuple[float, float, int, float]:
    """(deliveries per second, seconds, deliveries, CPU ms per delivery) for ``events`` events
    already in the outbox, delivered by one Dispatcher.drain() from a cold start."""
    client = fresh_client()
    for _ in range(subscriptions):
        client.create_subscription("webhook", url, ["model_version.created"])
    client.create_registered_model("bench")
    client.create_model_versions("bench", [{"source": f"runs:/r{i}/m"} for i in range(events)])
    client.release()
    started, cpu = time.perf_counter(), time.process_time()
    stats = Dispatcher(client._store).drain()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    delivered = stats["delivered"]
    assert delivered == events * subscriptions, stats
    return delivered / took, took, delivered, cpu * 1000 / delivered


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


def stream_lags(url: str, subscriptions: int, rate: float, seconds: float) -> list[float]:
    """Event-to-receiver times (ms) while ``rate`` versions a second are created one at a
    time for ``seconds``, the background dispatcher delivering in this process (as in
    ``registry server``)."""
    client = fresh_client()
    for _ in range(subscriptions):
        client.create_subscription("webhook", url, ["model_version.created"])
    client.create_registered_model("stream")
    receiver_lags(url)
    dispatcher = start_background_dispatcher(client.home)
    began = time.perf_counter()
    for i in range(int(rate * seconds)):
        time.sleep(max(0.0, began + i / rate - time.perf_counter()))
        client.create_model_version("stream", source=f"runs:/r{i}/m")
    expected = int(rate * seconds) * subscriptions
    deadline = time.monotonic() + 60
    while dispatcher.stats["delivered"] < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_background_dispatchers()
    client.release()
    return receiver_lags(url)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--transitions", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between promotions")
    parser.add_argument("--rate", type=float, default=50, help="versions a second (stream)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the stream")
    parser.add_argument(
        "--protocol", default="HTTP/1.1", choices=("HTTP/1.1", "HTTP/1.0"),
        help="the receiver's: HTTP/1.0 closes every connection after one answer",
    )  # fmt: skip
    parser.add_argument(
        "--only", nargs="+", choices=("throughput", "stream", "promotion"),
        default=["throughput", "stream", "promotion"],
    )  # fmt: skip
    parser.add_argument("--baseline", help="a checkout of older code to alternate with")
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --baseline")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        compare(args)
        return
    if args.json:
        print(json.dumps(measure(args)))
        return
    receiver, url = start_receiver(args.protocol)
    print(f"load average at start: {os.getloadavg()[0]:.2f}, receiver {args.protocol}\n")
    try:
        if "throughput" in args.only:
            print_throughput(url, args.events)
        if "stream" in args.only:
            print("\n| stream | subscriptions | deliveries | event to receiver p50 ms | p99 ms |")
            print("|---|---|---|---|---|")
            for subs in (1, 10):
                lags = stream_lags(url, subs, args.rate, args.seconds)
                print(f"| {args.rate:g} versions/s for {args.seconds:g} s | {subs} | "
                      f"{len(lags):,} | {percentile(lags, 0.5):.1f} | "
                      f"{percentile(lags, 0.99):.1f} |")  # fmt: skip
        if "promotion" in args.only:
            print_promotions(url, args)
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        receiver.terminate()
        receiver.wait()


def print_throughput(url: str, events: int) -> None:
    print("| subscriptions | events | deliveries | seconds | deliveries/s | "
          "event to receiver p50 ms | p99 ms | CPU ms per delivery |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for subs in (1, 10):
        count = events if subs == 1 else events // 10
        receiver_lags(url)
        rate, took, delivered, cpu = throughput(url, count, subs)
        lags = receiver_lags(url)
        print(f"| {subs} | {count:,} | {delivered:,} | {took:.2f} | {rate:,.0f} | "
              f"{percentile(lags, 0.5):.0f} | {percentile(lags, 0.99):.0f} | "
              f"{cpu:.2f} |")  # fmt: skip


def print_promotions(url: str, args: argparse.Namespace) -> None:
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


def measure(args: argparse.Namespace) -> dict[str, float]:
    """Throughput and stream figures of the ``registry`` importable here, by name."""
    receiver, url = start_receiver(args.protocol)
    found: dict[str, float] = {}
    try:
        for subs in (1, 10):
            if "throughput" in args.only:
                count = args.events if subs == 1 else args.events // 10
                rate, _took, _n, cpu = throughput(url, count, subs)
                found |= {f"deliveries/s, {subs} sub": rate, f"CPU ms/delivery, {subs} sub": cpu}
            if "stream" in args.only:
                lags = stream_lags(url, subs, args.rate, args.seconds)
                found[f"stream p50 ms, {subs} sub"] = percentile(lags, 0.5)
                found[f"stream p99 ms, {subs} sub"] = percentile(lags, 0.99)
    finally:
        receiver.terminate()
        receiver.wait()
    return found


def compare(args: argparse.Namespace) -> None:
    """Alternate the baseline checkout and this code, each round in fresh processes."""
    here = Path(__file__).resolve().parents[1]
    command = [sys.executable, __file__, "--json", "--only", *args.only, "--events",
               str(args.events), "--rate", str(args.rate), "--seconds", str(args.seconds),
               "--protocol", args.protocol]  # fmt: skip
    runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for _ in range(args.rounds):
        for name, root in (("before", args.baseline), ("now", str(here))):
            env = {**os.environ, "PYTHONPATH": root}
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.splitlines()[-1]))
    print(f"\n| median of {args.rounds} | before | now | now / before |\n|---|---|---|---|")
    for key in runs["now"][0]:
        old = statistics.median(r[key] for r in runs["before"])
        new = statistics.median(r[key] for r in runs["now"])
        print(f"| {key} | {old:,.2f} | {new:,.2f} | {new / old:.2f}x |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
