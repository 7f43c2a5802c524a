"""One MLflow registry scenario, run twice: through registry's own client on an embedded
registry, and through the real MLflow client (mlflow-skinny 3.17.2) against a registry server
speaking MLflow's REST API. Both runs must observe the same things, errors included (caught
as MLflow code catches them: by ``error_code``)."""

from __future__ import annotations

from typing import Any

import mlflow_support
import pytest
from mlflow_support import MLFLOW_WARNINGS

from registry import RegistryClient, RegistryError

pytestmark = MLFLOW_WARNINGS
mlflow_server = mlflow_support.mlflow_server
as_mlflow_user = mlflow_support.as_mlflow_user


def version_seen(v) -> tuple:
    """What a user reads off a version, whichever client returned it."""
    return (
        v.name,
        int(v.version),
        v.current_stage,
        v.description or None,
        v.source,
        v.run_id or None,
        dict(v.tags),
        sorted(v.aliases),
        v.status,
    )


def model_seen(m) -> tuple:
    aliases = {alias: int(number) for alias, number in m.aliases.items()}
    return (m.name, m.description or None, dict(m.tags), aliases)


class Observer:
    """Runs calls and records what they return, or the error_code they raise."""

    def __init__(self, errors: tuple[type[Exception], ...]):
        self.errors = errors
        self.seen: list[tuple[str, Any]] = []

    def see(self, label: str, call, shape=lambda result: result) -> Any:
        try:
            result = call()
        except self.errors as error:
            self.seen.append((label, ("error", error.error_code)))
            return None
        self.seen.append((label, shape(result)))
        return result


def versions_seen(page) -> list[tuple]:
    return [version_seen(v) for v in page]


def lifecycle(client, see) -> None:
    """Create, get, update, transition with archive_existing_versions, latest versions."""
    see(
        "create",
        lambda: client.create_registered_model("churn", {"team": "growth"}, "Churn"),
        model_seen,
    )
    see("create again", lambda: client.create_registered_model("churn"))
    see("get missing", lambda: client.get_registered_model("missing"))
    for run in ("r1", "r2", "r3"):
        source = f"runs:/{run}/model"
        see(
            f"version {run}",
            lambda s=source, r=run: client.create_model_version("churn", s, r),
            version_seen,
        )
    see("get version", lambda: client.get_model_version("churn", "2"), version_seen)
    see("get missing version", lambda: client.get_model_version("churn", "9"))
    see("update version", lambda: client.update_model_version("churn", 2, "better"), version_seen)
    see(
        "to production",
        lambda: client.transition_model_version_stage("churn", 1, "Production"),
        version_seen,
    )
    see(
        "archive existing",
        lambda: client.transition_model_version_stage("churn", 2, "production", True),
        version_seen,
    )
    see(
        "to staging",
        lambda: client.transition_model_version_stage("churn", 3, "Staging"),
        version_seen,
    )
    see("bad stage", lambda: client.transition_model_version_stage("churn", 3, "Prod"))
    see("latest", lambda: client.get_latest_versions("churn"), versions_seen)
    see("latest prod", lambda: client.get_latest_versions("churn", ["Production"]), versions_seen)
    see("v1 now", lambda: client.get_model_version("churn", 1), version_seen)


def tags_and_aliases(client, see) -> None:
    """Tags set and deleted (a missing one silently), aliases set, moved and deleted."""
    client.set_registered_model_tag("churn", "owner", "ana")
    client.delete_registered_model_tag("churn", "team")
    client.delete_registered_model_tag("churn", "never-set")
    client.set_model_version_tag("churn", "3", "validation", "passed")
    client.set_model_version_tag("churn", "3", "drop-me", "x")
    client.delete_model_version_tag("churn", "3", "drop-me")
    see("tags", lambda: client.get_model_version("churn", 3), version_seen)
    client.set_registered_model_alias("churn", "champion", "2")
    client.set_registered_model_alias("churn", "challenger", 3)
    see("by alias", lambda: client.get_model_version_by_alias("churn", "champion"), version_seen)
    client.set_registered_model_alias("churn", "champion", 3)  # moves it
    client.delete_registered_model_alias("churn", "challenger")
    see("aliases", lambda: client.get_registered_model("churn"), model_seen)
    see("missing alias", lambda: client.get_model_version_by_alias("churn", "challenger"))
    see("reserved alias", lambda: client.set_registered_model_alias("churn", "latest", 1))


def searching(client, see) -> None:
    """Filters, orders and pages of models and versions."""
    for i in range(5):
        client.create_registered_model(f"m-{i}", tags={"tier": "a" if i % 2 else "b"})
        client.create_model_version(f"m-{i}", f"s3://bucket/m-{i}")
    names = lambda page: [m.name for m in page]  # noqa: E731
    see("like", lambda: client.search_registered_models("name LIKE 'm-%'"), names)
    see("tag", lambda: client.search_registered_models("tags.tier = 'a'"), names)
    see("desc", lambda: client.search_registered_models(order_by=["name DESC"]), names)
    pages, token = [], None
    while True:
        page = client.search_registered_models(
            "name LIKE 'm-%'", max_results=2, order_by=["name"], page_token=token
        )
        pages.append(names(page))
        token = page.token
        if not token:
            break
    see("pages", lambda: pages)
    see("versions", lambda: client.search_model_versions("name = 'churn'"), versions_seen)
    by_number = ["version_number ASC"]
    first = client.search_model_versions("name='churn'", max_results=2, order_by=by_number)
    rest = client.search_model_versions(
        "name='churn'", max_results=2, order_by=by_number, page_token=first.token
    )
    see("version pages", lambda: [versions_seen(first), versions_seen(rest), rest.token or None])
    see("run ids", lambda: client.search_model_versions("run_id IN ('r1', 'r3')"), versions_seen)
    see("bad filter", lambda: client.search_model_versions("name = unquoted"))
    see("bad key", lambda: client.search_registered_models("foo = 'x'"))


def renaming_and_deleting(client, see) -> None:
    # MLflow's MlflowClient.rename_registered_model returns None; registry's, the model.
    client.rename_registered_model("churn", "churn-v2")
    see("renamed", lambda: client.get_registered_model("churn-v2"), model_seen)
    see("old name", lambda: client.get_registered_model("churn"))
    see("renamed versions", lambda: client.search_model_versions("name='churn-v2'"), versions_seen)
    see("rename onto", lambda: client.rename_registered_model("m-0", "m-1"))
    see("describe", lambda: client.update_registered_model("churn-v2", "v2 of churn"), model_seen)
    client.delete_model_version("churn-v2", 1)
    see("deleted version", lambda: client.get_model_version("churn-v2", 1))
    see("next number", lambda: client.create_model_version("churn-v2", "s3://b/m"), version_seen)
    client.delete_registered_model("churn-v2")
    see("deleted model", lambda: client.get_registered_model("churn-v2"))
    client.create_registered_model("churn-v2")
    see("restarts at 1", lambda: client.create_model_version("churn-v2", "s3://b/m"), version_seen)


def scenario(client, errors: tuple[type[Exception], ...]) -> list[tuple[str, Any]]:
    observer = Observer(errors)
    for part in (lifecycle, tags_and_aliases, searching, renaming_and_deleting):
        part(client, observer.see)
    return observer.seen


@pytest.fixture(scope="module")
def both(mlflow_server, tmp_path_factory):
    """The scenario's observations through registry's client and through MLflow's."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    mp.setenv("MLFLOW_TRACKING_TOKEN", mlflow_server.tokens["ada"])
    mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        through_mlflow = scenario(MlflowClient(), (MlflowException,))
    finally:
        mp.undo()
    embedded = RegistryClient(tmp_path_factory.mktemp("compat") / "home", user="ada")
    return scenario(embedded, (RegistryError,)), through_mlflow


def test_both_clients_observe_the_same_scenario(both):
    ours, theirs = both
    assert [label for label, _ in ours] == [label for label, _ in theirs]
    for (label, here), (_, there) in zip(ours, theirs, strict=True):
        assert here == there, label


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("create again", "RESOURCE_ALREADY_EXISTS"),
        ("get missing", "RESOURCE_DOES_NOT_EXIST"),
        ("get missing version", "RESOURCE_DOES_NOT_EXIST"),
        ("missing alias", "INVALID_PARAMETER_VALUE"),  # as MLflow's SQL store
        ("old name", "RESOURCE_DOES_NOT_EXIST"),
        ("deleted version", "RESOURCE_DOES_NOT_EXIST"),
        ("deleted model", "RESOURCE_DOES_NOT_EXIST"),
        ("rename onto", "RESOURCE_ALREADY_EXISTS"),
        ("bad stage", "INVALID_PARAMETER_VALUE"),
        ("reserved alias", "INVALID_PARAMETER_VALUE"),
        ("bad filter", "INVALID_PARAMETER_VALUE"),
        ("bad key", "INVALID_PARAMETER_VALUE"),
    ],
)
def test_mlflow_code_branching_on_error_code_sees_mlflows_codes(both, label, code):
    _, theirs = both
    assert dict(theirs)[label] == ("error", code)


def test_the_scenario_ends_as_mlflow_would_leave_it(both):
    _, theirs = both
    seen = dict(theirs)
    stages = {number: stage for _, number, stage, *_ in seen["latest"]}
    assert stages == {1: "Archived", 2: "Production", 3: "Staging"}
    assert seen["v1 now"][2] == "Archived"  # archived by archive_existing_versions
    assert seen["aliases"] == ("churn", "Churn", {"owner": "ana"}, {"champion": 3})
    assert seen["tags"][6] == {"validation": "passed"}
    assert seen["pages"] == [["m-0", "m-1"], ["m-2", "m-3"], ["m-4"]]
    assert seen["next number"][1] == 4 and seen["restarts at 1"][1] == 1


def test_mlflow_code_catching_mlflow_exception_by_its_text_works(tmp_path):
    """``from mlflow.exceptions import MlflowException`` with only the import changed, and
    the message fragments MLflow users match on."""
    from registry.exceptions import MlflowException

    client = RegistryClient(tmp_path / "home", user="ada")
    client.create_registered_model("churn")
    client.create_model_version("churn", "s3://b/m")
    calls = {
        "Registered Model with name=ghost not found": lambda: client.get_registered_model("ghost"),
        "Model Version (name=churn, version=3) not found": lambda: client.get_model_version(
            "churn", 3
        ),
        "Registered Model (name=churn) already exists.": lambda: client.create_registered_model(
            "churn"
        ),
        "Registered model alias gone not found.": lambda: client.get_model_version_by_alias(
            "churn", "gone"
        ),
    }
    for text, call in calls.items():
        with pytest.raises(MlflowException) as caught:
            call()
        assert caught.value.message.startswith(text)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"  # a missing alias, as MLflow
    assert caught.value.get_http_status_code() == 400
