"""History questions: what the client checks before asking the store. The answers
(summaries, 'what was in Production at time T', rollback) are in store_contract/."""

from __future__ import annotations

from datetime import datetime

import pytest

from registry import InvalidArgumentError


def test_naive_datetimes_are_refused(client, model):
    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        client.get_versions_in_stage_at(model, "Production", datetime(2026, 1, 1))
