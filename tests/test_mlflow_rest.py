"""MLflow's registry REST API on the registry server: its shapes on the wire, its errors, the
real MLflow client (mlflow-skinny 3.17.2) driving it, and ``models:/`` downloads through
MLflow's own loaders."""

from __future__ import annotations

import time
import warnings
from types import SimpleNamespace

import httpx
import mlflow_support
import numpy as np
import pandas as pd
import pytest
from mlflow_support import MLFLOW_WARNINGS, log_and_register
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from test_seed_examples import APPROVAL, PROGRAMMATIC, STAGES, VERSIONS

from registry import RegistryClient
from registry.server import mlflow_api
from registry.server.app import create_app

pytestmark = MLFLOW_WARNINGS
# The shared fixtures, registered in this module by name.
mlflow_server = mlflow_support.mlflow_server
as_mlflow_user = mlflow_support.as_mlflow_user
as_registry_user = mlflow_support.as_registry_user
API = "/api/2.0/mlflow"


@pytest.fixture
def rest(mlflow_server):
    """Raw HTTP as ada: rest(method, path, **httpx arguments) -> response."""

    def call(method: str, path: str, token: str | None = "ada", prefix: str = API, **kwargs):
        if token:
            kwargs["headers"] = {"Authorization": f"Bearer {mlflow_server.tokens[token]}"}
        return httpx.request(method, mlflow_server.url + prefix + path, **kwargs)

    return call


@pytest.fixture
def data():
    X = pd.DataFrame(np.random.default_rng(3).random((300, 3)), columns=["a", "b", "c"])
    return X, (X["a"] + X["b"] > 1).astype(int)


@pytest.fixture
def mlflow_loads(monkeypatch):
    """MLflow 3.17 loads no model file, skops included, without this flag."""
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")


def _mlflow_error(call):
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as caught:
        call()
    return caught.value


# -- the wire ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", mlflow_api.PREFIXES)
def test_every_endpoint_refuses_a_request_without_a_valid_token(rest, prefix):
    answers = {}
    for method, path, _ in mlflow_api.ROUTES:
        for headers in ({}, {"Authorization": "Bearer rgt_forged"}):
            response = rest(method, path, token=None, prefix=prefix, headers=headers)
            answers[(method, path, bool(headers))] = (
                response.status_code,
                response.json()["error_code"],
            )
    listing = rest("GET", "-artifacts/artifacts", token=None, params={"path": "x"})
    answers["listing"] = (listing.status_code, listing.json()["error_code"])
    assert set(answers.values()) == {(401, "UNAUTHENTICATED")}, answers
    assert len(mlflow_api.ROUTES) == 22  # MLflow's 21 calls; get-latest-versions by POST and GET


def test_entities_travel_in_mlflows_json_shapes(rest):
    created = rest(
        "POST",
        "/registered-models/create",
        json={"name": "shapes", "tags": [{"key": "team", "value": "growth"}]},
    )
    assert created.status_code == 200
    model = created.json()["registered_model"]
    assert model["tags"] == [{"key": "team", "value": "growth"}]
    assert isinstance(model["creation_timestamp"], int)
    assert "aliases" not in model and "description" not in model  # unset fields are left out

    body = {"name": "shapes", "source": "runs:/r1/model", "run_id": "r1"}
    version = rest("POST", "/model-versions/create", json=body).json()["model_version"]
    assert version["version"] == "1" and version["status"] == "READY"
    assert version["user_id"] == "ada" and version["current_stage"] == "None"
    alias = {"name": "shapes", "alias": "champion", "version": "1"}
    assert rest("POST", "/registered-models/alias", json=alias).json() == {}

    model = rest("GET", "/registered-models/get", params={"name": "shapes"}).json()
    assert model["registered_model"]["aliases"] == [{"alias": "champion", "version": "1"}]
    got = rest("GET", "/model-versions/get", params={"name": "shapes", "version": "1"}).json()
    assert got["model_version"]["aliases"] == ["champion"]
    assert rest("GET", "/model-versions/search", params={"filter": "name='none'"}).json() == {}


def test_get_endpoints_take_query_parameters_and_repeat_them_for_lists(rest):
    for name in ("q-b", "q-a", "q-c"):
        rest("POST", "/registered-models/create", json={"name": name})
        rest("POST", "/model-versions/create", json={"name": name, "source": "s3://b/m"})
    query = [("filter", "name LIKE 'q-%'"), ("order_by", "name DESC"), ("max_results", "2")]
    page = rest("GET", "/registered-models/search", params=query).json()
    assert [m["name"] for m in page["registered_models"]] == ["q-c", "q-b"]
    rest_of_it = [*query[:2], ("page_token", page["next_page_token"])]
    last = rest("GET", "/registered-models/search", params=rest_of_it).json()
    assert [m["name"] for m in last["registered_models"]] == ["q-a"]
    assert "next_page_token" not in last

    rest("POST", "/model-versions/create", json={"name": "q-a", "source": "s3://b/m2"})
    move = {"name": "q-a", "version": "2", "stage": "Staging", "archive_existing_versions": False}
    rest("POST", "/model-versions/transition-stage", json=move)
    stages = [("name", "q-a"), ("stages", "Staging"), ("stages", "None")]
    latest = rest("GET", "/registered-models/get-latest-versions", params=stages).json()
    assert sorted(v["version"] for v in latest["model_versions"]) == ["1", "2"]
    body = {"name": "q-a", "stages": ["Staging"]}
    posted = rest("POST", "/registered-models/get-latest-versions", json=body).json()
    assert [v["version"] for v in posted["model_versions"]] == ["2"]
    body["stages"] = "Staging"  # a repeated field takes a list in a JSON body, as in protobuf
    refused = rest("POST", "/registered-models/get-latest-versions", json=body)
    assert (refused.status_code, refused.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("POST", "/registered-models/create", {"json": {"name": "errs"}}, 400,
         "RESOURCE_ALREADY_EXISTS"),
        ("GET", "/registered-models/get", {"params": {"name": "missing"}}, 404,
         "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "/model-versions/get", {"params": {"name": "errs", "version": "7"}}, 404,
         "RESOURCE_DOES_NOT_EXIST"),
        # MLflow's SQL store answers a missing alias with INVALID_PARAMETER_VALUE.
        ("GET", "/registered-models/alias", {"params": {"name": "errs", "alias": "nobody"}}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("POST", "/model-versions/create", {"json": {"name": "errs"}}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("POST", "/registered-models/create", {"content": b"{not json"}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("POST", "/registered-models/create", {"json": {"name": 7}}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("GET", "/model-versions/search", {"params": {"filter": "name = unquoted"}}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("GET", "/registered-models/search", {"params": {"max_results": "lots"}}, 400,
         "INVALID_PARAMETER_VALUE"),
        ("DELETE", "/registered-models/delete", {"json": {"name": "errs"}}, 403,
         "PERMISSION_DENIED"),
    ],
)  # fmt: skip
def test_errors_are_mlflows_body_with_mlflows_status(rest, method, path, kwargs, status, code):
    rest("POST", "/registered-models/create", json={"name": "errs"})
    response = rest(method, path, token="eve", **kwargs)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code and body["message"]


def test_the_ajax_api_prefix_serves_the_same_calls(rest):
    ajax = "/ajax-api/2.0/mlflow"
    assert rest("POST", "/registered-models/create", json={"name": "ui"}, prefix=ajax).is_success
    got = rest("GET", "/registered-models/get", params={"name": "ui"})
    assert got.json()["registered_model"]["name"] == "ui"


def test_mlflows_tracking_api_answers_endpoint_not_found(rest):
    response = rest("GET", "/runs/get", params={"run_id": "abc"})
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert "tracking API" in response.json()["message"]


def test_the_openapi_document_lists_the_mlflow_routes_once(mlflow_server):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a duplicate operation id would warn
        schema = create_app(mlflow_server.store).openapi()
    assert f"{API}/registered-models/create" in schema["paths"]
    assert set(schema["paths"][f"{API}/registered-models/get-latest-versions"]) == {"get", "post"}
    assert not any(path.startswith("/ajax-api") for path in schema["paths"])


# -- MLflow's client ---------------------------------------------------------------------


def test_roles_hold_and_the_actor_is_the_tokens_owner(as_mlflow_user, mlflow_server):
    viewer = as_mlflow_user("vic")
    assert _mlflow_error(lambda: viewer.create_registered_model("r")).error_code == (
        "PERMISSION_DENIED"
    )
    editor = as_mlflow_user("eve")
    editor.create_registered_model("roles")
    version = editor.create_model_version("roles", "s3://bucket/model")
    assert version.user_id == "eve"
    promote = lambda: editor.transition_model_version_stage("roles", 1, "Production")  # noqa: E731
    assert "reviewer role" in str(_mlflow_error(promote))
    history = RegistryClient(store=mlflow_server.store, user="ada").get_history("roles")
    assert {change.actor for change in history} == {"eve"}


def test_a_refused_promotion_fails_at_once_instead_of_being_retried(as_mlflow_user, mlflow_server):
    admin = RegistryClient(store=mlflow_server.store, user="ada")
    admin.create_registered_model("gated")
    admin.create_model_version("gated", source="s3://bucket/model")
    admin.set_validation_policy("gated", "accuracy >= 0.8")
    admin.require_validation_for_production("gated", within_days=7)
    client = as_mlflow_user("ada")
    started = time.monotonic()
    error = _mlflow_error(lambda: client.transition_model_version_stage("gated", 1, "Production"))
    assert error.error_code == "INVALID_STATE"
    assert time.monotonic() - started < 5  # answered 400: MLflow's client retries a 500 for minutes
    assert client.get_model_version("gated", 1).current_stage == "None"


def test_paging_with_mlflows_client(as_mlflow_user):
    client = as_mlflow_user("ada")
    for i in range(7):
        client.create_registered_model(f"page-{i}")
        client.create_model_version("page-0", f"s3://bucket/m{i}")
    seen, token, sizes = [], None, []
    while True:
        page = client.search_registered_models(
            "name LIKE 'page-%'", max_results=3, order_by=["name DESC"], page_token=token
        )
        seen += [m.name for m in page]
        sizes.append(len(page))
        token = page.token
        if not token:
            break
    assert sizes == [3, 3, 1]
    assert seen == [f"page-{i}" for i in reversed(range(7))]
    first = client.search_model_versions("name = 'page-0'", max_results=4)
    second = client.search_model_versions("name = 'page-0'", max_results=4, page_token=first.token)
    assert [v.version for v in [*first, *second]] == [str(n) for n in range(7, 0, -1)]
    assert not second.token


def test_mlflows_model_search_leaves_out_prompts_only(as_mlflow_user, mlflow_server):
    admin = RegistryClient(store=mlflow_server.store, user="ada")  # MLflow's client would refuse
    admin.create_registered_model("plain-model")
    admin.create_registered_model("tagged-false", tags={"mlflow.prompt.is_prompt": "false"})
    admin.create_registered_model("a-prompt", tags={"mlflow.prompt.is_prompt": "true"})
    client = as_mlflow_user("ada")
    # MLflow's client adds "tag.`mlflow.prompt.is_prompt` != 'true'" to every model search.
    found = {m.name for m in client.search_registered_models()}
    assert {"plain-model", "tagged-false"} <= found and "a-prompt" not in found
    assert [m.name for m in client.search_registered_models("name = 'plain-model'")] == [
        "plain-model"
    ]


def test_register_model_works_for_sources_that_need_no_run(as_mlflow_user):
    import mlflow

    as_mlflow_user("ada")
    version = mlflow.register_model("s3://bucket/churn/model", "registered-from-s3")
    again = mlflow.register_model("s3://bucket/churn/model-2", "registered-from-s3")
    assert (version.version, again.version) == ("1", "2")
    assert again.source == "s3://bucket/churn/model-2" and again.status == "READY"


def test_register_model_from_a_run_stops_at_mlflows_run_api(as_mlflow_user):
    """MLflow's register_model creates the model, then asks the tracking API for the run,
    which this server does not serve."""
    import mlflow

    client = as_mlflow_user("ada")
    error = _mlflow_error(lambda: mlflow.register_model("runs:/0123abcd/model", "from-a-run"))
    assert error.error_code == "ENDPOINT_NOT_FOUND"
    assert "/runs/get" in str(error)
    assert client.get_registered_model("from-a-run").latest_versions == []


def test_the_seed_guides_examples_run_unchanged_through_mlflows_client(
    as_mlflow_user, as_registry_user, data, mlflow_loads, capsys
):
    from sklearn.metrics import accuracy_score, f1_score

    X, y = data
    as_registry_user("ada")
    for _ in range(4):
        log_and_register(LogisticRegression().fit(X, y), X, "churn-predictor")
    client = as_mlflow_user("ada")
    client.transition_model_version_stage("churn-predictor", 2, "Production")
    for example in (VERSIONS, STAGES, PROGRAMMATIC):
        exec(compile(example, "<seed example>", "exec"), {})
    printed = capsys.readouterr().out
    assert "Version 4: stage=None" in printed and "Production model: v3" in printed
    versions = client.search_model_versions("name='churn-predictor'")
    stages = {v.version: v.current_stage for v in versions}
    assert stages == {"2": "Archived", "3": "Production", "4": "None"}  # 1 was deleted

    namespace = {"accuracy_score": accuracy_score, "f1_score": f1_score}
    source = "import mlflow\nfrom mlflow import MlflowClient\n" + APPROVAL
    exec(compile(source, "<seed example>", "exec"), namespace)
    namespace["approve_model"]("churn-predictor", 4, SimpleNamespace(X=X, y=y))
    assert capsys.readouterr().out.splitlines()[-1] == "Model v4 promoted to Production!"
    assert client.get_model_version("churn-predictor", 3).current_stage == "Archived"


# -- models:/ downloads ------------------------------------------------------------------


def test_mlflows_pyfunc_loads_a_registered_model_by_stage_and_alias(
    as_mlflow_user, as_registry_user, data, mlflow_loads
):
    import mlflow

    X, y = data
    as_registry_user("ada")
    fitted = LogisticRegression(C=0.3).fit(X, y)
    number = log_and_register(fitted, X, "loadable")
    client = as_mlflow_user("ada")
    client.transition_model_version_stage("loadable", number, "Production")
    client.set_registered_model_alias("loadable", "champion", number)
    expected = list(fitted.predict(X))
    for uri in ("models:/loadable/Production", "models:/loadable@champion", "models:/loadable/1"):
        assert list(mlflow.pyfunc.load_model(uri).predict(X)) == expected, uri
    assert list(mlflow.sklearn.load_model("models:/loadable/latest").predict(X)) == expected
    uri = client.get_model_version_download_uri("loadable", number)
    assert uri == f"mlflow-artifacts:/registry-models/loadable/{number}"


def test_the_mlmodel_trusts_only_the_types_the_server_checked(
    as_mlflow_user, as_registry_user, data, mlflow_loads, tmp_path
):
    import mlflow

    X, y = data
    as_registry_user("ada")
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    log_and_register(tree, X, "a tree model")  # a space in the name travels quoted
    as_mlflow_user("ada")
    folder = mlflow.artifacts.download_artifacts("models:/a tree model/1", dst_path=str(tmp_path))
    mlmodel = mlflow.models.Model.load(folder)
    skops_conf = mlmodel.flavors["sklearn"]
    assert skops_conf["serialization_format"] == "skops"
    assert skops_conf["skops_trusted_types"] == ["sklearn.tree._tree.Tree"]
    assert mlmodel.metadata["registry_signature"]["inputs"][0] == {"name": "a", "dtype": "float64"}
    assert list(mlflow.pyfunc.load_model(folder).predict(X)) == list(tree.predict(X))


def test_a_model_file_changed_on_disk_is_not_handed_to_mlflow(
    as_mlflow_user, as_registry_user, mlflow_server, data, mlflow_loads
):
    import mlflow
    from mlflow.exceptions import MlflowException

    X, y = data
    as_registry_user("ada")
    log_and_register(LogisticRegression().fit(X, y), X, "tampered")
    as_mlflow_user("ada")
    mlflow.pyfunc.load_model("models:/tampered/1")  # described and cached before the change
    sha = mlflow.models.Model.load("models:/tampered/1").metadata["registry_sha256"]
    path = mlflow_server.store.blobs.path(sha)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"x")
    with pytest.raises(MlflowException, match=r"(?s)model.skops.*modified after it was stored"):
        mlflow.pyfunc.load_model("models:/tampered/1")


def test_a_version_copied_with_mlflows_client_loads_like_its_source(
    as_mlflow_user, as_registry_user, data, mlflow_loads
):
    import mlflow

    X, y = data
    as_registry_user("ada")
    fitted = LogisticRegression(C=2.0).fit(X, y)
    log_and_register(fitted, X, "copied-from")
    client = as_mlflow_user("ada")
    copy = client.copy_model_version("models:/copied-from/1", "copied-to")
    assert (copy.name, copy.version, copy.source) == ("copied-to", "1", "models:/copied-from/1")
    loaded = mlflow.pyfunc.load_model("models:/copied-to/1")
    assert list(loaded.predict(X)) == list(fitted.predict(X))


def test_a_version_without_a_model_file_here_downloads_from_its_source(as_mlflow_user):
    client = as_mlflow_user("ada")
    client.create_registered_model("elsewhere")
    client.create_model_version("elsewhere", "s3://bucket/elsewhere/model")
    assert client.get_model_version_download_uri("elsewhere", 1) == "s3://bucket/elsewhere/model"


def test_the_artifact_routes_serve_version_folders_and_nothing_else(rest, as_registry_user, data):
    X, y = data
    as_registry_user("ada")
    log_and_register(LogisticRegression().fit(X, y), X, "listed")
    listing = rest("GET", "-artifacts/artifacts", params={"path": "registry-models/listed/1"})
    files = {f["path"]: f for f in listing.json()["files"]}
    assert set(files) == {"MLmodel", "model.skops"}
    blob = rest("GET", "-artifacts/artifacts/registry-models/listed/1/model.skops")
    assert files["model.skops"]["file_size"] == len(blob.content) and not files["MLmodel"]["is_dir"]
    for path in ("registry-models/listed", "registry-models/listed/1/other", "0/run/artifacts"):
        missing = rest("GET", "-artifacts/artifacts", params={"path": path})
        assert (missing.status_code, missing.json()["error_code"]) == (
            404,
            "RESOURCE_DOES_NOT_EXIST",
        )
    upload = rest("PUT", "-artifacts/artifacts/registry-models/listed/1/MLmodel", content=b"x")
    assert (upload.status_code, upload.json()["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
