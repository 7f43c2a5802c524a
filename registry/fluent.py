"""MLflow's fluent API: start_run, log_*, register_model, on a process-wide client."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from registry import arguments as check
from registry.client import RegistryClient
from registry.client.datasets import describe
from registry.client.model_uris import parse_runs_uri, resolve_version
from registry.client.runs import DEFAULT_EXPERIMENT
from registry.config import resolve_home, server_uri
from registry.entities import Metric, ModelInfo, ModelVersion, RegisteredModel, Run
from registry.errors import AlreadyExistsError, InvalidArgumentError

_state = threading.local()
_clients: dict[Path, RegistryClient] = {}
_settings: dict[str, Any] = {"home": None, "experiment": DEFAULT_EXPERIMENT}


def client() -> RegistryClient:
    """The fluent API's client: for the registry set by set_tracking_uri, else
    ``REGISTRY_URI`` (a server), else ``REGISTRY_HOME`` (a folder)."""
    chosen = _settings["home"] or server_uri(None, None, None)
    home = chosen if server_uri(chosen, None, None) else resolve_home(chosen)
    if home not in _clients:
        _clients[home] = RegistryClient(home)
    return _clients[home]


def set_tracking_uri(uri: str | os.PathLike[str] | None) -> None:
    """Use the registry at ``uri`` for the fluent API: a registry server's
    ``http(s)://`` address or a folder (MLflow's names for it). None goes back to
    ``REGISTRY_URI``, else ``REGISTRY_HOME`` (or ``./mlregistry``); so does ``""``, as in MLflow."""
    if uri == "":
        uri = None
    if uri is None or server_uri(None, None, str(uri)):
        _settings["home"] = None if uri is None else str(uri).rstrip("/")
    else:
        _settings["home"] = str(RegistryClient(tracking_uri=str(uri)).home)


def get_tracking_uri() -> str:
    """The fluent API's registry: a server's address or the home folder."""
    return client().uri


set_registry_uri = set_tracking_uri
get_registry_uri = get_tracking_uri


def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> str:
    """Make new runs belong to this experiment (identified by name here)."""
    name = experiment_name or experiment_id
    if not name:
        raise InvalidArgumentError("Pass an experiment name")
    _settings["experiment"] = name
    return name


class ActiveRun:
    """The run started by start_run; as a context manager it ends the run on exit
    (FAILED if the block raised, FINISHED otherwise)."""

    def __init__(self, run: Run):
        self._run = run

    @property
    def info(self):
        return self._run.info

    @property
    def data(self):
        return client().get_run(self._run.info.run_id).data

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        end_run("FAILED" if exc_type else "FINISHED")


def _stack() -> list[ActiveRun]:
    if not hasattr(_state, "runs"):
        _state.runs = []
    return _state.runs


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: dict[str, Any] | None = None,
    description: str | None = None,
    **_mlflow_only: Any,
) -> ActiveRun:
    """Start a new run (or resume ``run_id``) and make it the active one."""
    if _stack() and not nested:
        active = _stack()[-1].info.run_id
        raise InvalidArgumentError(
            f"Run {active} is already active; end it first or pass nested=True"
        )
    the_client = client()
    if run_id is not None:
        run = the_client.get_run(run_id)
        the_client.update_run(run.info.run_id, "RUNNING")
    else:
        run_tags = dict(tags or {})
        if description:
            run_tags["mlflow.note.content"] = description
        if _stack():
            run_tags["mlflow.parentRunId"] = _stack()[-1].info.run_id
        run = the_client.create_run(
            experiment_id or _settings["experiment"], tags=run_tags, run_name=run_name,
            source=_source(),
        )  # fmt: skip
    active = ActiveRun(the_client.get_run(run.info.run_id))
    _stack().append(active)
    return active


def active_run() -> ActiveRun | None:
    return _stack()[-1] if _stack() else None


def last_active_run_id() -> str | None:
    return getattr(_state, "last_run_id", None)


def end_run(status: str = "FINISHED") -> None:
    """End the active run, if any."""
    if not _stack():
        return
    run = _stack().pop()
    client().set_terminated(run.info.run_id, status)
    _state.last_run_id = run.info.run_id


def _active_run_id() -> str:
    """The active run's id, starting a run if there is none (as MLflow does)."""
    if not _stack():
        start_run()
    return _stack()[-1].info.run_id


def log_param(key: str, value: Any) -> Any:
    return client().log_param(_active_run_id(), key, value)


def log_params(params: dict[str, Any]) -> None:
    client().log_batch(_active_run_id(), params=params)


def log_metric(key: str, value: float, step: int | None = None, timestamp: int | None = None):
    client().log_metric(_active_run_id(), key, value, timestamp=timestamp, step=step)


def log_metrics(
    metrics: dict[str, float], step: int | None = None, timestamp: int | None = None
) -> None:
    batch = [Metric(key, value, timestamp or 0, step or 0) for key, value in metrics.items()]
    client().log_batch(_active_run_id(), metrics=batch)


def set_tag(key: str, value: Any) -> None:
    client().set_tag(_active_run_id(), key, value)


def set_tags(tags: dict[str, Any]) -> None:
    client().log_batch(_active_run_id(), tags=tags)


def log_input(dataset: Any, name: str | None = None, context: str | None = "training") -> None:
    """Record a dataset (DataFrame or CSV/Parquet path) the active run used."""
    client().log_input(_active_run_id(), describe(dataset, name, context))


def get_run(run_id: str) -> Run:
    return client().get_run(run_id)


def search_registered_models(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: list[str] | None = None,
) -> list[RegisteredModel]:
    """Every model matching ``filter_string`` (all pages), at most ``max_results``."""
    search = client().search_registered_models
    return _all_pages(search, _PAGE_SIZES[0], max_results, filter_string, order_by)


def search_model_versions(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: list[str] | None = None,
) -> list[ModelVersion]:
    """Every version matching ``filter_string`` (all pages), at most ``max_results``."""
    search = client().search_model_versions
    return _all_pages(search, _PAGE_SIZES[1], max_results, filter_string, order_by)


def set_model_version_tag(
    name: str, version: int | str | None = None, key: str | None = None, value: Any = None
) -> None:
    """Set tag ``key`` to ``value`` on version ``version`` of model ``name``."""
    client().set_model_version_tag(name, version, key, value)


_PAGE_SIZES = (1000, 10_000)  # the largest pages of models and of versions


def _all_pages(search, page_size: int, limit: int | None, filter_string, order_by) -> list:
    found: list = []
    token = None
    while limit is None or len(found) < limit:
        wanted = page_size if limit is None else min(page_size, limit - len(found))
        page = search(filter_string, wanted, order_by, token)
        found += page
        token = page.token
        if not token:
            break
    return found


def register_model(
    model_uri: str, name: str, tags: dict[str, Any] | None = None, **_mlflow_only: Any
) -> ModelVersion:
    """Register the model at ``model_uri`` as the next version of ``name``, creating the
    registered model if needed. ``runs:/<run_id>/<path>`` must name a model logged here
    (its file loads through the registry); ``models:/...`` a version that exists (the new
    one loads the same file); any other source MLflow takes (``s3://...``, a local path, ...)
    is recorded as it is, with no file here to load."""
    the_client = client()
    source, run_id = check.model_source(model_uri), None
    if source is None:
        raise InvalidArgumentError("register_model needs a model URI")
    if source.startswith("runs:/"):
        run_id, path = parse_runs_uri(source)
        the_client.get_logged_model(run_id, path)
        source = f"runs:/{run_id}/{path}"
    elif source.startswith("models:/"):
        original = resolve_version(the_client, source)
        source, run_id = f"models:/{original.name}/{original.version}", original.run_id
    with contextlib.suppress(AlreadyExistsError):
        the_client.create_registered_model(name)
    return the_client.create_model_version(name, source=source, run_id=run_id, tags=tags)


def log_model_file(save: Any, path: str, registered_model_name: str | None) -> ModelInfo:
    """Store a model file under the active run (one is started and ended if none is active)
    and register it if asked: ``save(client)`` stores the file and returns its manifest.
    The run ends FAILED if anything fails."""
    from registry.clock import now_ms
    from registry.entities import LoggedModel

    started_here = active_run() is None
    run_id = _active_run_id()
    try:
        manifest = save(client())
        logged = LoggedModel(
            run_id, path, manifest.sha256, manifest.flavor, manifest.to_json(), now_ms()
        )
        client().log_model_file(logged)
        version = None
        if registered_model_name is not None:
            version = register_model(f"runs:/{run_id}/{path}", registered_model_name)
    except BaseException:
        if started_here:
            end_run("FAILED")
        raise
    if started_here:
        end_run()
    return ModelInfo(
        run_id=run_id,
        artifact_path=path,
        model_uri=f"runs:/{run_id}/{path}",
        sha256=manifest.sha256,
        flavor=manifest.flavor,
        signature=manifest.signature.to_dict() if manifest.signature else None,
        registered_model_version=version.version if version else None,
    )


def _source() -> dict[str, Any]:
    """Where the code that started the run lives, and its git commit when in a repository."""
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if script:
        path, kind = Path(script).resolve(), "SCRIPT"
    else:
        path, kind = Path.cwd(), "INTERACTIVE"
    if "ipykernel" in sys.modules:
        kind = "NOTEBOOK"
    folder = path if path.is_dir() else path.parent
    commit = _git(folder, "rev-parse", "HEAD")
    dirty = None
    if commit:
        dirty = bool(_git(folder, "status", "--porcelain", "--untracked-files=no"))
    return {"source_name": str(path), "source_type": kind, "git_commit": commit, "git_dirty": dirty}


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=3
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


__all__ = [
    "ActiveRun",
    "active_run",
    "client",
    "end_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "last_active_run_id",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "register_model",
    "search_model_versions",
    "search_registered_models",
    "set_experiment",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
