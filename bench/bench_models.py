"""Model files: log_model + register, and load + predict against raw scikit-learn predict.

    .venv/bin/python bench/bench_models.py [--rows 1000000] [--repeats 5]

MLflow 3.17 on this machine (shared/BASELINE.md): log_model + register 6-11 s; on 1M rows x
20 features a LogisticRegression predicts in 29 ms raw, 82 ms with pyfunc.load_model
(2.8x raw).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import registry
from registry.artifacts.model_files import clear_model_cache


def _median_ms(fn, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    registry.set_tracking_uri(Path(tempfile.mkdtemp()) / "home")

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(args.rows, 20)), columns=[f"f{i}" for i in range(20)])
    y = (X["f0"] + X["f1"] > 0).astype(int)
    model = LogisticRegression(max_iter=200).fit(X.head(20_000), y.head(20_000))

    def log_and_register() -> None:
        with registry.start_run():
            registry.sklearn.log_model(
                model, name="model", registered_model_name="bench", input_example=X.head()
            )

    log_and_register()  # first call pays the imports (skops, sklearn internals)
    log_ms = _median_ms(log_and_register, args.repeats)

    raw_ms = _median_ms(lambda: model.predict(X), args.repeats)
    loaded = registry.pyfunc.load_model("models:/bench/1")
    predict_ms = _median_ms(lambda: loaded.predict(X), args.repeats)

    def cold_load_and_predict() -> None:
        clear_model_cache()
        registry.pyfunc.load_model("models:/bench/1").predict(X)

    cold_ms = _median_ms(cold_load_and_predict, args.repeats)
    warm_ms = _median_ms(
        lambda: registry.pyfunc.load_model("models:/bench/1").predict(X), args.repeats
    )

    print(f"\n### Model files ({args.rows:,} rows x 20 features, LogisticRegression)\n")
    print("| measure | ms | vs raw predict | MLflow 3.17 |")
    print("|---|---|---|---|")
    print(f"| log_model + register | {log_ms:.0f} | | 6,000-11,000 ms |")
    print(f"| raw scikit-learn predict | {raw_ms:.0f} | 1.00x | 29 ms |")
    print(f"| pyfunc predict (loaded model) | {predict_ms:.0f} | {predict_ms / raw_ms:.2f}x | |")
    print(f"| load (cold) + predict | {cold_ms:.0f} | {cold_ms / raw_ms:.2f}x | 82 ms (2.8x) |")
    print(f"| load (same process again) + predict | {warm_ms:.0f} | {warm_ms / raw_ms:.2f}x | |")


if __name__ == "__main__":
    main()
