"""One client's workload, run by bench_server.py and compare_mlflow.py in the project's
virtualenv (``--flavor registry``) or in MLflow's (``--flavor mlflow``): the same calls, only
the import differs. ``--uri`` is a server's address, a registry folder, or MLflow's
``sqlite:///...``. Prints one JSON object: per call, the milliseconds of each timed call.

    python bench/workload.py --flavor registry --uri http://127.0.0.1:8080 seed
    python bench/workload.py --flavor mlflow --uri ... calls --calls 30
    python bench/workload.py --flavor registry --uri ... create --model m --count 50
    python bench/workload.py --flavor mlflow --uri ... pad --count 19000

``pad`` adds filler models of 10 versions each (tagged as the seeded ones) in bulk: the
registry through ``import_models``, MLflow by copying model-0's rows in its sqlite file (MLflow
has no bulk call, and one call per version would take most of an hour at 20,000).

It uses only the standard library and the client under test, so it runs in either venv.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

MODELS = 100
VERSIONS_PER_MODEL = 10


def client_for(flavor: str, uri: str):
    if flavor == "mlflow":
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=uri, registry_uri=uri)
    from registry import RegistryClient

    return RegistryClient(uri)


def seed(client) -> dict[str, list[float]]:
    """100 models x 10 versions, one call at a time (the 'create' figures come from here)."""
    created = []
    for m in range(MODELS):
        name = f"model-{m}"
        client.create_registered_model(name, tags={"team": f"team-{m % 10}"})
        for v in range(VERSIONS_PER_MODEL):
            started = time.perf_counter()
            client.create_model_version(
                name, source=f"s3://bucket/{name}/{v}", tags={"team": f"team-{m % 10}"}
            )
            created.append((time.perf_counter() - started) * 1000)
        client.set_registered_model_alias(name, "champion", 1)
        client.transition_model_version_stage(name, 2, "Production")
    return {"create_model_version": created}


def pad(flavor: str, uri: str, first: int, count: int) -> dict[str, list[float]]:
    """``count`` more versions as models ``filler-<first>``, ``filler-<first + 1>``, ... of
    10 versions each, tagged as the seeded ones (so tag searches find more rows)."""
    names = range(first, first + count // VERSIONS_PER_MODEL)
    started = time.perf_counter()
    if flavor == "mlflow":
        _pad_sqlite(uri.removeprefix("sqlite:///"), [f"filler-{k}" for k in names])
    else:
        client = client_for(flavor, uri)
        models = [
            {
                "name": f"filler-{k}",
                "tags": {"team": f"team-{k % 10}"},
                "versions": [
                    {"source": f"s3://bucket/filler-{k}/{v}", "tags": {"team": f"team-{k % 10}"}}
                    for v in range(VERSIONS_PER_MODEL)
                ],
            }
            for k in names
        ]
        for chunk in range(0, len(models), 1000):
            client.import_models(models[chunk : chunk + 1000])
    return {"pad": [(time.perf_counter() - started) * 1000]}


def _pad_sqlite(path: str, names: list[str]) -> None:
    """Copy model-0's rows (the model, its versions, tags and aliases) under each of
    ``names`` in MLflow's sqlite file, each filler's ``team`` tag set as ``pad`` sets it on
    the embedded side: the same rows MLflow's own calls would write."""
    import sqlite3

    db = sqlite3.connect(path)
    tables = [
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if row[0].startswith(("registered_model", "model_version"))
    ]
    with db:
        for table in tables:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            if "name" not in columns:
                continue
            picked = ", ".join("?" if c == "name" else c for c in columns)
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {picked} FROM {table} WHERE name = 'model-0'"
            )
            db.executemany(sql, [(name,) for name in names])
            if {"key", "value"} <= set(columns):  # each filler's team, as the embedded side's
                db.execute(
                    f"UPDATE {table} SET value = 'team-' || (CAST(substr(name, 8) AS INTEGER) % 10)"
                    " WHERE key = 'team' AND name LIKE 'filler-%'"
                )
    db.close()


def calls(client, count: int, rows: dict[str, int] | None = None) -> dict[str, list[float]]:
    """Each read and write of bench_registry.py, ``count`` times after 3 warm-ups; ``rows``
    gets how many rows each call returned."""
    # Tag values and alias names new in every process: a value already set changes nothing
    # here (no write, no history row) where MLflow writes anyway, so a later round would
    # time no-ops.
    run = time.time_ns()
    cases = {
        "get_registered_model": lambda i: client.get_registered_model(f"model-{i % MODELS}"),
        "get_model_version": lambda i: client.get_model_version(f"model-{i % MODELS}", 3),
        "get_model_version_by_alias": lambda i: client.get_model_version_by_alias(
            f"model-{i % MODELS}", "champion"
        ),
        "get_latest_versions Production": lambda i: client.get_latest_versions(
            f"model-{i % MODELS}", stages=["Production"]
        ),
        "search_registered_models name LIKE": lambda i: client.search_registered_models(
            f"name LIKE '%model-{i % 10}%'"
        ),
        "search_model_versions name=": lambda i: client.search_model_versions(
            f"name='model-{i % MODELS}'"
        ),
        "search_model_versions tag": lambda i: client.search_model_versions(
            f"tags.team = 'team-{i % 10}'"
        ),
        "set_model_version_tag": lambda i: client.set_model_version_tag(
            f"model-{i % MODELS}", 4, "checked", f"{run}-{i}"
        ),
        "set_registered_model_alias": lambda i: client.set_registered_model_alias(
            f"model-{i % MODELS}", f"challenger-{run}", 5 + i % 3
        ),
        "transition (archive existing)": lambda i: client.transition_model_version_stage(
            f"model-{i % MODELS}", 6 + i % 2, "Staging", archive_existing_versions=True
        ),
        "create_model_version": lambda i: client.create_model_version(
            f"model-{i % MODELS}", source=f"s3://bucket/model-{i % MODELS}/c{i}"
        ),
    }
    timings = {}
    for label, call in cases.items():
        for i in range(-3, 0):  # warm-ups with other values than the timed calls
            call(i)
        samples = []
        for i in range(count):
            started = time.perf_counter()
            result = call(i)
            samples.append((time.perf_counter() - started) * 1000)
        timings[label] = samples
        if rows is not None:  # what the last call returned: a list's length, else 1 or 0
            rows[label] = len(result) if isinstance(result, list) else int(result is not None)
    return timings


def create(client, model: str, count: int) -> dict[str, list[float]]:
    """``count`` versions of ``model`` one after another (a concurrent client's share)."""
    samples = []
    for i in range(count):
        started = time.perf_counter()
        client.create_model_version(model, source=f"s3://bucket/{model}/c{i}")
        samples.append((time.perf_counter() - started) * 1000)
    return {"create": samples}


def bulk(client, model: str, count: int) -> dict[str, list[float]]:
    """One ``create_model_versions`` call of ``count`` versions (the project's bulk path)."""
    specs = [{"source": f"s3://bucket/{model}/b{i}"} for i in range(count)]
    started = time.perf_counter()
    client.create_model_versions(model, specs)
    return {"bulk": [(time.perf_counter() - started) * 1000]}


def models(flavor: str, count: int) -> dict[str, list[float]]:
    """log_model + register, and load + predict, of a LogisticRegression on 1,000 x 20."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    if flavor == "mlflow":
        import mlflow
        import mlflow.sklearn as flavor_module
    else:
        import registry as mlflow
        import registry.sklearn as flavor_module
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((1000, 20)), columns=[f"f{i}" for i in range(20)])
    model = LogisticRegression().fit(x, (x["f0"] > 0.5).astype(int))
    logged, loaded = [], []
    for i in range(count):
        started = time.perf_counter()
        with mlflow.start_run():
            flavor_module.log_model(
                model, name="model", registered_model_name="bench-model", input_example=x.head()
            )
        logged.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        mlflow.pyfunc.load_model(f"models:/bench-model/{i + 1}").predict(x)
        loaded.append((time.perf_counter() - started) * 1000)
    return {"log_model + register": logged, "load_model + predict": loaded}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flavor", choices=["registry", "mlflow"], required=True)
    parser.add_argument("--uri", required=True)
    parser.add_argument("phase", choices=["seed", "calls", "create", "bulk", "models", "pad"])
    parser.add_argument("--first", type=int, default=0, help="pad: the first filler's number")
    parser.add_argument("--rows", action="store_true", help="calls: add '_rows' per call")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--model", default="model-0")
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    if args.phase == "models":
        os.environ["MLFLOW_TRACKING_URI" if args.flavor == "mlflow" else "REGISTRY_URI"] = args.uri
        json.dump(models(args.flavor, args.count), sys.stdout)
        return
    if args.phase == "pad":
        json.dump(pad(args.flavor, args.uri, args.first, args.count), sys.stdout)
        return
    client = client_for(args.flavor, args.uri)
    if args.phase == "seed":
        result = seed(client)
    elif args.phase == "calls":
        rows: dict[str, int] = {}
        result = calls(client, args.calls, rows)
        if args.rows:
            result["_rows"] = rows  # type: ignore[assignment]
    elif args.phase == "bulk":
        result = bulk(client, args.model, args.count)
    else:
        result = create(client, args.model, args.count)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
