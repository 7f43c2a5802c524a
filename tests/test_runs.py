"""Runs through the fluent API: the lineage every version links back to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import registry
from registry import InvalidArgumentError, NotFoundError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fluent_home(home, monkeypatch):
    monkeypatch.setattr(registry.fluent, "_settings", {**registry.fluent._settings, "home": None})
    yield
    while registry.active_run():
        registry.end_run()


def test_run_records_params_metric_history_tags_and_status(client):
    with registry.start_run(run_name="baseline") as run:
        registry.log_params({"C": 0.1, "penalty": "l2"})
        for step, value in enumerate([0.71, 0.80, 0.84]):
            registry.log_metric("val_f1", value, step=step)
        registry.log_metrics({"accuracy": 0.9, "auc": 0.95})
        registry.set_tags({"team": "growth"})
        assert registry.active_run().info.run_id == run.info.run_id
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED" and got.info.end_time >= got.info.start_time
    assert got.info.run_name == "baseline"
    assert got.data.params == {"C": "0.1", "penalty": "l2"}
    assert got.data.metrics == {"val_f1": 0.84, "accuracy": 0.9, "auc": 0.95}
    assert got.data.tags == {"team": "growth"}
    history = client.get_metric_history(run.info.run_id, "val_f1")
    assert [(m.step, m.value) for m in history] == [(0, 0.71), (1, 0.80), (2, 0.84)]
    assert registry.active_run() is None


def test_exception_inside_the_block_marks_the_run_failed(client):
    with pytest.raises(ValueError), registry.start_run() as run:
        int("not a number")
    assert client.get_run(run.info.run_id).info.status == "FAILED"
    assert registry.active_run() is None


def test_second_run_needs_nested(client):
    with registry.start_run() as outer:
        with pytest.raises(InvalidArgumentError, match="already active"):
            registry.start_run()
        with registry.start_run(nested=True) as inner:
            pass
    assert client.get_run(inner.info.run_id).data.tags["mlflow.parentRunId"] == outer.info.run_id


def test_log_input_records_dataframe_and_file(client, tmp_path):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    path = tmp_path / "train.csv"
    df.to_csv(path, index=False)
    with registry.start_run() as run:
        registry.log_input(df, name="train-frame")
        registry.log_input(path, context="evaluation")
    frame, file = client.get_run(run.info.run_id).inputs
    assert (frame.name, frame.num_rows, frame.num_columns, frame.context) == (
        "train-frame",
        3,
        2,
        "training",
    )
    assert frame.schema == {"x": "float64", "label": "int64"}
    assert len(frame.digest) == 64
    assert (file.name, file.source, file.num_rows, file.context) == (
        "train.csv",
        str(path),
        3,
        "evaluation",
    )
    assert file.size_bytes == path.stat().st_size


def test_same_data_same_digest_changed_data_new_digest():
    from registry.client.datasets import describe

    a = describe(pd.DataFrame({"x": [1, 2]}), "a")
    assert a.digest == describe(pd.DataFrame({"x": [1, 2]}), "b").digest
    assert a.digest != describe(pd.DataFrame({"x": [1, 3]}), "a").digest


def test_log_input_refuses_missing_files_and_other_objects(tmp_path):
    with registry.start_run():
        with pytest.raises(InvalidArgumentError, match="does not exist"):
            registry.log_input(tmp_path / "nope.csv")
        with pytest.raises(InvalidArgumentError, match="DataFrame or a file path"):
            registry.log_input(42)


def test_runs_record_their_git_commit(tmp_path, home):
    repo = tmp_path / "project"
    repo.mkdir()
    script = repo / "train.py"
    script.write_text(
        "import registry\nwith registry.start_run() as run:\n    print(run.info.run_id)\n"
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout

    env = {
        **os.environ,
        "PYTHONPATH": str(registry.client.facade.config.__file__).rsplit("/registry", 1)[0],
    }
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    info = registry.RegistryClient(home).get_run(out.stdout.strip()).info
    assert info.git_commit == commit.strip()
    assert info.git_dirty is False
    assert info.source_name == str(script) and info.source_type == "SCRIPT"


def test_search_runs_and_missing_run(client):
    registry.set_experiment("churn")
    try:
        with registry.start_run() as first:
            pass
        with registry.start_run() as second:
            pass
    finally:
        registry.set_experiment("Default")
    found = client.search_runs(["churn"])
    assert {r.info.run_id for r in found} == {first.info.run_id, second.info.run_id}
    with pytest.raises(NotFoundError, match="Run 'ffff' not found"):
        client.get_run("ffff")
    with pytest.raises(InvalidArgumentError, match="Invalid run id"):
        client.get_run("../etc")
