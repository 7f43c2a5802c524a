"""A version's run, when it exists: versions may name runs this registry never recorded."""

from __future__ import annotations

from registry import InvalidArgumentError, NotFoundError, RegistryClient
from registry.entities import Metric, Run


def find_run(client: RegistryClient, run_id: str | None) -> Run | None:
    """The run, or None when the version has no run id or the run is not in this registry."""
    if not run_id:
        return None
    try:
        return client.get_run(run_id)
    except (NotFoundError, InvalidArgumentError):
        return None


def metric_histories(client: RegistryClient, run: Run, keys: list[str]) -> dict[str, list[Metric]]:
    """Every logged value of each of ``keys``, by step."""
    return {key: client.get_metric_history(run.info.run_id, key) for key in keys}
