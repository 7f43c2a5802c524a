"""MLflow's registry calls composed from the contract: copy across models, download URIs,
stages, list-shaped pages, the model's timestamp after a delete, the fluent searches."""

from __future__ import annotations

import pytest

import registry
from registry import InvalidArgumentError, NotFoundError
from registry.client.model_uris import resolve_model
from registry.entities import PagedList

from .support import pause, register_classifier


def test_copy_model_version_promotes_across_models(client):
    client.create_registered_model("dev.churn")
    original = client.get_model_version("dev.churn", register_classifier(client, "dev.churn"))
    client.update_model_version("dev.churn", original.version, "tuned on Q3")
    client.set_model_version_tag("dev.churn", original.version, "team", "growth")
    client.set_registered_model_alias("dev.churn", "candidate", original.version)

    copy = client.copy_model_version("models:/dev.churn@candidate", "prod.churn")
    assert (copy.name, copy.version, copy.current_stage) == ("prod.churn", 1, "None")
    assert copy.source == f"models:/dev.churn/{original.version}"
    assert (copy.run_id, copy.description, copy.tags) == (
        original.run_id,
        "tuned on Q3",
        {"team": "growth"},
    )
    again = client.copy_model_version(f"models:/dev.churn/{original.version}", "prod.churn")
    assert again.version == 2  # the destination exists now: the next version

    copied = resolve_model(client, "models:/prod.churn/1")
    assert copied == resolve_model(client, f"models:/dev.churn/{original.version}")


@pytest.mark.parametrize("uri", ["runs:/abc/model", "prod.churn", 7])
def test_copy_takes_only_a_models_uri(client, uri):
    with pytest.raises(InvalidArgumentError, match="models:/ URI"):
        client.copy_model_version(uri, "anywhere")


def test_copy_of_a_missing_version_is_not_found(client, model):
    with pytest.raises(NotFoundError):
        client.copy_model_version(f"models:/{model}/99", "anywhere")
    assert client.find_registered_model("anywhere") is None


def test_download_uri_and_stages(client, model):
    assert client.get_model_version_download_uri(model, 2) == "runs:/r2/model"
    assert client.get_model_version_stages(model, 2) == [
        "None",
        "Staging",
        "Production",
        "Archived",
    ]
    with pytest.raises(NotFoundError):
        client.get_model_version_stages(model, 9)


def test_pages_are_lists_with_a_token(client, model):
    page = client.search_model_versions(f"name = '{model}'", max_results=2)
    assert isinstance(page, list) and isinstance(page, PagedList)
    assert page.token and page.to_list() == list(page) and type(page.to_list()) is list
    assert len(client.search_model_versions(page_token=page.token, max_results=2)) == 1


def test_deleting_a_version_moves_the_models_timestamp(client, model):
    before = client.get_registered_model(model).last_updated_timestamp
    pause()
    client.delete_model_version(model, 1)
    assert client.get_registered_model(model).last_updated_timestamp > before


def test_fluent_searches_walk_every_page(client, model, monkeypatch):
    monkeypatch.setattr(registry.fluent, "client", lambda: client)
    monkeypatch.setattr(registry.fluent, "_PAGE_SIZES", (2, 2))  # several pages
    found = registry.search_model_versions(filter_string=f"name='{model}'")
    assert [v.version for v in found] == [3, 2, 1]
    assert len(registry.search_model_versions(max_results=2)) == 2
    client.create_registered_model("other")
    client.create_registered_model("third")
    assert [m.name for m in registry.search_registered_models()] == [model, "other", "third"]


def test_clients_can_be_pickled_for_other_processes(client, model):
    import pickle

    copy = pickle.loads(pickle.dumps(client))
    assert copy.uri == client.uri
    if copy.home is not None:  # remote copies take their token from REGISTRY_TOKEN
        assert copy.get_model_version(model, 2).source == "runs:/r2/model"
