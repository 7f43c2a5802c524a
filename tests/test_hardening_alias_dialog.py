"""The dashboard's alias confirmation shows what a protected alias needs (issue 14, item 8)
and passes the override it asks for to the client."""

from __future__ import annotations

import pytest
from validation_support import SAMPLE_DATA, churn_model, register

from registry import ValidationRequiredError
from registry.dashboard import actions
from registry.dashboard.actions import PendingAction

OVERRIDDEN = "model_version.validation_overridden"


@pytest.fixture
def churn(client):
    register("churn", churn_model())
    register("churn", churn_model())
    client.set_validation_policy("churn", "accuracy >= 0.85")
    client.require_validation_for_production("churn", 7)
    client.validate_model_version("churn", 2, SAMPLE_DATA / "churn_test.csv", "churned")
    return "churn"


def test_moving_champion_to_an_unvalidated_version_asks_for_an_override(client, churn):
    champion = PendingAction("alias", churn, 1, key="champion")
    plan = actions.plan(client, champion)
    assert plan.blocked is None
    assert any("@champion serves like Production" in note for note in plan.notes)
    assert plan.override and "never validated" in plan.override
    with pytest.raises(ValidationRequiredError):
        actions.apply(client, champion)
    actions.apply(client, champion, "hotfix, validated offline", override=True)
    assert client.get_registered_model(churn).aliases["champion"] == 1
    (row,) = client.get_history(churn, 1, events=[OVERRIDDEN])
    assert row.comment == "hotfix, validated offline"


def test_a_validated_version_shows_the_requirement_met(client, churn):
    plan = actions.plan(client, PendingAction("alias", churn, 2, key="champion"))
    assert plan.override is None
    assert any("met for" in note for note in plan.notes)


def test_an_unprotected_alias_needs_nothing_more(client, churn):
    plan = actions.plan(client, PendingAction("alias", churn, 1, key="shadow"))
    assert (plan.notes, plan.override, plan.blocked) == ((), None, None)
