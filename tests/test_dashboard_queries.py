"""The batched reads the dashboard renders from: counts, metrics per run, tag values."""

from __future__ import annotations

import pytest

from registry import FilterSyntaxError
from registry.entities import Metric


@pytest.fixture
def runs(client, model):
    """Versions 4 and 5 of 'churn' come with runs that logged f1 (two steps) and auc."""
    ids = []
    for f1 in (0.70, 0.80):
        run = client.create_run("exp")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("f1", f1 - 0.1, 1, 0), Metric("f1", f1, 2, 1), Metric("auc", 0.9, 1)],
        )
        client.create_model_versions("churn", [{"run_id": run.info.run_id}])
        ids.append(run.info.run_id)
    return ids


def test_counts_follow_the_search_grammar(client, model):
    client.create_registered_model("fraud", tags={"team": "risk"})
    assert client.count_registered_models() == 2
    assert client.count_registered_models("tags.team = 'risk'") == 1
    assert client.count_model_versions("name = 'churn'") == 3
    client.delete_model_version(model, 3)
    assert client.count_model_versions("name = 'churn'") == 2
    with pytest.raises(FilterSyntaxError):
        client.count_registered_models("nme = 'x'")


def test_latest_metrics_take_the_highest_step(client, runs):
    metrics = client.get_latest_metrics([*runs, "unknown"])
    assert metrics[runs[0]] == {"f1": pytest.approx(0.70), "auc": pytest.approx(0.9)}
    assert metrics["unknown"] == {}
    assert client.get_latest_metrics([]) == {}


def test_metric_values_across_versions(client, runs):
    client.transition_model_version_stage("churn", 5, "Production")
    assert client.get_model_metric_keys("churn") == ["auc", "f1"]
    values = client.get_model_metric_values("churn", "f1")
    assert [(v, stage) for v, stage, _ in values] == [(5, "Production"), (4, "None")]
    assert values[0][2] == pytest.approx(0.80)
    assert len(client.get_model_metric_values("churn", "f1", max_results=1)) == 1


def test_tag_values_and_events(client, model):
    client.create_registered_model("fraud", tags={"team": "risk", "owner": "ann"})
    client.create_registered_model("ltv", tags={"team": "growth"})
    values = client.get_model_tag_values(["team", "owner", "absent"])
    assert values == {"team": ["growth", "risk"], "owner": ["ann"], "absent": []}
    assert client.get_history_events() == ["model_version.created", "registered_model.created"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([], None),
        ([(1, True), (3, True)], 1),
        ([(1, False), (2, False)], None),  # two in Production: neither left it
        ([(1, True), (2, True), ("delete", 1), (3, True)], 2),
        ([(1, True), (2, True), (1, True), (3, True)], 1),  # the newest promotion counts
        ([(2, True)], None),
    ],
)
def test_rollback_target_matches_rollback(client, model, steps, expected):
    for version, archive in steps:
        if version == "delete":
            client.delete_model_version(model, archive)
        else:
            client.transition_model_version_stage(model, version, "Production", archive)
    target = client.find_rollback_target(model)
    assert (target and target.version) == expected
    if expected is not None:
        assert client.rollback_production(model).version == expected
