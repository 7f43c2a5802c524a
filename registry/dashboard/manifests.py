"""Model-file manifests read defensively: a damaged, partial or newer manifest still shows
whatever it does say, and a version registered without a model file shows none."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from registry.entities import ModelVersion, Run


@dataclass(frozen=True)
class ManifestView:
    """What the dashboard shows of a manifest; every field may be missing."""

    artifact_path: str
    sha256: str | None = None
    size: int | None = None
    model_class: str | None = None
    flavor: str | None = None
    format_version: int | None = None
    signature: dict[str, str] = field(default_factory=dict)  # column -> dtype, in order
    environment: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why part of it could not be read


def _text_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "not installed" if v is None else str(v) for k, v in value.items()}


def _signature(value: object) -> dict[str, str]:
    columns = value.get("inputs") if isinstance(value, dict) else None
    if not isinstance(columns, list):
        return {}
    return {str(c.get("name")): str(c.get("dtype", "?")) for c in columns if isinstance(c, dict)}


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_manifest(text: str | None, artifact_path: str = "model") -> ManifestView:
    """Parse manifest JSON text; never raises."""
    try:
        data = json.loads(text or "")
    except (TypeError, ValueError) as error:
        return ManifestView(artifact_path, problem=f"the manifest is not valid JSON ({error})")
    if not isinstance(data, dict):
        return ManifestView(artifact_path, problem="the manifest is not a JSON object")
    return ManifestView(
        artifact_path=artifact_path,
        sha256=data.get("sha256") if isinstance(data.get("sha256"), str) else None,
        size=_number(data.get("size")),
        model_class=str(data["model_class"]) if data.get("model_class") else None,
        flavor=str(data["flavor"]) if data.get("flavor") else None,
        format_version=_number(data.get("format_version")),
        signature=_signature(data.get("signature")),
        environment=_text_map(data.get("environment")),
    )


def version_manifest(version: ModelVersion, run: Run | None) -> ManifestView | None:
    """The manifest of the model file ``version`` was registered from, if its run logged one:
    the file its ``runs:/<run>/<path>`` source names, else the run's only model file."""
    if run is None or not run.models:
        return None
    prefix = f"runs:/{run.info.run_id}/"
    source = version.source or ""
    path = source[len(prefix) :].strip("/") if source.startswith(prefix) else None
    chosen = next((m for m in run.models if m.artifact_path == path), None)
    if chosen is None and len(run.models) == 1:
        chosen = run.models[0]
    if chosen is None:
        return None
    view = read_manifest(chosen.manifest, chosen.artifact_path)
    return view if view.sha256 else replace(view, sha256=chosen.sha256)
