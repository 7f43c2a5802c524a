"""The embedded registry against MLflow 3.17.2's local sqlite store: one workload, one run.

    .venv/bin/python bench/compare_mlflow.py [--rounds 3] [--calls 30] [--models 5]
        [--versions 1000 2000 20000] [--embedded-only-versions 200000]

Builds MLflow's virtualenv once (~/.cache/registry-bench, as bench_server.py does), then for
each side: seeds 100 models x 10 versions one call at a time, and alternates the calls of
``workload.py`` A B A B for ``--rounds`` rounds, each side in a fresh process of its own
virtualenv. Also times log_model + register and load + predict (``--models`` each) and a
fresh interpreter's import of the package. Prints per call both medians and the ratio
(MLflow's / ours), the worst ratio last.

With ``--versions``, both registries then grow in bulk (filler models of 10 versions,
``workload.py pad``) to each size in turn and the calls run again there; with
``--embedded-only-versions``, the registry alone grows on. A growth table gives each call's
median at every size, for both, with the rows it returned, and flags a call whose cost grows
more than 1.5 times faster than its rows (the margin is this shared machine's noise). The
main table is that of the first size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_server import DEFAULT_VENV, merge, mlflow_python, workload

SEEDED = 1000  # workload.py's seed: 100 models x 10 versions
NOISE = 1.5


def import_ms(python: Path, module: str, runs: int = 3) -> list[float]:
    """Milliseconds to import ``module`` in a fresh interpreter (median of ``runs``)."""
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(python), "-c", f"import {module}"], check=True, env=env)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Side:
    """One registry under test: its python, flavor, URI, and what it measured per size."""

    def __init__(self, python: Path, flavor: str, uri: str):
        self.python, self.flavor, self.uri = python, flavor, uri
        self.size = SEEDED
        self.ms: dict[int, dict[str, list[float]]] = {}
        self.rows: dict[int, dict[str, int]] = {}

    def run(self, *args: str) -> dict:
        return workload(self.python, self.flavor, self.uri, None, *args)

    def calls(self, count: int) -> None:
        result = self.run("calls", "--calls", str(count), "--rows")
        self.rows[self.size] = result.pop("_rows")
        merge(self.ms.setdefault(self.size, {}), result)

    def grow_to(self, size: int) -> None:
        first = (self.size - SEEDED) // 10
        self.run("pad", "--first", str(first), "--count", str(size - self.size))
        self.size = size


def ratio_table(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> dict:
    print("| call | registry (embedded) | MLflow (sqlite) | ratio |")
    print("|---|---|---|---|")
    ratios = {}
    for label, samples in ours.items():
        mine, other = statistics.median(samples), statistics.median(theirs[label])
        ratios[label] = other / mine
        print(f"| {label} | {mine:.2f} ms | {other:.2f} ms | {ratios[label]:.2f}x |")
    return ratios


def growth_table(ours: Side, theirs: Side) -> list[str]:
    """Print each call's median at each size; return the calls whose cost outgrew their rows."""
    sizes = sorted(ours.ms)
    head = " / ".join(f"{s:,}" for s in sizes)
    print(f"\n| call | side | ms at {head} versions | rows returned | grows |")
    print("|---|---|---|---|---|")
    flagged = []
    for label in ours.ms[sizes[0]]:
        for side in (ours, theirs):
            known = [s for s in sizes if s in side.ms]
            if not known:
                continue
            medians = [statistics.median(side.ms[s][label]) for s in known]
            rows = [side.rows[s][label] for s in known]
            cost_growth = medians[-1] / medians[0]
            row_growth = max(1.0, rows[-1] / max(rows[0], 1))
            fast = cost_growth > NOISE * row_growth
            if fast:
                flagged.append(f"{label} ({side.flavor})")
            cells = " / ".join(f"{m:.2f}" for m in medians)
            shown_rows = " / ".join(str(r) for r in rows)
            verdict = f"{cost_growth:.2f}x{' FASTER THAN ITS ROWS' if fast else ''}"
            print(f"| {label} | {side.flavor} | {cells} | {shown_rows} | {verdict} |")
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--versions", type=int, nargs="*", default=[SEEDED])
    parser.add_argument("--embedded-only-versions", type=int, nargs="*", default=[])
    parser.add_argument("--mlflow-venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args()
    sizes = sorted(set(args.versions))
    alone = sorted(set(args.embedded_only_versions) - set(sizes))
    if sizes[0] < SEEDED or (alone and alone[0] < sizes[-1]):
        parser.error(f"sizes start at {SEEDED:,} (the seed); embedded-only sizes come last")
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="compare-mlflow-"))
    ours = Side(Path(sys.executable), "registry", str(folder / "home"))
    theirs = Side(mlflow_python(args.mlflow_venv), "mlflow", f"sqlite:///{folder}/mlflow.db")
    extra: tuple[dict[str, list[float]], dict[str, list[float]]] = ({}, {})
    try:
        for side, into in zip((ours, theirs), extra, strict=True):
            seeded = side.run("seed")["create_model_version"]
            into["create_model_version, seeding 1,000"] = seeded
        for size in sizes:
            for side in (ours, theirs):
                if size > side.size:
                    side.grow_to(size)
            for _ in range(args.rounds):
                ours.calls(args.calls)
                theirs.calls(args.calls)
            print(f"measured at {size:,} versions, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
        for size in alone:
            ours.grow_to(size)
            for _ in range(args.rounds):
                ours.calls(args.calls)
        models = ("models", "--count", str(args.models))
        merge(extra[0], workload(ours.python, "registry", str(folder / "m-home"), None, *models))
        merge(
            extra[1], workload(theirs.python, "mlflow", f"sqlite:///{folder}/m.db", None, *models)
        )
        extra[0]["import"] = import_ms(ours.python, "registry")
        extra[1]["import"] = import_ms(theirs.python, "mlflow")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nAt {sizes[0]:,} versions:\n")
    ratios = ratio_table({**ours.ms[sizes[0]], **extra[0]}, {**theirs.ms[sizes[0]], **extra[1]})
    flagged = growth_table(ours, theirs) if len(sizes) + len(alone) > 1 else []
    for size in sizes[1:]:
        print(f"\nAt {size:,} versions:\n")
        for label, value in ratio_table(ours.ms[size], theirs.ms[size]).items():
            ratios[f"{label} at {size:,}"] = value
    if flagged:
        print(f"\ngrowing faster than their rows: {', '.join(flagged)}")
    worst = min(ratios, key=ratios.get)
    print(f"\nworst ratio: {worst} {ratios[worst]:.2f}x")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
