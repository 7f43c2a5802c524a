"""Aliases worth a warning: one pointing at an archived version serves a model nobody
vouches for any more (``models:/churn@champion`` still loads it)."""

from __future__ import annotations

import streamlit as st

from registry import RegistryClient
from registry.entities import RegisteredModel


def archived_targets(client: RegistryClient, models: list[RegisteredModel]) -> set[tuple[str, str]]:
    """(model, alias) of every alias of ``models`` that points at an archived version."""
    found = set()
    for model in models:
        for alias, number in model.aliases.items():
            version = client.find_model_version(model.name, number)
            if version is not None and version.current_stage == "Archived":
                found.add((model.name, alias))
    return found


def warn(model: RegisteredModel, archived: set[tuple[str, str]]) -> None:
    """One warning per alias of ``model`` that points at an archived version."""
    for alias, number in sorted(model.aliases.items()):
        if (model.name, alias) in archived:
            st.warning(
                f"@{alias} points at v{number}, which is archived: whatever loads "
                f"`models:/{model.name}@{alias}` gets an archived version. Move the alias on "
                "the Alias tab, or remove it.",
                icon=":material/warning:",
            )
