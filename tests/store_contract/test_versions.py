"""VersionStore: numbering, reads, descriptions, stages, version tags, bulk and search."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from registry import (
    AlreadyExistsError,
    FilterSyntaxError,
    InvalidStageTransitionError,
    NotFoundError,
)

from .support import stages


def test_versions_are_numbered_from_1_and_read_back(client, model):
    assert [v.version for v in client.search_model_versions("name = 'churn'")] == [3, 2, 1]
    got = client.get_model_version(model, "2")
    assert (got.run_id, got.source, got.current_stage, got.status) == (
        "r2", "runs:/r2/model", "None", "READY",
    )  # fmt: skip
    assert got.user_id == "tester"


def test_deleted_numbers_are_never_reused(client, model):
    client.delete_model_version(model, 3)
    with pytest.raises(
        NotFoundError, match=re.escape("Model Version (name=churn, version=3) not found")
    ):
        client.get_model_version(model, 3)
    assert client.create_model_version(model, source="s").version == 4
    for number in (1, 2, 4):
        client.delete_model_version(model, number)
    assert client.create_model_version(model, source="s").version == 5


def test_concurrent_creates_get_consecutive_numbers(backend, model):
    def create_five(user: str) -> list[int]:
        writer = backend.client(user)
        return [writer.create_model_version(model, source=user).version for _ in range(5)]

    with ThreadPoolExecutor(4) as pool:
        numbers = [n for batch in pool.map(create_five, ["a", "b", "c", "d"]) for n in batch]
    assert sorted(numbers) == list(range(4, 24))


MISSING = {
    "create": (
        lambda c: c.create_model_version("ghost", source="s"),
        "Registered Model with name=ghost not found",
    ),
    "get": (
        lambda c: c.get_model_version("churn", 9),
        "Model Version (name=churn, version=9) not found",
    ),
    "update": (
        lambda c: c.update_model_version("churn", 9, "d"),
        "Model Version (name=churn, version=9) not found",
    ),
    "delete": (
        lambda c: c.delete_model_version("churn", 9),
        "Model Version (name=churn, version=9) not found",
    ),
    "transition": (
        lambda c: c.transition_model_version_stage("churn", 9, "Staging"),
        "Model Version (name=churn, version=9) not found",
    ),
    "set-tag": (
        lambda c: c.set_model_version_tag("churn", 9, "k", "v"),
        "Model Version (name=churn, version=9) not found",
    ),
    "delete-tag": (
        lambda c: c.delete_model_version_tag("churn", 9, "k"),
        "Model Version (name=churn, version=9) not found",
    ),
    "latest": (
        lambda c: c.get_latest_versions("ghost"),
        "Registered Model with name=ghost not found",
    ),
    "bulk-create": (
        lambda c: c.create_model_versions("ghost", [{}]),
        "Registered Model with name=ghost not found",
    ),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_versions_are_named(client, model, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)


def test_a_deleted_version_is_gone_for_every_call(client, model):
    client.delete_model_version(model, 2)
    with pytest.raises(
        NotFoundError, match=re.escape("Model Version (name=churn, version=2) not found")
    ):
        client.set_model_version_tag(model, 2, "k", "v")
    with pytest.raises(
        NotFoundError, match=re.escape("Model Version (name=churn, version=2) not found")
    ):
        client.transition_model_version_stage(model, 2, "Staging")
    assert stages(client, model) == {1: "None", 3: "None"}


def test_update_description(client, model):
    before = client.get_model_version(model, 3)
    updated = client.update_model_version(model, 3, description="F1: 0.94")
    assert updated.description == "F1: 0.94"
    assert client.get_model_version(model, 3).description == "F1: 0.94"
    assert updated.last_updated_timestamp >= before.last_updated_timestamp


def test_several_versions_may_share_a_stage_without_archiving(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Production")
    assert stages(client, model) == {1: "Production", 2: "Production", 3: "None"}


def test_archive_existing_archives_only_the_target_stage(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Staging")
    moved = client.transition_model_version_stage(
        model, 3, "Production", archive_existing_versions=True, comment="better F1"
    )
    assert moved.current_stage == "Production"
    assert stages(client, model) == {1: "Archived", 2: "Staging", 3: "Production"}
    promotion, archived = client.get_history(model, 3)[0], client.get_history(model, 1)[0]
    assert (promotion.old_value, promotion.new_value, promotion.comment) == (
        "None", "Production", "better F1",
    )  # fmt: skip
    assert promotion.payload["archived_versions"] == [1]
    assert (archived.old_value, archived.new_value) == ("Production", "Archived")


def test_archiving_with_archive_existing_is_refused(client, model):
    client.transition_model_version_stage(model, 2, "Archived")
    with pytest.raises(InvalidStageTransitionError, match="version 1 of 'churn'"):
        client.transition_model_version_stage(model, 1, "Archived", archive_existing_versions=True)
    assert stages(client, model) == {1: "None", 2: "Archived", 3: "None"}


def test_get_latest_versions(client, model):
    client.transition_model_version_stage(model, 1, "Production")
    client.transition_model_version_stage(model, 2, "Staging")
    latest = client.get_latest_versions(model)
    assert [(v.version, v.current_stage) for v in latest] == [
        (1, "Production"), (2, "Staging"), (3, "None"),
    ]  # fmt: skip
    assert [v.version for v in client.get_latest_versions(model, stages=["production"])] == [1]
    assert client.get_latest_versions(model, stages=["Archived"]) == []
    client.create_registered_model("empty")
    assert client.get_latest_versions("empty") == []


def test_version_tags_set_overwrite_and_delete(client, model):
    client.set_model_version_tag(model, 2, "validation", "failed")
    client.set_model_version_tag(model, 2, "validation", "passed")
    assert client.get_model_version(model, 2).tags == {"validation": "passed"}
    assert client.get_model_version(model, 1).tags == {}
    client.delete_model_version_tag(model, 2, "validation")
    client.delete_model_version_tag(model, 2, "absent")  # silent, as in MLflow
    assert client.get_model_version(model, 2).tags == {}
    assert [c.event for c in client.get_history(model, 2)][:3] == [
        "model_version.tag_deleted", "model_version.tag_set", "model_version.tag_set",
    ]  # fmt: skip


def test_bulk_create_allocates_consecutive_numbers(client, model):
    created = client.create_model_versions(
        model, [{"source": f"s{i}", "tags": {"i": i}} for i in range(50)]
    )
    assert [v.version for v in created] == list(range(4, 54))
    assert client.get_model_version(model, 53).tags == {"i": "49"}
    assert client.create_model_version(model, source="after").version == 54
    assert len(client.get_history(model, 20)) == 1


def test_import_models_numbers_each_from_1(client):
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


def test_search_defaults_to_mlflows_order_newest_change_first(client):
    """MLflow's default: last_updated_timestamp DESC, then name, then version DESC."""
    for name in ("b", "a"):
        client.create_registered_model(name)
    for name in ("b", "a", "a", "b", "a"):
        client.create_model_version(name, source="s")
        time.sleep(0.003)  # distinct milliseconds, so the order is by time alone
    found = [(v.name, v.version) for v in client.search_model_versions()]
    assert found == [("a", 3), ("b", 2), ("a", 2), ("a", 1), ("b", 1)]
    client.update_model_version("b", 1, description="touched")
    first = client.search_model_versions(max_results=1)[0]
    assert (first.name, first.version) == ("b", 1)
    oldest_first = client.search_model_versions("name = 'a'", order_by=["version_number ASC"])
    assert [v.version for v in oldest_first] == [1, 2, 3]


def test_search_pages_cover_every_live_version_once(client, model):
    client.create_model_versions(model, [{"source": "s"}] * 9)
    client.delete_model_version(model, 5)
    seen, token = [], None
    while True:
        page = client.search_model_versions(max_results=4, page_token=token)
        seen += [v.version for v in page]
        if (token := page.token) is None:
            break
    assert seen == [n for n in range(12, 0, -1) if n != 5]


@pytest.mark.parametrize(
    "bad", ["name = ", "bogus = 'x'", "version_number > 'x'", "name = 'a' AND"]
)
def test_a_malformed_filter_raises_filter_syntax_error(client, bad):
    with pytest.raises(FilterSyntaxError, match="Invalid filter"):
        client.search_model_versions(bad)
