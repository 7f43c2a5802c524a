"""Write calls one at a time, warm (the lease holds the file), with their statement floor.

    .venv/bin/python bench/bench_writes.py [--calls 200] [--rounds 3] [--versions 2000]

For each write the median wall and CPU ms over ``--calls`` calls, per round, and the median
of the rounds; beside them DuckDB's floor on this machine in the same run: an empty transaction,
one INSERT with its commit, a new version's two rows (version, history) with their commit,
and a point SELECT. The machine is shared: compare figures of one run only, and read the
load average printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from registry import RegistryClient
from registry.store.duckdb.changes import NewChange, record
from registry.store.duckdb.parsed import run
from registry.store.duckdb.versions import INSERT_VERSION


def timed(fn: Callable[[int], object], calls: int) -> tuple[float, float]:
    """Median wall ms and median CPU ms (this process, all threads) of ``calls`` calls of
    ``fn(i)`` after 5 warm-ups. CPU time moves less with the machine's load than wall time."""
    for i in range(5):
        fn(-1 - i)
    wall, cpu = [], []
    for i in range(calls):
        started, used = time.perf_counter(), time.process_time()
        fn(i)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def floor(client: RegistryClient, calls: int) -> dict[str, tuple[float, float]]:
    """DuckDB's own costs on the registry's connection."""
    with client._store.lease.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_floor (i INTEGER, s VARCHAR)")

        def empty(_i: int) -> None:
            cur.execute("BEGIN")
            cur.execute("COMMIT")

        def insert(i: int) -> None:
            cur.execute("BEGIN")
            cur.execute("INSERT INTO bench_floor VALUES (?, ?)", [i, "x"])
            cur.execute("COMMIT")

        numbers = iter(range(1, 10**9))

        def version_rows(_i: int) -> None:
            """The two rows a new version needs, by the store's own statements."""
            number = next(numbers)
            cur.execute("BEGIN")
            run(
                cur,
                INSERT_VERSION,
                ["bench-floor", number, 0, 0, None, "bench", "s", None, None, {}],
            )
            created = NewChange(
                "model_version.created", "bench-floor", number, payload={"source": "s"}
            )
            record(cur, "bench", 0, [created])
            cur.execute("COMMIT")

        return {
            "floor: BEGIN + COMMIT": timed(empty, calls),
            "floor: one INSERT + COMMIT": timed(insert, calls),
            "floor: a version's row + its history row + COMMIT": timed(version_rows, calls),
            "floor: point SELECT": timed(
                lambda _i: cur.execute(
                    "SELECT * FROM registered_models WHERE name = ?", ["bench"]
                ).fetchall(),
                calls,
            ),
        }


def writes(client: RegistryClient, calls: int) -> dict[str, tuple[float, float]]:
    client.create_registered_model("bench")
    for _ in range(calls + 10):
        client.create_model_version("bench", source="s")
    return {
        "create_model_version": timed(
            lambda i: client.create_model_version("bench", source=f"runs:/r{i}/model"), calls
        ),
        "create_model_version, 2 tags": timed(
            lambda i: client.create_model_version(
                "bench", source=f"runs:/r{i}/model", tags={"team": "a", "kind": str(i)}
            ),
            calls,
        ),
        "set_model_version_tag": timed(
            lambda i: client.set_model_version_tag("bench", 1 + i % calls, "k", f"v{i}"), calls
        ),
        "set_registered_model_alias": timed(
            lambda i: client.set_registered_model_alias("bench", "champion", 1 + i % calls),
            calls,
        ),
        "transition (archive existing)": timed(
            lambda i: client.transition_model_version_stage(
                "bench", 1 + i % calls, "Production", True
            ),
            calls,
        ),
    }


def seed(client: RegistryClient, versions: int) -> None:
    models = [
        {"name": f"model-{m}", "versions": [{"source": "s"}] * 10} for m in range(versions // 10)
    ]
    for chunk in range(0, len(models), 1000):
        client.import_models(models[chunk : chunk + 1000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--versions", type=int, default=2000, help="seeded before measuring")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rounds: list[dict[str, tuple[float, float]]] = []
    for _ in range(args.rounds):
        client = RegistryClient(Path(tempfile.mkdtemp()) / "home", user="bench")
        seed(client, args.versions)
        with client.batch():
            rounds.append({**floor(client, args.calls), **writes(client, args.calls)})
        client.release()
    print(
        f"\n| call | wall ms | CPU ms | wall ms of each of {args.rounds} rounds of {args.calls} |"
    )
    print("|---|---|---|---|")
    for name in rounds[0]:
        walls = [r[name][0] for r in rounds]
        cpus = [r[name][1] for r in rounds]
        shown = " / ".join(f"{v:.2f}" for v in walls)
        print(
            f"| {name} | {statistics.median(walls):.2f} | {statistics.median(cpus):.2f} | {shown} |"
        )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
