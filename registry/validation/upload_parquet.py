"""Reading an uploaded Parquet file, refusing one that would decode to too much (see
registry.validation.uploads)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from registry.validation.upload_limits import (
    refuse,
    refuse_cells,
    refuse_decoded,
)

_WIDTHS = {"BOOLEAN": 1, "INT32": 4, "INT64": 8, "INT96": 8, "FLOAT": 4, "DOUBLE": 8}


_TEXT_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
)


def read_parquet(data: bytes, name: str) -> pd.DataFrame:
    """The table in Parquet ``data``, refused from its metadata when it decodes to more than
    the budgets. Text columns are read dictionary-encoded first, so that a long value
    repeated in every row is measured before it is spelled out."""
    try:
        file = pq.ParquetFile(pa.BufferReader(data))
        schema = file.schema_arrow
        nested = [f.name for f in schema if pa.types.is_nested(f.type)]
        if nested:
            shown = ", ".join(repr(n) for n in nested[:5])
            why = "a test set holds flat columns of numbers, text or dates"
            raise refuse(name, f"columns hold lists or records: {shown}; {why}")
        refuse_cells(name, file.metadata.num_rows, file.metadata.num_columns)
        text = [f.name for f in schema if any(is_text(f.type) for is_text in _TEXT_TYPES)]
        sizes = _parquet_sizes(file)
        refuse_decoded(name, sum(sizes.values()))
        table = pq.read_table(pa.BufferReader(data), read_dictionary=text)
        refuse_decoded(name, _decoded_with_text(table, text, sizes))
        table = _spelled_out(table, schema, text)
    except (pa.ArrowException, OSError) as e:
        raise refuse(name, f"the Parquet file cannot be read ({e}); write it again") from None
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _spelled_out(table: pa.Table, schema: pa.Schema, text: list[str]) -> pa.Table:
    """``table`` with its dictionary-encoded ``text`` columns decoded to their file's types."""
    for column in text:
        field = schema.field(column)
        chunks = [c.dictionary_decode().cast(field.type) for c in table.column(column).chunks]
        at = table.schema.get_field_index(column)
        table = table.set_column(at, field, pa.chunked_array(chunks, field.type))
    return table


def _parquet_sizes(file: pq.ParquetFile) -> dict[str, int]:
    """The least each column decodes to by the metadata: per row group, its uncompressed size
    or its values times their width (8 bytes a value for text), whichever is larger."""
    meta, schema, sizes = file.metadata, file.schema_arrow, {}
    widths = [_width(file, schema, c) for c in range(meta.num_columns)]
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            size = max(chunk.total_uncompressed_size, chunk.num_values * widths[c])
            sizes[chunk.path_in_schema] = sizes.get(chunk.path_in_schema, 0) + size
    return sizes


def _width(file: pq.ParquetFile, schema: pa.Schema, c: int) -> int:
    """The bytes a value of column ``c`` takes decoded: its Arrow type's width when fixed
    (an int8 is stored as INT32), else by its Parquet type."""
    column = file.schema.column(c)
    at = schema.get_field_index(column.path)
    if at >= 0:
        try:
            return max(1, schema.field(at).type.bit_width // 8)
        except ValueError:  # not a fixed-width type
            pass
    if column.physical_type == "FIXED_LEN_BYTE_ARRAY":
        return column.length
    return _WIDTHS.get(column.physical_type, 8)


def _decoded_with_text(table: pa.Table, text: list[str], sizes: dict[str, int]) -> int:
    """The decoded size with text columns measured: 8 bytes a row plus their values' length."""
    total = sum(size for name, size in sizes.items() if name not in text)
    for name in text:
        total += 8 * table.num_rows
        for chunk in table.column(name).chunks:
            lengths = pc.take(pc.binary_length(chunk.dictionary), chunk.indices)
            total += pc.sum(lengths).as_py() or 0
    return total
