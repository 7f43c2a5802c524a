"""One look for every page: stage colours and badges, number, size and time formats."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.dashboard.markup import plain

STAGE_ORDER = ("Production", "Staging", "None", "Archived")

# The one stage -> colour mapping: plotly figures use the hex, badges the Streamlit name.
STAGE_COLORS = {
    "Production": "#1a9850",
    "Staging": "#e08214",
    "None": "#4575b4",
    "Archived": "#8c8c8c",
}
STAGE_BADGE_COLORS = {
    "Production": "green",
    "Staging": "orange",
    "None": "blue",
    "Archived": "gray",
}
STAGE_LABELS = {"None": "No stage"}


def stage_label(stage: str | None) -> str:
    """How a stage is named on screen ("No stage" for MLflow's "None")."""
    stage = stage or "None"
    return STAGE_LABELS.get(stage, stage)


def stage_badge(stage: str | None, suffix: str = "") -> str:
    """A coloured Markdown badge for ``stage`` (followed by ``suffix`` inside the badge)."""
    stage = stage or "None"
    text = f"{stage_label(stage)} {suffix}".strip()
    return f":{STAGE_BADGE_COLORS.get(stage, 'gray')}-badge[{text}]"


def alias_badge(alias: str, version: int | None = None) -> str:
    """'@champion', or '@champion → v3' when ``version`` is given."""
    target = f" → v{version}" if version is not None else ""
    return f":violet-badge[@{alias}{target}]"


def tag_badge(key: str, value: str) -> str:
    """A grey Markdown badge 'key = value' showing both exactly as typed."""
    return f":gray-badge[{plain(key)} = {plain(value)}]"


def version_label(version: int | None, name: str | None = None) -> str:
    if version is None:
        return "–"
    return f"{name} v{version}" if name else f"v{version}"


def version_number(value: object) -> int | None:
    """A version as a number: 7 for 7, "7" or "v7"; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    text = str(value or "").strip().lstrip("vV")
    return int(text) if text.isdigit() and int(text) > 0 else None


def to_utc(millis: int | None) -> datetime | None:
    return None if millis is None else datetime.fromtimestamp(millis / 1000, tz=UTC)


def format_time(millis: int | None) -> str:
    """'2026-11-23 23:55 UTC'."""
    moment = to_utc(millis)
    return "–" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def format_metric(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}"


def format_bytes(size: int | None) -> str:
    if size is None:
        return "–"
    amount, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if amount < 1024 or unit == "TB":
            break
        amount /= 1024
    return f"{amount:.0f} B" if unit == "B" else f"{amount:.1f} {unit}"


def short_hash(digest: str | None, length: int = 12) -> str:
    return "–" if not digest else digest[:length]


def shorten(text: str | None, limit: int = 80) -> str:
    """One line of at most ``limit`` characters."""
    if not text:
        return ""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
