"""What a reviewer needs to decide on a transition request: the version's metrics against
the version in Production, its validation, and its comment thread."""

from __future__ import annotations

import pandas as pd

from registry import RegistryClient, RegistryError
from registry.dashboard.version_table import KEY_METRICS_TAG
from registry.entities import ModelVersion
from registry.validation.direction import improvement

DELTA_METRICS = 3  # in the Inbox table's "vs Production" column
ARROWS = {1: " ▲", -1: " ▼", 0: ""}


class Evidence:
    """The requested versions, the Production version of their models and the runs'
    metrics, read once for a list of requests."""

    def __init__(self, client: RegistryClient, requests: list) -> None:
        self.versions: dict[tuple[str, int], ModelVersion | None] = {}
        self.production: dict[str, ModelVersion | None] = {}
        self.named: dict[str, list[str]] = {}
        for r in requests:
            self.versions[(r.model_name, r.version)] = client.find_model_version(
                r.model_name, r.version
            )
            if r.model_name not in self.production:
                self.production[r.model_name] = _in_production(client, r.model_name)
                model = client.find_registered_model(r.model_name)
                tagged = (model.tags.get(KEY_METRICS_TAG, "") if model else "").split(",")
                self.named[r.model_name] = [m.strip() for m in tagged if m.strip()]
        found = [*self.versions.values(), *self.production.values()]
        self.metrics = client.get_latest_metrics([v.run_id for v in found if v and v.run_id])

    def version(self, request) -> ModelVersion | None:
        return self.versions.get((request.model_name, request.version))

    def frame(self, request) -> pd.DataFrame:
        """Metrics (rows) of the Production version and the requested one (columns); empty
        when either is missing or they are the same version."""
        version, production = self.version(request), self.production.get(request.model_name)
        if version is None or production is None or production.version == version.version:
            return pd.DataFrame(dtype="float64")
        columns = {
            f"v{production.version} (Production)": self._run_metrics(production),
            f"v{version.version} (requested)": self._run_metrics(version),
        }
        return pd.DataFrame(columns, dtype="float64").sort_index()

    def deltas_text(self, request) -> str:
        """'f1 +0.040 ▲ · log_loss −0.030 ▲' (▲ better, ▼ worse), key metrics first."""
        production = self.production.get(request.model_name)
        if production is None:
            return "no version in Production"
        if production.version == request.version:
            return "is in Production"
        frame = self.frame(request).dropna()
        if frame.empty:
            return "no metrics to compare"
        named = [m for m in self.named.get(request.model_name, []) if m in frame.index]
        order = named + [m for m in frame.index if m not in named]
        parts = []
        for metric in order[:DELTA_METRICS]:
            before, after = frame.loc[metric].tolist()
            arrow = ARROWS[improvement(metric, after, before)]
            parts.append(f"{metric} {after - before:+.3f}{arrow}".replace("-", "−"))
        return " · ".join(parts)

    def _run_metrics(self, version: ModelVersion) -> dict[str, float]:
        return self.metrics.get(version.run_id or "", {})


def _in_production(client: RegistryClient, name: str) -> ModelVersion | None:
    try:
        found = client.get_latest_versions(name, stages=["Production"])
    except RegistryError:
        return None
    return found[0] if found else None
