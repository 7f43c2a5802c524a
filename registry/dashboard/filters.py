"""The Models search: plain words or the filter grammar, plus quick filters, checked before
searching.

As in MLflow's UI, a search without a key or an operator is a name search: ``churn`` means
``name ILIKE '%churn%'`` (each of several words must occur in the name). Anything with a key
(``name``, ``tags.team``, ...), an operator, a quote or a keyword (AND, LIKE, ...) is read as
the filter grammar, with its errors reported where they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry import FilterSyntaxError
from registry.search import compile_filter
from registry.search.grammar import FIELDS, KEY_ALIASES

QUICK_TAGS = ("team", "owner")
MAX_WORDS = 20  # each word is a condition, and a filter takes at most 50
GRAMMAR_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"})
GRAMMAR_CHARACTERS = frozenset("'\"`=<>!(),")


def quote(value: str) -> str:
    """``value`` as a filter-grammar string literal."""
    return "'" + value.replace("'", "''") + "'"


def versions_of(name: str) -> str:
    """The filter selecting every version of model ``name``."""
    return f"name = {quote(name)}"


def name_contains(text: str) -> str | None:
    text = text.strip()
    return f"name ILIKE {quote('%' + text + '%')}" if text else None


def _is_key(word: str) -> bool:
    lower = word.lower()
    head, dot, _ = lower.partition(".")
    return lower in FIELDS or lower in KEY_ALIASES or (bool(dot) and head in ("tags", "tag"))


def plain_words(query: str | None) -> list[str] | None:
    """The words of a plain name search; None when ``query`` is empty or uses the grammar."""
    words = (query or "").split()
    if not words or GRAMMAR_CHARACTERS & set(query or ""):
        return None
    if any(word.upper() in GRAMMAR_KEYWORDS or _is_key(word) for word in words):
        return None
    return words


def as_filter(query: str | None) -> str:
    """What the search box means in the filter grammar: plain words become name matches;
    anything else is kept as typed (error positions refer to it)."""
    words = plain_words(query)
    if words is None:
        return query or ""
    return " AND ".join(f"name ILIKE {quote('%' + word + '%')}" for word in words)


@dataclass(frozen=True)
class ModelFilter:
    """A combined filter string (None for everything), its sentence, or the user's error."""

    text: str | None
    description: str
    error: FilterSyntaxError | None = None


def model_filter(query: str, stage: str | None, tags: dict[str, str | None]) -> ModelFilter:
    """Combine the search box with the quick filters; report a syntax error in the search box
    itself (its position refers to what the user typed)."""
    words = plain_words(query) or []
    if len(words) > MAX_WORDS:
        return ModelFilter(None, "", FilterSyntaxError(
            f"A name search takes at most {MAX_WORDS} words; this one has {len(words)}"
        ))  # fmt: skip
    searched = as_filter(query)
    try:
        compile_filter(searched, "model")
    except FilterSyntaxError as error:
        return ModelFilter(None, "", error)
    parts = [f"({searched.strip()})"] if searched.strip() else []
    if stage:
        parts.append(f"current_stage = {quote(stage)}")
    parts += [f"tags.{key} = {quote(value)}" for key, value in tags.items() if value]
    text = " AND ".join(parts) or None
    return ModelFilter(text, compile_filter(text, "model").description)
