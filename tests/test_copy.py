"""``registry copy``: a seeded demo registry moved to another home, to PostgreSQL and back,
and its files into a bucket, row for row, history and files included; twice is once; a target
with a registry of its own is refused."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from demo_support import copy_demo_home
from s3_support import moto_s3_fixture, s3_env_fixture  # noqa: F401

from registry import NotFoundError, RegistryClient
from registry.artifacts.model_files import Manifest, load_sklearn_model
from registry.cli.main import main
from registry.client.model_uris import resolve_model
from registry.client.tokens import hash_token
from registry.errors import AlreadyExistsError
from registry.store.contract.transfer import TABLES
from registry.store.copy import canonical, copy_registry, open_registry


def rows_of(location: str, artifacts: str | None = None) -> dict[str, list[str]]:
    store = open_registry(location, artifacts)
    try:
        with store.hold():
            return {t: sorted(map(canonical, store.export_rows(t))) for t in TABLES}
    finally:
        getattr(store, "close", store.release)()  # PostgreSQL's pool, DuckDB's lease


def load(client: RegistryClient, name: str):
    production = client.get_latest_versions(name, ["Production"])[0]
    logged = resolve_model(client, f"models:/{name}/{production.version}")
    return load_sklearn_model(client.blobs, Manifest.from_json(logged.manifest))


def copy(source, target, *extra: str) -> int:
    return main(["copy", "--from", str(source), "--to", str(target), *extra])


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """The demo registry (a copy of the run's seeding, demo_support) plus what the demo does
    not make: roles, a token, a rejected request, a comment, a subscription with a delivery,
    protected aliases, a tombstone."""
    home = copy_demo_home(demo_template, tmp_path_factory.mktemp("copy-demo") / "home")
    admin = RegistryClient(home, user="alice")
    admin.set_role("alice", "admin")
    admin.set_role("bob", "reviewer")
    admin.set_role("carol", "editor")
    admin.create_token("carol", label="ci runner")
    carol = RegistryClient(home, user="carol")
    request = carol.request_transition("fraud-detector", 1, "Staging", comment="try again?")
    RegistryClient(home, user="bob").reject_transition_request(request.id, "no: superseded")
    carol.add_comment("churn-classifier", 2, "keeping this one for the audit")
    subscription = carol.create_subscription("email", "team@example.com", ["stage.*"])
    with contextlib.suppress(Exception):  # no mail server here: a failed delivery is a row too
        carol.send_test_event(subscription.id)
    admin.set_protected_aliases("churn-classifier", ["champion", "gold"], comment="both serve")
    admin.delete_model_version("demand-forecaster", 1)
    admin.release()
    return home


def test_a_copy_holds_every_row_and_history_row_of_the_source(demo, tmp_path, capsys):
    source = rows_of(str(demo))
    assert all(source[t] for t in ("roles", "access_tokens", "transition_requests"))
    assert all(source[t] for t in ("version_comments", "subscriptions", "deliveries"))
    assert copy(demo, tmp_path / "copy") == 0
    assert "copied: " in capsys.readouterr().out
    assert rows_of(str(tmp_path / "copy")) == source


def test_the_copy_works_like_the_source(demo, tmp_path):
    copy(demo, tmp_path / "copy")
    there = RegistryClient(tmp_path / "copy", user="alice")
    with pytest.raises(NotFoundError):
        there.get_model_version("demand-forecaster", 1)  # the tombstone came along
    before = RegistryClient(demo).get_history("churn-classifier", max_results=10_000)
    assert there.get_history("churn-classifier", max_results=10_000) == before
    last = RegistryClient(demo).search_model_versions("name='demand-forecaster'")
    created = there.create_model_version("demand-forecaster", "runs:/x/model")
    assert int(created.version) == max(int(v.version) for v in last) + 1
    assert there._store.find_token(hash_token("nope")) is None
    assert {t.user for t in there.list_tokens()} == {"carol"}
    policy = there.get_validation_policy("churn-classifier")
    assert tuple(policy.protected_aliases) == ("champion", "gold")
    assert hasattr(load(there, "churn-classifier"), "predict")  # its file came, hash checked
    newest = there.get_history("demand-forecaster", max_results=1)[0]
    assert newest.id > max(h.id for h in before)  # ids continue after the copied ones


def test_copying_again_changes_nothing(demo, tmp_path, capsys):
    copy(demo, tmp_path / "copy")
    database = tmp_path / "copy" / "registry.duckdb"
    first = rows_of(str(tmp_path / "copy"))
    assert copy(demo, tmp_path / "copy") == 0
    assert "up to date: " in capsys.readouterr().out
    assert rows_of(str(tmp_path / "copy")) == first
    assert database.exists()


def test_an_earlier_copy_is_brought_up_to_date(demo, tmp_path, capsys):
    copy(demo, tmp_path / "source")  # a source of our own to change
    copy(tmp_path / "source", tmp_path / "copy")
    RegistryClient(tmp_path / "source", user="bob").add_comment("fraud-detector", 2, "looks fine")
    assert copy(tmp_path / "source", tmp_path / "copy") == 0
    assert "updated: " in capsys.readouterr().out
    assert rows_of(str(tmp_path / "copy")) == rows_of(str(tmp_path / "source"))


def test_a_target_with_a_registry_of_its_own_is_refused_and_left_alone(demo, tmp_path, capsys):
    copy(demo, tmp_path / "copy")
    RegistryClient(tmp_path / "copy", user="carol").set_registered_model_tag(
        "fraud-detector", "copied-by", "carol"
    )
    before = rows_of(str(tmp_path / "copy"))
    assert copy(demo, tmp_path / "copy") == 1
    error = capsys.readouterr().err
    assert "holds a registry of its own" in error and "history row" in error
    assert rows_of(str(tmp_path / "copy")) == before
    other = tmp_path / "other"
    RegistryClient(other, user="eve").create_registered_model("unrelated")
    with pytest.raises(AlreadyExistsError, match="history row 1"):
        copy_registry(open_registry(str(demo)), open_registry(str(other)))


def test_a_copy_from_inside_a_running_event_loop_works(demo, tmp_path):
    """A notebook runs an event loop in its thread, where asyncio.run refuses to start."""

    async def in_a_notebook() -> None:
        copy_registry(open_registry(str(demo)), open_registry(str(tmp_path / "copy")))

    asyncio.run(in_a_notebook())
    assert rows_of(str(tmp_path / "copy")) == rows_of(str(demo))


def test_a_round_trip_through_a_second_home_is_lossless(demo, tmp_path):
    copy(demo, tmp_path / "there")
    copy(tmp_path / "there", tmp_path / "back")
    assert rows_of(str(tmp_path / "back")) == rows_of(str(demo))


def test_model_files_can_move_into_a_bucket_on_the_way(demo, tmp_path, s3_env):
    bucket = s3_env.bucket("copied")
    location = f"s3://{bucket}/reg"
    assert copy(demo, tmp_path / "copy", "--to-artifacts", location) == 0
    assert not (tmp_path / "copy" / "artifacts").exists()
    shas = {row["sha256"] for row in open_registry(str(demo)).export_rows("run_models")}
    assert {key.rsplit("/", 1)[1] for key in s3_env.keys(bucket)} == shas
    there = open_registry(str(tmp_path / "copy"), location)
    client = RegistryClient(store=there, user="alice")
    assert hasattr(load(client, "fraud-detector"), "predict")


def test_a_round_trip_through_postgresql_is_lossless(demo, tmp_path, postgres_dsn, capsys):
    files = str(tmp_path / "pg-files")
    assert copy(demo, postgres_dsn, "--to-artifacts", files) == 0
    assert rows_of(postgres_dsn, files) == rows_of(str(demo))
    assert copy(demo, postgres_dsn, "--to-artifacts", files) == 0
    assert "up to date: " in capsys.readouterr().out
    assert copy(postgres_dsn, tmp_path / "back", "--from-artifacts", files) == 0
    assert rows_of(str(tmp_path / "back")) == rows_of(str(demo))
    there = RegistryClient(store=open_registry(postgres_dsn, files), user="alice")
    assert hasattr(load(there, "churn-classifier"), "predict")
    before = RegistryClient(demo).get_history(max_results=1)[0]
    there.add_comment("fraud-detector", 2, "on PostgreSQL now")
    assert there.get_history(max_results=1)[0].id == before.id + 1  # ids continue


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("postgresql://registry@127.0.0.1:1/registry", "--to-artifacts"),
        ("s3://bucket/registry", "give a home folder or postgresql://"),
    ],
)
def test_a_target_that_cannot_be_a_registry_is_a_usage_error(tmp_path, capsys, target, says):
    RegistryClient(tmp_path / "home", user="eve").create_registered_model("m")
    assert copy(tmp_path / "home", target) == 2
    assert says in capsys.readouterr().err


def test_a_source_folder_without_a_registry_is_refused_not_created(tmp_path, capsys):
    assert copy(tmp_path / "typo", tmp_path / "copy") == 2
    assert "No registry at" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists() and not (tmp_path / "copy").exists()
