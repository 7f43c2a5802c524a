"""Validation end to end against reading + predicting + scoring by hand, and its memory peak.

    .venv/bin/python bench/bench_validation.py [--rows 1000000] [--repeats 3]

End to end: the CSV's bytes -> registry.validation.uploads.read_table ->
validate_model_version (data checks, chunked predict and predict_proba, metrics, policy,
record, tag, history). Baseline,
in the same process on the same file: pyarrow.csv.read_csv(...).to_pandas(), the estimator's
predict and predict_proba, and scikit-learn's functions for the same metrics (accuracy,
binary/macro/weighted precision-recall-F1, confusion matrix, ROC AUC, average precision).
Both run with the same BLAS/OpenMP thread limit. Memory: each path runs in a fresh child
process; the peak is its maximum RSS minus its RSS just before reading the file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sklearn import metrics as skm
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import registry
from registry import RegistryClient
from registry.validation.engine import default_threads
from registry.validation.uploads import read_table

FEATURES = 20
MODELS = {
    "LogisticRegression": lambda: LogisticRegression(max_iter=300),
    "HistGradientBoosting (100 trees)": lambda: HistGradientBoostingClassifier(max_iter=100),
}


def write_csv(path: Path, rows: int) -> None:
    """rows x 20 float features (3 decimals) and a 0/1 target that depends on them."""
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=(rows, FEATURES)), 3)
    score = x[:, 0] + 0.5 * x[:, 1] * x[:, 2] - 0.7 * x[:, 3] + rng.normal(0, 0.5, rows)
    table = pa.table({**{f"f{i}": x[:, i] for i in range(FEATURES)}, "y": (score > 0).astype(int)})
    pacsv.write_csv(table, path)


def register_models(home: Path, csv: Path) -> None:
    registry.set_tracking_uri(home)
    train = pacsv.read_csv(csv, read_options=pacsv.ReadOptions(block_size=1 << 22)).slice(0, 50_000)
    frame = train.to_pandas()
    x, y = frame.drop(columns="y"), frame["y"]
    client = RegistryClient(home)
    for name, build in MODELS.items():
        registry.sklearn.log_model(
            build().fit(x, y), "model", registered_model_name=_slug(name), input_example=x.head()
        )
        client.set_validation_policy(_slug(name), ["accuracy >= 0.7", "roc_auc >= 0.8"])
    client.release()


def _slug(name: str) -> str:
    return name.split(" ")[0].lower()


def end_to_end(client: RegistryClient, model: str, csv: Path) -> dict:
    started = time.perf_counter()
    frame, _ = read_table(csv.read_bytes(), csv.name, target="y")
    read = time.perf_counter()
    result = client.validate_model_version(model, 1, frame, "y", csv.name)
    done = time.perf_counter()
    return {"seconds": done - started, "read": read - started, "df_bytes": _bytes(frame),
            "status": result.status}  # fmt: skip


def baseline(estimator, csv: Path) -> dict:
    started = time.perf_counter()
    frame = pacsv.read_csv(csv).to_pandas()
    read = time.perf_counter()
    x, y = frame.drop(columns="y"), frame["y"]
    with threadpool_limits(default_threads()):
        predicted, positive = estimator.predict(x), estimator.predict_proba(x)[:, 1]
    skm.accuracy_score(y, predicted)
    for average in ("binary", "macro", "weighted"):
        skm.precision_recall_fscore_support(y, predicted, average=average, zero_division=0)
    skm.confusion_matrix(y, predicted)
    skm.roc_auc_score(y, positive)
    skm.average_precision_score(y, positive)
    done = time.perf_counter()
    return {"seconds": done - started, "read": read - started, "df_bytes": _bytes(frame)}


def _bytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True).sum())


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(path: str, home: str, csv: str, model: str) -> None:
    """Run one path in this fresh process and print its time and memory peak as JSON."""
    client = RegistryClient(home)
    estimator = registry.sklearn.load_model(f"models:/{model}/1")
    client.get_validation_policy(model)
    before = _rss_bytes()
    found = (
        end_to_end(client, model, Path(csv)) if path == "e2e" else baseline(estimator, Path(csv))
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({**found, "peak_bytes": peak - before}))


def run_child(path: str, home: Path, csv: Path, model: str) -> dict:
    command = [sys.executable, __file__, "--child", path, str(home), str(csv), model]
    env = {**os.environ, "REGISTRY_HOME": str(home)}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=4, metavar=("PATH", "HOME", "CSV", "MODEL"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        measure(Path(folder), args.rows, args.repeats)


def measure(folder: Path, rows: int, repeats: int) -> None:
    """Print the table: each model's paths, alternating, ``repeats`` times."""
    csv, home = folder / "test.csv", folder / "home"
    write_csv(csv, rows)
    register_models(home, csv)
    print(f"\n### Validation ({rows:,} rows x {FEATURES} features, "
          f"{csv.stat().st_size / 2**20:.0f} MB CSV, {default_threads()} prediction thread(s), "
          f"median of {repeats})\n")  # fmt: skip
    print("| model | end to end s (read) | pyarrow + sklearn s (read) | ratio | "
          "peak memory / DataFrame: end to end | baseline |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name in MODELS:
        model = _slug(name)
        runs = [(run_child("e2e", home, csv, model), run_child("base", home, csv, model))
                for _ in range(repeats)]  # fmt: skip
        print(_row(name, [r[0] for r in runs], [r[1] for r in runs]))
    print(f"\nDataFrame in memory: {runs[0][1]['df_bytes'] / 2**20:.0f} MB.")


def _row(name: str, e2e: list[dict], base: list[dict]) -> str:
    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    df_bytes = base[0]["df_bytes"]
    ratio = median(e2e, "seconds") / median(base, "seconds")
    peaks = [max(r["peak_bytes"] for r in runs) / df_bytes for runs in (e2e, base)]
    return (
        f"| {name} | {median(e2e, 'seconds'):.2f} ({median(e2e, 'read'):.2f}) | "
        f"{median(base, 'seconds'):.2f} ({median(base, 'read'):.2f}) | {ratio:.2f}x | "
        f"{peaks[0]:.2f}x | {peaks[1]:.2f}x |"
    )


if __name__ == "__main__":
    main()
