"""Describe the data a run used: shape, schema and a content hash, for lineage."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from registry.entities import Dataset
from registry.errors import InvalidArgumentError

_CHUNK = 1 << 20


def describe(data: Any, name: str | None = None, context: str | None = None) -> Dataset:
    """A Dataset record for a pandas DataFrame or a CSV/Parquet file path."""
    if isinstance(data, (str, os.PathLike)):
        return describe_file(Path(data), name, context)
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return describe_dataframe(data, name or "dataframe", context)
    raise InvalidArgumentError(
        f"log_input takes a pandas DataFrame or a file path, got {type(data).__name__}"
    )


def describe_dataframe(
    df: Any, name: str, context: str | None, source: str | None = None
) -> Dataset:
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return Dataset(
        name=name,
        digest=digest.hexdigest(),
        source=source,
        context=context,
        num_rows=len(df),
        num_columns=df.shape[1],
        size_bytes=int(df.memory_usage(index=False).sum()),
        schema={str(column): str(dtype) for column, dtype in df.dtypes.items()},
    )


def describe_file(path: Path, name: str | None, context: str | None) -> Dataset:
    """Hash the file's bytes; read its shape and schema (CSV or Parquet)."""
    if not path.is_file():
        raise InvalidArgumentError(f"Dataset file {str(path)!r} does not exist or is not a file")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    rows, schema = _shape(path)
    return Dataset(
        name=name or path.name,
        digest=digest.hexdigest(),
        source=str(path.resolve()),
        context=context,
        num_rows=rows,
        num_columns=len(schema) if schema else None,
        size_bytes=path.stat().st_size,
        schema=schema,
    )


def _shape(path: Path) -> tuple[int | None, dict[str, str]]:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        meta = pq.read_schema(path)
        rows = pq.ParquetFile(path).metadata.num_rows
        return rows, {field.name: str(field.type) for field in meta}
    if suffix in (".csv", ".tsv", ".txt"):
        df = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
        return len(df), {str(c): str(t) for c, t in df.dtypes.items()}
    return None, {}
