"""Limits on uploaded test sets, and the refusals that name them (see
registry.validation.uploads)."""

from __future__ import annotations

import math
import os

from registry.errors import ValidationInputError
from registry.validation.data_checks import error

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


MAX_DECODED_MB = 1024


MAX_CELLS = 50_000_000


CSV_FIX = "save the table as CSV (UTF-8) or Parquet"


def refuse(name: str, message: str) -> ValidationInputError:
    problem = error(None, message)
    return ValidationInputError(f"Cannot use {name!r}: {message}", problems=[problem])


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def max_upload_bytes() -> int:
    """The largest test file accepted: ``REGISTRY_UPLOAD_MAX_MB`` (default 200), in bytes."""
    return limit_from_env("REGISTRY_UPLOAD_MAX_MB", MAX_UPLOAD_BYTES >> 20) << 20


def limit_from_env(variable: str, default: int) -> int:
    """A positive number from environment ``variable``, else ``default``."""
    try:
        value = float(os.environ.get(variable, "").replace("_", "").replace(",", ""))
    except ValueError:
        return default
    return int(value) if math.isfinite(value) and value >= 1 else default


def refuse_cells(name: str, rows: int, columns: int, about: str = "") -> None:
    """Raise when ``rows`` x ``columns`` is over REGISTRY_UPLOAD_MAX_CELLS."""
    most = limit_from_env("REGISTRY_UPLOAD_MAX_CELLS", MAX_CELLS)
    if rows * columns > most:
        raise refuse(
            name,
            f"the table has {about}{rows:,} rows x {columns:,} columns = {rows * columns:,} "
            f"cells, over the limit of {most:,} (REGISTRY_UPLOAD_MAX_CELLS); upload a sample "
            "of the rows, or raise REGISTRY_UPLOAD_MAX_CELLS",
        )


def refuse_decoded(name: str, decoded: int) -> None:
    """Raise when ``decoded`` bytes are over REGISTRY_UPLOAD_MAX_DECODED_MB."""
    most = limit_from_env("REGISTRY_UPLOAD_MAX_DECODED_MB", MAX_DECODED_MB) * 1024 * 1024
    if decoded > most:
        raise refuse(
            name,
            f"the Parquet file decodes to at least {size_text(decoded)}, over the "
            f"{size_text(most)} "
            "limit (REGISTRY_UPLOAD_MAX_DECODED_MB); upload a sample of the rows or only the "
            "columns needed, or raise REGISTRY_UPLOAD_MAX_DECODED_MB",
        )
