"""Registry call speeds at 10k and 100k versions, against MLflow 3.17 measured on this machine.

    .venv/bin/python bench/bench_registry.py [--sizes 10000 100000] [--calls 30]

Prints a markdown table per size: median and p95 of each call after 3 warm-ups, the rate
of creating versions one at a time and in bulk. MLflow's figures come from
shared/BASELINE.md (sqlite backend, same kind of machine; MLflow itself is not installed here).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from registry import RegistryClient

VERSIONS_PER_MODEL = 10
MLFLOW_10K_MS = {
    "create_model_version": 9.3,
    "get_model_version": 7.4,
    "get_registered_model": 9.6,
    "search_registered_models name LIKE": 64.0,
    "search_model_versions name=": 11.4,
    "search_model_versions tag": 138.0,
    "get_latest_versions Production": 14.4,
    "transition (archive existing)": 19.3,
    "set_model_version_tag": 15.4,
    "get_model_version_by_alias": 6.2,
}


def seed(client: RegistryClient, versions: int) -> float:
    """Bulk-import ``versions`` versions over versions/10 models; return versions per second."""
    models = [
        {
            "name": f"model-{m}",
            "tags": {"team": f"team-{m % 10}"},
            "versions": [
                {"source": f"runs:/r{m}-{v}/model", "tags": {"team": f"team-{m % 10}"}}
                for v in range(VERSIONS_PER_MODEL)
            ],
        }
        for m in range(versions // VERSIONS_PER_MODEL)
    ]
    started = time.perf_counter()
    with client.batch():
        for chunk in range(0, len(models), 1000):
            client.import_models(models[chunk : chunk + 1000])
    return versions / (time.perf_counter() - started)


def timed(fn: Callable[[int], object], calls: int) -> tuple[float, float]:
    """(median, p95) in ms of ``calls`` calls after 3 warm-ups."""
    for i in range(3):
        fn(i)
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i + 3)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def measure(client: RegistryClient, calls: int) -> dict[str, tuple[float, float]]:
    client.create_registered_model("bench")
    for _ in range(calls + 10):
        client.create_model_version("bench", source="s")
    client.set_registered_model_alias("model-42", "champion", 3)
    client.transition_model_version_stage("model-42", 2, "Production")
    client.create_registered_model("gated")
    for _ in range(calls + 10):
        client.create_model_version("gated", source="s")
    client.set_validation_policy("gated", "accuracy >= 0.9")
    client.require_validation_for_production("gated", 7)
    return {
        "create_model_version": timed(
            lambda i: client.create_model_version("bench", source="s", tags={"team": "t"}), calls
        ),
        "get_model_version": timed(
            lambda i: client.get_model_version("model-42", i % 10 + 1), calls
        ),
        "get_registered_model": timed(lambda i: client.get_registered_model("model-42"), calls),
        "search_registered_models name LIKE": timed(
            lambda i: client.search_registered_models("name LIKE '%model-1%'"), calls
        ),
        "search_model_versions name=": timed(
            lambda i: client.search_model_versions("name='model-42'"), calls
        ),
        "search_model_versions tag": timed(
            lambda i: client.search_model_versions("tags.team = 'team-3'", max_results=100), calls
        ),
        "get_latest_versions Production": timed(
            lambda i: client.get_latest_versions("model-42", stages=["Production"]), calls
        ),
        "transition (archive existing)": timed(
            lambda i: client.transition_model_version_stage(
                "bench", i + 1, "Production", archive_existing_versions=True
            ),
            calls,
        ),
        "transition, Production requires validation (override)": timed(
            lambda i: client.transition_model_version_stage(
                "gated",
                i + 1,
                "Production",
                archive_existing_versions=True,
                comment="bench",
                override_validation=True,
            ),
            calls,
        ),
        "set_model_version_tag": timed(
            lambda i: client.set_model_version_tag("bench", i + 1, "k", "v"), calls
        ),
        "get_model_version_by_alias": timed(
            lambda i: client.get_model_version_by_alias("model-42", "champion"), calls
        ),
    }


def one_at_a_time_rates(client: RegistryClient, count: int = 200) -> tuple[float, float]:
    """Versions per second created one call at a time, and MLflow's 'create versions'
    figure: create_registered_model plus create_model_version with one tag, per second."""
    client.create_registered_model("one-at-a-time")
    started = time.perf_counter()
    for _ in range(count):
        client.create_model_version("one-at-a-time", source="s", tags={"team": "t"})
    versions = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(count):
        client.create_registered_model(f"single-{i}")
        client.create_model_version(f"single-{i}", source="s", tags={"team": "t"})
    return versions, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    for size in args.sizes:
        client = RegistryClient(Path(tempfile.mkdtemp()) / "home")
        bulk = seed(client, size)
        with client.batch():
            results = measure(client, args.calls)
            single, pairs = one_at_a_time_rates(client)
        print(f"\n### {size:,} versions\n")
        print(f"- bulk import (import_models, 1000 models a call): {bulk:,.0f} versions/s")
        print(f"- create_model_version one at a time: {single:,.0f} versions/s")
        print(f"- model + version with 1 tag, one at a time: {pairs:,.0f} /s (MLflow 10k: 99 /s)")
        print("\n| call | median ms | p95 ms | MLflow 10k median ms | speed-up |")
        print("|---|---|---|---|---|")
        for name, (median, p95) in results.items():
            mlflow = MLFLOW_10K_MS.get(name)  # None: MLflow has no such call
            speedup = f"{mlflow / median:.1f}x" if mlflow else "–"
            print(f"| {name} | {median:.2f} | {p95:.2f} | {mlflow or '–'} | {speedup} |")


if __name__ == "__main__":
    main()
