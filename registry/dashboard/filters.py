"""The Models search: the user's filter text plus quick filters, checked before searching."""

from __future__ import annotations

from dataclasses import dataclass

from registry import FilterSyntaxError
from registry.search import compile_filter

QUICK_TAGS = ("team", "owner")


def quote(value: str) -> str:
    """``value`` as a filter-grammar string literal."""
    return "'" + value.replace("'", "''") + "'"


def versions_of(name: str) -> str:
    """The filter selecting every version of model ``name``."""
    return f"name = {quote(name)}"


def name_contains(text: str) -> str | None:
    text = text.strip()
    return f"name ILIKE {quote('%' + text + '%')}" if text else None


@dataclass(frozen=True)
class ModelFilter:
    """A combined filter string (None for everything), its sentence, or the user's error."""

    text: str | None
    description: str
    error: FilterSyntaxError | None = None


def model_filter(query: str, stage: str | None, tags: dict[str, str | None]) -> ModelFilter:
    """Combine the search box with the quick filters; report a syntax error in the search box
    itself (its position refers to what the user typed)."""
    try:
        compile_filter(query or "", "model")
    except FilterSyntaxError as error:
        return ModelFilter(None, "", error)
    query = (query or "").strip()
    parts = [f"({query})"] if query else []
    if stage:
        parts.append(f"current_stage = {quote(stage)}")
    parts += [f"tags.{key} = {quote(value)}" for key, value in tags.items() if value]
    text = " AND ".join(parts) or None
    return ModelFilter(text, compile_filter(text, "model").description)
