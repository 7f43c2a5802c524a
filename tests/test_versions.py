"""Model versions, stages and aliases: the MLflow behaviour listed in shared/BASELINE.md."""

from __future__ import annotations

import pytest

from registry import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvalidStageTransitionError,
    NotFoundError,
)


def test_versions_auto_increment_and_accept_string_numbers(client, model):
    assert [v.version for v in client.search_model_versions("name = 'churn'")] == [3, 2, 1]
    assert client.get_model_version(model, "2").run_id == "r2"
    assert client.get_model_version(model, 2).source == "runs:/r2/model"


def test_creating_a_version_of_a_missing_model_fails(client):
    with pytest.raises(NotFoundError, match="'ghost' not found"):
        client.create_model_version("ghost", source="s")


def test_deleted_numbers_are_never_reused(client, model):
    client.delete_model_version(model, 3)
    with pytest.raises(NotFoundError, match="version 3 of registered model 'churn'"):
        client.get_model_version(model, 3)
    assert client.create_model_version(model, source="s").version == 4


@pytest.mark.parametrize("version", [0, -1, "x", "1.5", None, True])
def test_bad_version_numbers(client, model, version):
    with pytest.raises(InvalidArgumentError, match="Version of model 'churn'"):
        client.get_model_version(model, version)


def test_update_description(client, model):
    updated = client.update_model_version(model, 3, description="F1: 0.94")
    assert updated.description == "F1: 0.94"
    assert client.get_model_version(model, 3).description == "F1: 0.94"


@pytest.mark.parametrize("spelling", ["production", "PRODUCTION", "Production"])
def test_stages_are_case_insensitive_and_canonical(client, model, spelling):
    assert client.transition_model_version_stage(model, 1, spelling).current_stage == "Production"


def test_unknown_stage_is_refused(client, model):
    with pytest.raises(InvalidArgumentError, match="expected one of None, Staging"):
        client.transition_model_version_stage(model, 1, "Prod")


def test_several_versions_may_share_a_stage_without_archiving(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Production")
    stages = {v.version: v.current_stage for v in client.search_model_versions("name='churn'")}
    assert stages == {1: "Production", 2: "Production", 3: "None"}


def test_archive_existing_archives_only_the_target_stage(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Staging")
    client.transition_model_version_stage(
        model, 3, "Production", archive_existing_versions=True, comment="better F1"
    )
    stages = {v.version: v.current_stage for v in client.search_model_versions("name='churn'")}
    assert stages == {1: "Archived", 2: "Staging", 3: "Production"}
    promotion, archived = client.get_history(model, 3)[0], client.get_history(model, 1)[0]
    assert (promotion.old_value, promotion.new_value, promotion.comment) == (
        "None",
        "Production",
        "better F1",
    )
    assert promotion.payload["archived_versions"] == [1]
    assert (archived.old_value, archived.new_value) == ("Production", "Archived")


def test_archiving_with_archive_existing_is_refused(client, model):
    with pytest.raises(InvalidStageTransitionError, match="only Staging and Production"):
        client.transition_model_version_stage(model, 1, "Archived", archive_existing_versions=True)
    assert client.get_model_version(model, 1).current_stage == "None"


def test_get_latest_versions(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Staging")
    latest = client.get_latest_versions(model)
    assert {(v.version, v.current_stage) for v in latest} == {
        (1, "Production"),
        (2, "Staging"),
        (3, "None"),
    }
    (prod,) = client.get_latest_versions(model, stages=["production"])
    assert prod.version == 1
    assert client.get_latest_versions(model, stages=["Archived"]) == []
    with pytest.raises(NotFoundError):
        client.get_latest_versions("ghost")


def test_version_tags_by_number_or_stage(client, model):
    client.set_model_version_tag(model, 2, "validation", "failed")
    client.transition_model_version_stage(model, 3, "Staging")
    client.set_model_version_tag(model, key="reviewed_by", value="alice", stage="Staging")
    assert client.get_model_version(model, 2).tags == {"validation": "failed"}
    assert client.get_model_version(model, 3).tags == {"reviewed_by": "alice"}
    client.delete_model_version_tag(model, 2, "validation")
    client.delete_model_version_tag(model, 2, "absent")
    assert client.get_model_version(model, 2).tags == {}
    with pytest.raises(InvalidArgumentError, match="exactly one of version or stage"):
        client.set_model_version_tag(model, key="k", value="v")


def test_aliases_set_move_delete(client, model):
    client.set_registered_model_alias(model, "champion", 1)
    client.set_registered_model_alias(model, "champion", "2")
    assert client.get_model_version_by_alias(model, "champion").version == 2
    assert client.get_model_version(model, 2).aliases == ["champion"]
    assert client.get_model_version(model, 1).aliases == []
    assert client.get_registered_model(model).aliases == {"champion": 2}
    moved = client.get_history(model)[0]
    assert (moved.event, moved.old_value, moved.new_value) == (
        "registered_model.alias_moved",
        "1",
        "2",
    )
    client.delete_registered_model_alias(model, "champion")
    client.delete_registered_model_alias(model, "never")  # silent, as in MLflow
    with pytest.raises(NotFoundError, match="no alias 'champion'"):
        client.get_model_version_by_alias(model, "champion")


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12", "has space", "a/b", ""])
def test_reserved_and_malformed_aliases(client, model, alias):
    with pytest.raises(InvalidArgumentError):
        client.set_registered_model_alias(model, alias, 1)


def test_alias_to_missing_version_fails(client, model):
    with pytest.raises(NotFoundError, match="version 9"):
        client.set_registered_model_alias(model, "champion", 9)


def test_deleting_a_version_drops_its_alias(client, model):
    client.set_registered_model_alias(model, "champion", 3)
    client.delete_model_version(model, 3)
    assert client.get_registered_model(model).aliases == {}


def test_bulk_import_allocates_consecutive_numbers(client, model):
    created = client.create_model_versions(
        model, [{"source": f"s{i}", "tags": {"i": i}} for i in range(50)]
    )
    assert [v.version for v in created] == list(range(4, 54))
    assert client.get_model_version(model, 53).tags == {"i": "49"}
    assert client.create_model_version(model, source="after").version == 54
    assert len(client.get_history(model, 20)) == 1


def test_every_write_names_its_actor(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "bob")
    client.transition_model_version_stage(model, 1, "Staging")
    assert client.get_history(model, 1)[0].actor == "bob"
    assert client.get_model_version(model, 1).user_id == "tester"


def test_import_models_in_bulk(client):
    count = client.import_models(
        [
            {"name": f"m{i}", "tags": {"team": "t"}, "versions": [{"source": "s"}] * 3}
            for i in range(20)
        ]
    )
    assert count == 60
    assert client.get_registered_model("m7").tags == {"team": "t"}
    assert [v.version for v in client.search_model_versions("name = 'm7'")] == [3, 2, 1]
    assert client.create_model_version("m7", source="next").version == 4
    assert [c.event for c in client.get_history("m7")][-1] == "registered_model.created"


def test_import_models_refuses_existing_names_and_changes_nothing(client, model):
    with pytest.raises(AlreadyExistsError, match="'churn'"):
        client.import_models([{"name": "new"}, {"name": "churn", "versions": [{"source": "s"}]}])
    assert client.find_registered_model("new") is None
    assert len(client.search_model_versions("name = 'churn'")) == 3
