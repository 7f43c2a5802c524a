"""History answers: summaries, 'what was in Production at time T', rollback."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from registry import InvalidArgumentError, InvalidStageTransitionError


def _pause() -> int:
    """A timestamp strictly between the writes before and after it."""
    time.sleep(0.01)
    moment = int(time.time() * 1000)
    time.sleep(0.01)
    return moment


def test_production_at_time_t(client, model):
    before_any = _pause()
    client.transition_model_version_stage(model, 1, "Production")
    v1_era = _pause()
    client.transition_model_version_stage(model, 2, "Production", archive_existing_versions=True)
    v2_era = _pause()
    assert client.get_versions_in_stage_at(model, "Production", before_any) == []
    assert [v.version for v in client.get_versions_in_stage_at(model, "Production", v1_era)] == [1]
    at_v2 = client.get_versions_in_stage_at(
        model, "production", datetime.fromtimestamp(v2_era / 1000, UTC)
    )
    assert [v.version for v in at_v2] == [2]
    assert [v.version for v in client.get_versions_in_stage_at(model, "Archived", v2_era)] == [1]


def test_naive_datetimes_are_refused(client, model):
    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        client.get_versions_in_stage_at(model, "Production", datetime(2026, 1, 1))


def test_rollback_restores_the_previous_production_version(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 3, "Production", archive_existing_versions=True)
    restored = client.rollback_production(model, comment="v3 misbehaves")
    assert restored.version == 1 and restored.current_stage == "Production"
    assert client.get_model_version(model, 3).current_stage == "Archived"
    assert client.get_history(model, 1)[0].comment == "v3 misbehaves"


def test_rollback_without_an_earlier_version_is_refused(client, model):
    client.transition_model_version_stage(model, 2, "Production")
    with pytest.raises(InvalidStageTransitionError, match="no earlier Production version"):
        client.rollback_production(model)


def test_summary_counts(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    summary = client.get_registry_summary()
    assert summary["models"] == 1
    assert summary["versions"] == 3
    assert summary["by_stage"] == {"Production": 1, "None": 2}
    assert summary["recent_changes"] == 5  # model, three versions, one transition
