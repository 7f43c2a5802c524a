"""Model versions, stages and aliases: the client's checks and MLflow's spellings (listed in
shared/BASELINE.md). What every store guarantees about them is in store_contract/."""

from __future__ import annotations

import pytest

from registry import InvalidArgumentError, NotFoundError


@pytest.mark.parametrize("version", [0, -1, "x", "1.5", None, True])
def test_bad_version_numbers(client, model, version):
    with pytest.raises(InvalidArgumentError, match="Version of model 'churn'"):
        client.get_model_version(model, version)


@pytest.mark.parametrize("spelling", ["production", "PRODUCTION", "Production"])
def test_stages_are_case_insensitive_and_canonical(client, model, spelling):
    assert client.transition_model_version_stage(model, 1, spelling).current_stage == "Production"


def test_unknown_stage_is_refused(client, model):
    with pytest.raises(InvalidArgumentError, match="must be one of None, Staging"):
        client.transition_model_version_stage(model, 1, "Prod")


def test_version_tags_may_name_a_stage_for_its_newest_version(client, model):
    client.transition_model_version_stage(model, 2, "Staging")
    client.transition_model_version_stage(model, 3, "Staging")
    client.set_model_version_tag(model, key="reviewed_by", value="alice", stage="Staging")
    assert client.get_model_version(model, 3).tags == {"reviewed_by": "alice"}
    assert client.get_model_version(model, 2).tags == {}
    client.delete_model_version_tag(model, key="reviewed_by", stage="staging")
    assert client.get_model_version(model, 3).tags == {}
    with pytest.raises(NotFoundError, match="'churn' has no version in stage 'Production'"):
        client.set_model_version_tag(model, key="k", value="v", stage="Production")
    with pytest.raises(InvalidArgumentError, match="exactly one of version or stage"):
        client.set_model_version_tag(model, key="k", value="v")


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12", "has space", "a/b", ""])
def test_reserved_and_malformed_aliases(client, model, alias):
    with pytest.raises(InvalidArgumentError):
        client.set_registered_model_alias(model, alias, 1)


def test_every_write_names_its_actor(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "bob")
    client.transition_model_version_stage(model, 1, "Staging")
    assert client.get_history(model, 1)[0].actor == "bob"
    assert client.get_model_version(model, 1).user_id == "tester"
