"""Several processes sharing one embedded registry file: latency and busy errors.

    .venv/bin/python bench/bench_lease.py                 # 6 processes, 23 calls/s, 60 s
    .venv/bin/python bench/bench_lease.py --processes 6 --rate 23 --seconds 60
    .venv/bin/python bench/bench_lease.py --linger          # the cost of keeping the file

Each worker process makes calls at random (exponential) intervals, so that together they
make ``--rate`` calls a second: a third are writes (a new version, a tag), the rest reads (a
version, a search). It times every call, including the wait for the file, and counts
RegistryBusyError (default busy timeout, 15 s). Prints one JSON object: calls made, busy
errors per minute, p50/p99/max in ms, the fewest calls any one process completed (a starved
process shows there) and the load average before and after. Run an older checkout's code
with ``PYTHONPATH=/path/to/old/checkout`` to compare.

``--linger`` measures what the dashboard's way of holding the file costs: the CPU seconds per
second of a process that keeps it open unused (``idle_release=30``), and how long another
process that asks for it then waits.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def worker(home: str, rate: float, seconds: float, seed: int) -> None:
    """One process's calls; prints a JSON line of latencies (ms) and busy errors."""
    from registry import RegistryBusyError, RegistryClient

    client = RegistryClient(home)
    rng = random.Random(seed)
    latencies, busy = [], 0
    start = time.monotonic()
    next_call = start + rng.expovariate(rate)
    while next_call < start + seconds:
        time.sleep(max(0.0, next_call - time.monotonic()))
        began = time.perf_counter()
        try:
            _one_call(client, rng, seed)
            latencies.append((time.perf_counter() - began) * 1000)
        except RegistryBusyError:
            busy += 1
        next_call += rng.expovariate(rate)
    client.release()
    print(json.dumps({"latencies": latencies, "busy": busy}))


def _one_call(client, rng: random.Random, seed: int) -> None:
    kind = rng.random()
    if kind < 0.2:
        client.create_model_version("bench", source=f"runs:/w{seed}-{rng.random()}/model")
    elif kind < 0.33:
        client.set_model_version_tag("bench", 1, f"w{seed}", str(rng.random()))
    elif kind < 0.66:
        client.get_model_version("bench", 1)
    else:
        client.search_model_versions("name = 'bench'", max_results=10)


def linger(seconds: float) -> dict:
    """CPU per second of a lingering holder, then the wait of a process that asks."""
    from registry import RegistryClient
    from registry.store.duckdb import DuckDBStore

    home = Path(tempfile.mkdtemp(prefix="bench-linger-")) / "home"
    holder = RegistryClient(store=DuckDBStore(home, idle_release=30, busy_timeout=15))
    holder.create_registered_model("bench")
    time.sleep(0.5)
    cpu = time.process_time()
    time.sleep(seconds)
    cpu_per_s = (time.process_time() - cpu) / seconds
    asker = (
        "from registry import RegistryClient; "
        f"RegistryClient({str(home)!r}).get_registered_model('bench')"
    )
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", asker], check=True)
    waited = time.perf_counter() - began
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", asker], check=True)  # the file free: start-up alone
    alone = time.perf_counter() - began
    return {
        "lingering_cpu_s_per_s": round(cpu_per_s, 4),
        "asker_ms_while_held": round(waited * 1000),
        "asker_ms_file_free": round(alone * 1000),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=6)
    parser.add_argument("--rate", type=float, default=23.0, help="calls per second, all told")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--linger", action="store_true", help="the cost of keeping the file")
    args = parser.parse_args()
    if args.linger:
        load = os.getloadavg()
        print(json.dumps({**linger(min(args.seconds, 5.0)), "load_before": load}))
        return
    if args.worker:
        home, rate, seconds, seed = args.worker
        worker(home, float(rate), float(seconds), int(seed))
        return
    from registry import RegistryClient

    home = Path(tempfile.mkdtemp(prefix="bench-lease-")) / "home"
    setup = RegistryClient(home)
    setup.create_registered_model("bench")
    setup.create_model_version("bench", source="runs:/seed/model")
    setup.release()
    load_before = os.getloadavg()
    rate = args.rate / args.processes
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(home), str(rate), str(args.seconds), str(n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(args.processes)
    ]
    results = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    latencies = [ms for r in results for ms in r["latencies"]]
    busy = sum(r["busy"] for r in results)
    print(
        json.dumps(
            {
                "processes": args.processes,
                "target_calls_per_s": args.rate,
                "seconds": args.seconds,
                "calls": len(latencies),
                "calls_per_s": round(len(latencies) / args.seconds, 1),
                "busy_errors_per_min": round(busy / (args.seconds / 60), 1),
                "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                "p99_ms": round(_percentile(latencies, 0.99), 1),
                "max_ms": round(max(latencies, default=0.0), 1),
                "fewest_calls_one_process": min(len(r["latencies"]) for r in results),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
