"""HistoryStore: a row per write (who, old -> new, comment), the reads built on it (what was
in a stage at time T, the rollback target) and the dashboard's counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry import InvalidStageTransitionError

from .support import pause

# (what bob does to 'churn', the row it leaves: event, version, key, old, new, comment)
WRITES = [
    (lambda c: c.update_registered_model("churn", "v2 of it"),
     ("registered_model.description_changed", None, None, "Churn model", "v2 of it", None)),
    (lambda c: c.set_registered_model_tag("churn", "team", "core"),
     ("registered_model.tag_set", None, "team", "growth", "core", None)),
    (lambda c: c.delete_registered_model_tag("churn", "team"),
     ("registered_model.tag_deleted", None, "team", "growth", None, None)),
    (lambda c: c.set_registered_model_alias("churn", "champion", 2),
     ("registered_model.alias_set", 2, "champion", None, "2", None)),
    (lambda c: c.update_model_version("churn", 1, "first"),
     ("model_version.description_changed", 1, None, None, "first", None)),
    (lambda c: c.set_model_version_tag("churn", 1, "k", "v"),
     ("model_version.tag_set", 1, "k", None, "v", None)),
    (lambda c: c.transition_model_version_stage("churn", 1, "Staging", comment="try it"),
     ("model_version.stage_transitioned", 1, None, "None", "Staging", "try it")),
    (lambda c: c.delete_model_version("churn", 3),
     ("model_version.deleted", 3, None, "None", None, None)),
    (lambda c: c.add_comment("churn", 2, "hmm"),
     ("model_version.comment_added", 2, None, None, None, "hmm")),
]  # fmt: skip


@pytest.mark.parametrize(("write", "row"), WRITES, ids=[r[0] for _, r in WRITES])
def test_every_write_leaves_one_row_naming_its_actor(backend, client, model, write, row):
    before = client.get_history(model)
    write(backend.client("bob"))
    after = client.get_history(model)
    assert after[1:] == before and len(after) == len(before) + 1
    change = after[0]
    assert change.actor == "bob" and change.model_name == "churn"
    assert change.id > before[0].id and change.timestamp >= before[0].timestamp
    assert (change.event, change.version, change.key, change.old_value, change.new_value,
            change.comment) == row  # fmt: skip


def test_history_filters_combine(backend, client, model):
    client.transition_model_version_stage(model, 1, "Staging")
    middle = pause()
    backend.client("bob").transition_model_version_stage(model, 2, "Staging")
    client.set_model_version_tag(model, 2, "k", "v")
    assert [c.event for c in client.get_history(model, 2, events=["model_version.tag_set"])] == [
        "model_version.tag_set"
    ]
    assert [(c.actor, c.version) for c in client.get_history(actor="bob")] == [("bob", 2)]
    assert [c.version for c in client.get_history(model, until=middle)] == [1, 3, 2, 1, None]
    assert [c.version for c in client.get_history(model, since=middle)] == [2, 2]
    assert [c.version for c in client.get_history(model, max_results=2, offset=1)] == [2, 1]


def test_events_come_oldest_first_after_a_cursor(client, model):
    events = client.get_events()
    assert [e.name for e in events][:2] == ["registered_model.created", "model_version.created"]
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert [e.id for e in client.get_events(after_id=events[1].id)] == [e.id for e in events[2:]]


def test_production_at_time_t(client, model):
    before_any = pause()
    client.transition_model_version_stage(model, 1, "Production")
    v1_era = pause()
    client.transition_model_version_stage(model, 2, "Production", archive_existing_versions=True)
    v2_era = pause()
    assert client.get_versions_in_stage_at(model, "Production", before_any) == []
    assert [v.version for v in client.get_versions_in_stage_at(model, "Production", v1_era)] == [1]
    at_v2 = client.get_versions_in_stage_at(
        model, "production", datetime.fromtimestamp(v2_era / 1000, UTC)
    )
    assert [(v.version, v.current_stage) for v in at_v2] == [(2, "Production")]
    assert [v.version for v in client.get_versions_in_stage_at(model, "Archived", v2_era)] == [1]
    assert [v.current_stage for v in client.get_versions_in_stage_at(model, "Production", v1_era)
            ] == ["Archived"]  # fmt: skip


def test_rollback_restores_the_previous_production_version(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 3, "Production", archive_existing_versions=True)
    assert client.find_rollback_target(model).version == 1
    restored = client.rollback_production(model, comment="v3 misbehaves")
    assert restored.version == 1 and restored.current_stage == "Production"
    assert client.get_model_version(model, 3).current_stage == "Archived"
    assert client.get_history(model, 1)[0].comment == "v3 misbehaves"


def test_rolling_back_twice_goes_further_back_never_forth(client, model):
    for number in (1, 2, 3):
        client.transition_model_version_stage(model, number, "Production", True)
    assert client.rollback_production(model).version == 2
    assert client.find_rollback_target(model).version == 1  # not v3 again
    assert client.rollback_production(model).version == 1
    assert client.find_rollback_target(model) is None
    client.transition_model_version_stage(model, 3, "Production", True)
    assert client.find_rollback_target(model).version == 1


def test_the_rollback_target_is_a_live_version(client, model):
    for number in (1, 2, 3):
        client.transition_model_version_stage(model, number, "Production", True)
    client.delete_model_version(model, 2)
    assert client.find_rollback_target(model).version == 1


def test_rollback_without_an_earlier_version_is_refused(client, model):
    assert client.find_rollback_target(model) is None
    client.transition_model_version_stage(model, 2, "Production")
    assert client.find_rollback_target(model) is None
    with pytest.raises(InvalidStageTransitionError, match="no earlier Production version"):
        client.rollback_production(model)


@pytest.fixture
def renamed(client, model) -> int:
    """v1 in Production, then v2 (archiving v1), then 'churn' renamed 'churn-v2'; returns a
    moment of v1's time in Production."""
    client.transition_model_version_stage(model, 1, "Production")
    v1_era = pause()
    client.transition_model_version_stage(model, 2, "Production", archive_existing_versions=True)
    client.rename_registered_model(model, "churn-v2")
    return v1_era


def test_a_renamed_model_keeps_its_stage_history(client, renamed):
    at_v1 = client.get_versions_in_stage_at("churn-v2", "Production", renamed)
    assert [v.version for v in at_v1] == [1]


def test_a_renamed_model_can_roll_back(client, renamed):
    target = client.find_rollback_target("churn-v2")
    assert target is not None and target.version == 1
    assert client.rollback_production("churn-v2").version == 1


def test_a_new_model_under_an_old_name_does_not_inherit_its_past(client, renamed):
    client.create_registered_model("churn")
    client.create_model_version("churn", source="runs:/new/model")
    assert client.find_rollback_target("churn") is None
    assert client.get_versions_in_stage_at("churn", "Production", renamed) == []


def test_summary_and_counts(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.create_registered_model("other", tags={"team": "core"})
    summary = client.get_registry_summary()
    assert (summary["models"], summary["versions"]) == (2, 3)
    assert summary["by_stage"] == {"Production": 1, "None": 2}
    assert summary["recent_changes"] == 6  # two models, three versions, one transition
    assert client.count_registered_models() == 2
    assert client.count_registered_models("tags.team = 'growth'") == 1
    assert client.count_model_versions("current_stage = 'Production'") == 1
    assert client.get_history_events() == [
        "model_version.created", "model_version.stage_transitioned", "registered_model.created",
    ]  # fmt: skip


def test_dashboard_reads_of_metrics_and_tags(client):
    client.create_registered_model("m", tags={"team": "b"})
    client.create_registered_model("n", tags={"team": "a"})
    runs = []
    for f1s in ([0.5, 0.7], [0.8]):
        run_id = client.create_run().info.run_id
        runs.append(run_id)
        for step, f1 in enumerate(f1s):
            client.log_metric(run_id, "f1", f1, step=step)
        client.log_metric(run_id, "loss", 1.0)
        client.create_model_version("m", source="s", run_id=run_id)
    client.transition_model_version_stage("m", 2, "Staging")
    assert client.get_model_metric_keys("m") == ["f1", "loss"]
    assert client.get_model_metric_values("m", "f1") == [(2, "Staging", 0.8), (1, "None", 0.7)]
    assert client.get_model_metric_values("m", "f1", max_results=1) == [(2, "Staging", 0.8)]
    assert client.get_latest_metrics(runs) == {
        runs[0]: {"f1": 0.7, "loss": 1.0}, runs[1]: {"f1": 0.8, "loss": 1.0},
    }  # fmt: skip
    assert client.get_model_tag_values(["team", "none"]) == {"team": ["a", "b"], "none": []}


def test_writes_that_change_nothing_add_no_history(client, model):
    client.set_registered_model_tag(model, "team", "risk")
    client.update_registered_model(model, description="Churn, v2 features")
    client.set_model_version_tag(model, 1, "owner", "ann")
    client.update_model_version(model, 1, description="baseline")
    client.set_registered_model_alias(model, "staging-pick", 1)
    before = [c.id for c in client.get_history(model)]
    client.set_registered_model_tag(model, "team", "risk")
    client.update_registered_model(model, description="Churn, v2 features")
    client.set_model_version_tag(model, 1, "owner", "ann")
    assert client.update_model_version(model, 1, description="baseline").description == "baseline"
    client.set_registered_model_alias(model, "staging-pick", "1")
    assert [c.id for c in client.get_history(model)] == before
    client.set_registered_model_tag(model, "team", "growth")  # a real change still counts
    assert client.get_history(model)[0].new_value == "growth"
