"""MLflow registry calls composed from the others: copying a version into another model,
where a version's files are, which stages there are."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from registry import arguments as check
from registry.client.model_uris import resolve_version
from registry.entities import STAGES, ModelVersion
from registry.errors import AlreadyExistsError, InvalidArgumentError

_MAX_COPY_CHAIN = 20  # copies of copies; a cycle cannot form (a copy points at an older version)


class CopyClient:
    """Mixed into RegistryClient; relies on its public methods only."""

    create_registered_model: Callable[..., Any]
    create_model_version: Callable[..., ModelVersion]
    get_model_version: Callable[..., ModelVersion]

    def copy_model_version(self, src_model_uri: str, dst_name: str) -> ModelVersion:
        """Copy the version ``src_model_uri`` names (``models:/name/3``, ``/Stage``,
        ``@alias``) as the next version of ``dst_name``, creating that model if needed:
        MLflow's way to promote across models (e.g. ``dev.churn`` to ``prod.churn``). The
        copy's source is ``models:/<name>/<version>`` of the original, so it loads the same
        file; run id, run link, description, tags and model_id are kept; its stage starts at
        None."""
        if not isinstance(src_model_uri, str) or not src_model_uri.startswith("models:/"):
            raise InvalidArgumentError(
                f"copy_model_version takes a models:/ URI, not {src_model_uri!r}"
            )
        source = resolve_version(self, src_model_uri)  # type: ignore[arg-type]
        dst_name = check.model_name(dst_name)
        with contextlib.suppress(AlreadyExistsError):
            self.create_registered_model(dst_name)
        return self.create_model_version(
            dst_name,
            source=f"models:/{source.name}/{source.version}",
            run_id=source.run_id,
            tags=dict(source.tags),
            run_link=source.run_link,
            description=source.description,
            model_id=source.model_id,
        )

    def get_model_version_download_uri(self, name: str, version: int | str) -> str | None:
        """Where the version's model is: its source, and for a copy (``models:/...``) the
        source of the version it copies, as MLflow answers. ``registry.pyfunc.load_model``
        and ``registry.sklearn.load_model`` take it."""
        source = self.get_model_version(name, version).source
        for _ in range(_MAX_COPY_CHAIN):
            if not (source or "").startswith("models:/"):
                break
            source = resolve_version(self, source).source  # type: ignore[arg-type]
        return source

    def get_model_version_stages(self, name: str, version: int | str) -> list[str]:
        """The stages a version may move to (MLflow's fixed list)."""
        self.get_model_version(name, version)
        return list(STAGES)
