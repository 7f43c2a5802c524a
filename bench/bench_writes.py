"""Write calls one at a time, warm (the lease holds the file), with their statement floor.

    .venv/bin/python bench/bench_writes.py [--calls 200] [--rounds 3] [--versions 2000]
        [--statements]

For each write the median wall and CPU ms over ``--calls`` calls, per round, and the median
of the rounds; beside them DuckDB's floor on this machine in the same run: an empty transaction,
one INSERT with its commit, a new version's two rows (version, history) with their commit,
and a point SELECT. ``--statements`` adds, per write, the median CPU ms of each statement
the store runs for it, BEGIN and COMMIT included (what they leave of the call is Python).
The machine is shared: compare figures of one run only, and read the load average printed
with them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import registry.store.duckdb
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


def writes(client: RegistryClient, calls: int) -> dict[str, Callable[[int], object]]:
    """The write calls to time, on a model with ``calls + 10`` versions made here."""
    client.create_registered_model("bench")
    for _ in range(calls + 10):
        client.create_model_version("bench", source="s")
    return {
        "create_model_version": lambda i: client.create_model_version(
            "bench", source=f"runs:/r{i}/model"
        ),
        "create_model_version, 2 tags": lambda i: client.create_model_version(
            "bench", source=f"runs:/r{i}/model", tags={"team": "a", "kind": str(i)}
        ),
        "set_model_version_tag": lambda i: client.set_model_version_tag(
            "bench", 1 + i % calls, "k", f"v{i}"
        ),
        "set_registered_model_alias": lambda i: client.set_registered_model_alias(
            "bench", "champion", 1 + i % calls
        ),
        "transition (archive existing)": lambda i: client.transition_model_version_stage(
            "bench", 1 + i % calls, "Production", True
        ),
    }


@contextlib.contextmanager
def statement_clock() -> Iterator[SimpleNamespace]:
    """CPU ms of each statement the DuckDB store runs through ``parsed.run`` while the block
    lasts, in ``clock.times`` by (``clock.label`` then, the statement's first 60 characters)."""
    modules = [
        importlib.import_module(f"registry.store.duckdb.{info.name}")
        for info in pkgutil.iter_modules(registry.store.duckdb.__path__)
    ]
    patched = [module for module in modules if getattr(module, "run", None) is run]
    clock = SimpleNamespace(label="", times={})

    def timed_run(cur, statement, params=()):
        used = time.process_time()
        try:
            return run(cur, statement, params)
        finally:
            key = (clock.label, " ".join(statement.split())[:60])
            clock.times.setdefault(key, []).append((time.process_time() - used) * 1000)

    for module in patched:
        module.run = timed_run
    try:
        yield clock
    finally:
        for module in patched:
            module.run = run


def statements(client: RegistryClient, calls: int) -> None:
    """Print each write's statements with their median CPU ms, and what they leave."""
    with statement_clock() as clock:
        totals = {}
        for name, fn in writes(client, calls).items():
            clock.label = name
            totals[name] = timed(fn, calls)[1]
    print("\n| call | statement | runs per call | CPU ms |\n|---|---|---|---|")
    for name, total in totals.items():
        spent = 0.0
        for (label, statement), times in clock.times.items():
            if label == name:
                median = statistics.median(times)
                per_call = len(times) / (calls + 5)  # the 5 warm-ups ran them too
                spent += median * per_call
                print(f"| {name} | `{statement}` | {per_call:.2f} | {median:.2f} |")
        print(f"| {name} | outside the statements (Python) | | {total - spent:.2f} |")
        print(f"| {name} | **the call** | | **{total:.2f}** |")


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
    parser.add_argument("--statements", action="store_true", help="and each statement's cost")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rounds: list[dict[str, tuple[float, float]]] = []
    for _ in range(args.rounds):
        client = RegistryClient(Path(tempfile.mkdtemp()) / "home", user="bench")
        seed(client, args.versions)
        with client.batch():
            calls = writes(client, args.calls)
            measured = {name: timed(fn, args.calls) for name, fn in calls.items()}
            rounds.append({**floor(client, args.calls), **measured})
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
    if args.statements:
        client = RegistryClient(Path(tempfile.mkdtemp()) / "home", user="bench")
        seed(client, args.versions)
        with client.batch():
            statements(client, args.calls)
        client.release()
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
