"""RunStore: runs, their params, metrics, tags, inputs and logged model files."""

from __future__ import annotations

import re

import pytest

from registry import NotFoundError
from registry.entities import Dataset, LoggedModel, Metric

DATA = Dataset("train", "d" * 64, source="s3://bucket/train.csv", context="training",
               num_rows=3, num_columns=2, size_bytes=40, schema={"x": "float64"})  # fmt: skip


def test_a_run_round_trips(client):
    run = client.create_run("churn", start_time=1_000, tags={"team": "growth"}, run_name="base")
    got = client.get_run(run.info.run_id)
    assert got == run
    assert (got.info.experiment_name, got.info.run_name, got.info.status) == (
        "churn", "base", "RUNNING",
    )  # fmt: skip
    assert (got.info.start_time, got.info.end_time, got.info.user_id) == (1_000, None, "tester")
    assert got.data.tags == {"team": "growth"}


def test_ending_and_reopening_a_run(client):
    run_id = client.create_run().info.run_id
    client.set_terminated(run_id, "FAILED", end_time=5_000)
    assert (client.get_run(run_id).info.status, client.get_run(run_id).info.end_time) == (
        "FAILED", 5_000,
    )  # fmt: skip
    client.update_run(run_id, "RUNNING")
    assert (client.get_run(run_id).info.status, client.get_run(run_id).info.end_time) == (
        "RUNNING", None,
    )  # fmt: skip


def test_metrics_append_while_params_and_tags_overwrite(client):
    run_id = client.create_run().info.run_id
    client.log_batch(run_id, [Metric("f1", 0.8, 20, 1), Metric("f1", 0.7, 10, 0)], {"C": 1})
    client.log_batch(run_id, [Metric("f1", 0.9, 5, 2)], {"C": 2}, {"t": "a"})
    client.log_batch(run_id, [Metric("f1", 0.85, 30, 2)], tags={"t": "b"})
    history = client.get_metric_history(run_id, "f1")
    assert [(m.step, m.timestamp, m.value) for m in history] == [
        (0, 10, 0.7), (1, 20, 0.8), (2, 5, 0.9), (2, 30, 0.85),
    ]  # fmt: skip
    data = client.get_run(run_id).data
    assert (data.metrics, data.params, data.tags) == ({"f1": 0.85}, {"C": "2"}, {"t": "b"})
    assert client.get_metric_history(run_id, "never") == []


def test_inputs_are_recorded(client):
    run_id = client.create_run().info.run_id
    client.log_input(run_id, DATA)
    client.log_input(run_id, Dataset("eval", "e" * 64, context="evaluation"))
    assert sorted(client.get_run(run_id).inputs, key=lambda d: d.name) == [
        Dataset("eval", "e" * 64, context="evaluation"), DATA,
    ]  # fmt: skip


def test_the_same_input_is_recorded_once(client):
    run_id = client.create_run().info.run_id
    client.log_input(run_id, DATA)
    client.log_input(run_id, DATA)
    assert client.get_run(run_id).inputs == [DATA]


def _logged(run_id: str, sha: str, path: str = "model") -> LoggedModel:
    return LoggedModel(run_id, path, sha, "sklearn", "{}", 1)


def test_a_logged_model_is_replaced_at_its_path(client):
    run_id = client.create_run().info.run_id
    first, second = client.blobs.put(b"first"), client.blobs.put(b"second")
    client.log_model_file(_logged(run_id, first))
    client.log_model_file(_logged(run_id, first, "other"))
    client.log_model_file(_logged(run_id, second))
    assert client.get_logged_model(run_id, "model") == _logged(run_id, second)
    assert [m.artifact_path for m in client.get_run(run_id).models] == ["model", "other"]


def test_search_runs_newest_first_by_experiment_and_in_pages(client):
    ids = {t: client.create_run("a" if t % 2 else "b", start_time=t).info.run_id
           for t in range(1, 8)}  # fmt: skip
    assert [r.info.run_id for r in client.search_runs(["a"])] == [ids[7], ids[5], ids[3], ids[1]]
    seen, token = [], None
    while True:
        page = client.search_runs(max_results=3, page_token=token)
        seen += [r.info.run_id for r in page]
        if (token := page.token) is None:
            break
    assert seen == [ids[t] for t in range(7, 0, -1)]


MISSING = {
    "get_run": (lambda c: c.get_run("nope"), "Run 'nope' not found"),
    "end_run": (lambda c: c.set_terminated("nope"), "Run 'nope' not found"),
    "log_batch": (lambda c: c.log_param("nope", "k", "v"), "Run 'nope' not found"),
    "log_input": (lambda c: c.log_input("nope", DATA), "Run 'nope' not found"),
    "get_logged_model": (lambda c: c.get_logged_model("nope", "model"), "Run 'nope' not found"),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_runs_are_named(client, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)


def test_a_missing_logged_model_names_run_and_path(client):
    run_id = client.create_run().info.run_id
    with pytest.raises(NotFoundError, match=f"Run '{run_id}' has no model at artifact path 'm'"):
        client.get_logged_model(run_id, "m")
