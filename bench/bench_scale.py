"""The registry at scale on PostgreSQL, through two `registry server` processes.

    .venv/bin/python bench/bench_scale.py [--versions 1000000] [--big 100000] [--clients 8]
        [--seconds 20] [--calls 20] [--mlflow-versions 0] [--keep]

Starts a PostgreSQL 15 of its own (Debian's binaries, as the tests do) and two servers on
it, bulk-imports ``--versions`` versions (models of 100 versions each, plus one model of
``--big`` versions) and prints: the import rate; the first page (100 rows) of a tag search,
a name search and one model's versions; get by alias; the Model page of the big model
(a signed-in render under Streamlit's AppTest, then a rerun); and versions created per second
by ``--clients`` client processes spread over both servers, one call at a time.

``--mlflow-versions N`` also runs `mlflow server` (3.17.2, its own virtualenv) on a database
of the same PostgreSQL, seeded with N versions one call at a time (MLflow has no bulk
import), and times the same reads and the concurrent creates there. Targets (issue 13):
first page of any search <= 50 ms at 1M versions, >= 2,000 versions/s with 8 clients over
2 processes, Model page <= 1 s. ``--keep`` prints the database's DSN after the import and
waits for Enter before timing anything (for EXPLAIN ANALYZE in psql, py-spy on the servers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from postgres_support import running_postgres  # noqa: E402
from scale_clients import PER_MODEL, TEAMS, create_loop, seed_mlflow  # noqa: E402
from server_support import ServerProcess, registry_command  # noqa: E402

BATCH = 100  # models per import call: 10,000 versions


def version_specs(count: int, team: str) -> list[dict]:
    return [
        {"source": f"s3://bucket/{team}/{i}", "run_id": f"run-{i}", "tags": {"team": team}}
        for i in range(count)
    ]


def bulk_import(client, versions: int, big: int) -> float:
    """Import the registry; returns versions per second."""
    started, done = time.perf_counter(), 0
    models = (versions - big) // PER_MODEL
    for first in range(0, models, BATCH):
        batch = []
        for m in range(first, min(first + BATCH, models)):
            team = TEAMS[m % len(TEAMS)]
            batch.append(
                {"name": f"model-{m:06d}", "tags": {"team": team},
                 "versions": version_specs(PER_MODEL, team)}
            )  # fmt: skip
        done += client.import_models(batch)
        print(f"  imported {done:,} versions", file=sys.stderr, end="\r")
    if big:
        client.create_registered_model("big-model", tags={"team": "ops"})
        for _ in range(0, big, 10_000):
            done += len(client.create_model_versions("big-model", version_specs(10_000, "ops")))
        client.set_registered_model_alias("big-model", "champion", big // 2)
    client.set_registered_model_alias("model-000042", "champion", 7)
    print(file=sys.stderr)
    return done / (time.perf_counter() - started)


def analyze(dsn: str) -> None:
    """Table statistics now, as autovacuum gathers them within a minute of a bulk import:
    the planner then knows how common a tag value is (and walks or skips its index)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("ANALYZE")


def reads(client, calls: int) -> dict[str, list[float]]:
    """Milliseconds per call, first pages of 100."""
    cases = {
        "tag search, first page": lambda: client.search_model_versions(
            "tags.team = 'risk'", max_results=100
        ),
        "name search (models), first page": lambda: client.search_registered_models(
            "name LIKE 'model-0012%'", max_results=100
        ),
        "a model's versions, first page": lambda: client.search_model_versions(
            "name = 'model-000042'", max_results=100
        ),
        "the big model's versions, first page": lambda: client.search_model_versions(
            "name = 'big-model'", max_results=100
        ),
        "get by alias": lambda: client.get_model_version_by_alias("model-000042", "champion"),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(calls):
        for name, call in cases.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def model_page(url: str, token: str) -> tuple[float, float]:
    """(signed-in first render, rerun) of the big model's page, in seconds."""
    from streamlit.testing.v1 import AppTest

    from registry.dashboard import keys

    os.environ.update(REGISTRY_URI=url, REGISTRY_DISPATCHER="off")
    os.environ.pop("REGISTRY_TOKEN", None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(page="model", model="big-model")
    at.run()
    at.text_input(key=keys.SESSION_TOKEN).input(token)
    started = time.perf_counter()
    at.button(key=keys.SESSION_SIGN_IN).click().run()
    first = time.perf_counter() - started
    assert not at.exception, [e.value for e in at.exception]
    started = time.perf_counter()
    at.run()
    return first, time.perf_counter() - started


def concurrent_creates(kind: str, urls: list[str], token: str, clients: int, seconds: float):
    """Versions per second from ``clients`` processes, spread over ``urls``."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(
            target=create_loop,
            args=(kind, urls[i % len(urls)], token, f"{kind}-load-{i}", seconds, out),
        )
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(out.get(timeout=seconds + 120) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def table(title: str, samples: dict[str, list[float]], target_ms: float | None = None) -> None:
    print(f"\n{title}\n\n| call | median ms | p95 ms |\n|---|---|---|")
    for name, values in samples.items():
        p95 = sorted(values)[max(0, int(len(values) * 0.95) - 1)]
        print(f"| {name} | {statistics.median(values):.1f} | {p95:.1f} |")


def registry_side(args, pg, folder: Path) -> None:
    from registry import RegistryClient

    dsn = pg.create_database("scale")
    token = subprocess.run(
        [*registry_command(folder, "token", "create", "bench", "--role", "admin"), "--store", dsn],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    servers = [
        ServerProcess(folder, folder / f"server-{i}.log", args=("--store", dsn)).start()
        for i in range(2)
    ]
    try:
        client = RegistryClient(servers[0].url, token=token)
        rate = bulk_import(client, args.versions, args.big)
        analyze(dsn)
        if args.keep:
            pids = ", ".join(str(s.process.pid) for s in servers)
            print(f"database: {dsn}\nservers: {pids} (pids); press Enter to go on", flush=True)
            sys.stdin.readline()
        print(f"### registry on PostgreSQL, {args.versions:,} versions, two server processes")
        print(f"\n- bulk import (import_models, {BATCH * PER_MODEL:,} versions a call): "
              f"{rate:,.0f} versions/s")  # fmt: skip
        table("First pages through the server", reads(client, args.calls))
        made = concurrent_creates("registry", [s.url for s in servers], token, args.clients,
                                  args.seconds)  # fmt: skip
        print(f"\n- create_model_version, {args.clients} clients over 2 processes: "
              f"{made:,.0f} versions/s")  # fmt: skip
        if args.mlflow_versions:
            mlflow_side(args, pg, folder)
        # Last: AppTest makes app.py the __main__ that spawned processes would start from.
        first, rerun = model_page(servers[1].url, token)
        print(f"\n- registry: Model page of a model with {args.big:,} versions: signed-in "
              f"first render {first:.2f} s, rerun {rerun:.2f} s (AppTest)")  # fmt: skip
    finally:
        for server in servers:
            server.stop()


def mlflow_side(args, pg, folder: Path) -> None:
    """`mlflow server` on the same PostgreSQL; its client is mlflow-skinny from this venv."""
    from bench_server import DEFAULT_VENV, mlflow_python
    from server_support import free_port, wait_healthy

    python = mlflow_python(DEFAULT_VENV)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "psycopg2-binary"], check=True)
    dsn, port = pg.create_database("mlflow"), free_port()
    command = [
        str(python.parent / "mlflow"), "server", "--backend-store-uri", dsn,
        "--default-artifact-root", str(folder / "mlflow-artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with open(folder / "mlflow.log", "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout=180)
        models = args.mlflow_versions // PER_MODEL
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            chunks = [range(i, models, args.clients) for i in range(args.clients)]
            seeded = sum(pool.starmap(seed_mlflow, [(url, chunk) for chunk in chunks]))
        rate = seeded / (time.perf_counter() - started)
        os.environ["MLFLOW_TRACKING_URI"] = url
        from mlflow import MlflowClient

        client = MlflowClient()
        client.set_registered_model_alias("model-000042", "champion", 7)
        print(f"\n### mlflow server 3.17.2 on PostgreSQL, {seeded:,} versions, 2 workers")
        print(f"\n- seeding, one call at a time from {args.clients} clients: {rate:,.0f} /s")
        samples = reads(client, args.calls)
        del samples["the big model's versions, first page"]
        table("First pages through mlflow server", samples)
        made = concurrent_creates("mlflow", [url], "", args.clients, args.seconds)
        print(f"- create_model_version, {args.clients} clients: {made:,.0f} versions/s")
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--mlflow-versions", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="wait after the import (see above)")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{time.ctime()}, load {load} at the start\n")
    with running_postgres() as pg, tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        registry_side(args, pg, Path(tmp))
    print(f"\nload {Path('/proc/loadavg').read_text().split()[0]} at the end")


if __name__ == "__main__":
    main()
