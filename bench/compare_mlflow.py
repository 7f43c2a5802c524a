"""The embedded registry against MLflow 3.17.2's local sqlite store: one workload, one run.

    .venv/bin/python bench/compare_mlflow.py [--rounds 3] [--calls 30] [--models 5]

Builds MLflow's virtualenv once (~/.cache/registry-bench, as bench_server.py does), then for
each side: seeds 100 models x 10 versions one call at a time, and alternates the calls of
``workload.py`` A B A B for ``--rounds`` rounds, each side in a fresh process of its own
virtualenv. Also times log_model + register and load + predict (``--models`` each) and a
fresh interpreter's import of the package. Prints per call both medians and the ratio
(MLflow's / ours), the worst ratio last.
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


def import_ms(python: Path, module: str, runs: int = 3) -> list[float]:
    """Milliseconds to import ``module`` in a fresh interpreter (median of ``runs``)."""
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(python), "-c", f"import {module}"], check=True, env=env)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--mlflow-venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="compare-mlflow-"))
    ours, theirs = Path(sys.executable), mlflow_python(args.mlflow_venv)
    home, sqlite = str(folder / "home"), f"sqlite:///{folder}/mlflow.db"
    ours_ms: dict[str, list[float]] = {}
    theirs_ms: dict[str, list[float]] = {}
    try:
        merge(ours_ms, workload(ours, "registry", home, None, "seed"))
        merge(theirs_ms, workload(theirs, "mlflow", sqlite, None, "seed"))
        for _ in range(args.rounds):
            calls = ("calls", "--calls", str(args.calls))
            merge(ours_ms, workload(ours, "registry", home, None, *calls))
            merge(theirs_ms, workload(theirs, "mlflow", sqlite, None, *calls))
        models = ("models", "--count", str(args.models))
        merge(ours_ms, workload(ours, "registry", str(folder / "models-home"), None, *models))
        merge(theirs_ms, workload(theirs, "mlflow", f"sqlite:///{folder}/m.db", None, *models))
        ours_ms["import"] = import_ms(ours, "registry")
        theirs_ms["import"] = import_ms(theirs, "mlflow")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("| call | registry (embedded) | MLflow (sqlite) | ratio |")
    print("|---|---|---|---|")
    ratios = {}
    for label, samples in ours_ms.items():
        mine, other = statistics.median(samples), statistics.median(theirs_ms[label])
        ratios[label] = other / mine
        print(f"| {label} | {mine:.2f} ms | {other:.2f} ms | {ratios[label]:.2f}x |")
    worst = min(ratios, key=ratios.get)
    print(f"\nworst ratio: {worst} {ratios[worst]:.2f}x")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
