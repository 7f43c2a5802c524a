"""Reading an uploaded test set: CSV or Parquet bytes into a DataFrame, with clear refusals.

The format is decided by the content, not the name: Parquet files start and end with
``PAR1``; anything else must be UTF-8 text with a header row. The delimiter is detected from
the first lines (comma, semicolon, tab or '|') and a note says so when it is not a comma.
Every refusal is a ValidationInputError whose message says what is wrong and how to fix it:
a file over the size limit, an empty file, a spreadsheet, archive or other binary file,
text that is not UTF-8, a single column, rows with more fields than the header, no or one
data row, and (given ``target``) a missing, empty or constant target column.

A small file can decode to a huge table (Parquet compresses a column of zeros a thousandfold),
so two budgets are checked before the table is built, and read from the environment at each
call:

| variable | default | what it limits |
|---|---|---|
| REGISTRY_UPLOAD_MAX_DECODED_MB | 1024 | the decoded size of a Parquet table (see below) |
| REGISTRY_UPLOAD_MAX_CELLS | 50,000,000 | rows x columns of a CSV or Parquet table |

A Parquet table's decoded size is taken from its metadata (per row group and column, the
uncompressed size or the values times their width, whichever is larger) before anything is
decoded, then again with its text columns' real lengths, measured on their dictionaries.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from registry.errors import InvalidArgumentError, ValidationInputError
from registry.validation.data_checks import error, frame_problems, raise_for_errors, warning
from registry.validation.records import Problem

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_DECODED_MB = 1024
MAX_CELLS = 50_000_000
_SAMPLE_BYTES = 64 * 1024
_SNIFF_LINES = 50
_PIECE_BYTES = 16 * 1024 * 1024
_WIDTHS = {"BOOLEAN": 1, "INT32": 4, "INT64": 8, "INT96": 8, "FLOAT": 4, "DOUBLE": 8}
_TEXT_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
)
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}
_CSV_FIX = "save the table as CSV (UTF-8) or Parquet"
_NOT_A_TABLE = "the file is {}, not CSV or Parquet; "
_MAGIC = (
    (
        b"PK\x03\x04",
        _NOT_A_TABLE.format("a ZIP archive (an Excel .xlsx workbook is one)") + _CSV_FIX,
    ),
    (
        b"\xd0\xcf\x11\xe0",
        _NOT_A_TABLE.format("an Excel .xls workbook (or another Office file)") + _CSV_FIX,
    ),
    (b"\x1f\x8b", _NOT_A_TABLE.format("compressed with gzip") + "decompress it first (gunzip)"),
    (b"BZh", _NOT_A_TABLE.format("compressed with bzip2") + "decompress it first (bunzip2)"),
    (b"\xfd7zXZ\x00", _NOT_A_TABLE.format("compressed with xz") + "decompress it first (unxz)"),
    (b"%PDF", _NOT_A_TABLE.format("a PDF document") + _CSV_FIX),
    (b"\x89PNG", _NOT_A_TABLE.format("a PNG image") + _CSV_FIX),
    (b"\xff\xd8\xff", _NOT_A_TABLE.format("a JPEG image") + _CSV_FIX),
    (b"SQLite format 3\x00", _NOT_A_TABLE.format("an SQLite database") + _CSV_FIX),
    (b"ARROW1", _NOT_A_TABLE.format("an Arrow/Feather file") + "save it as Parquet"),
    (b"\xff\xfe", "the file is UTF-16 text, and uploads must be UTF-8; save it as 'CSV UTF-8'"),
    (b"\xfe\xff", "the file is UTF-16 text, and uploads must be UTF-8; save it as 'CSV UTF-8'"),
)
_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


@dataclass(frozen=True, eq=False)
class Upload:
    """A table read from an upload: the frame, the sha256 of the bytes, the format ("csv" or
    "parquet"), the CSV delimiter and notes (warnings) on how it was read."""

    frame: pd.DataFrame
    sha256: str
    file_format: str
    delimiter: str | None
    notes: tuple[Problem, ...]


def read_table(
    data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES, *, target: str | None = None
) -> tuple[pd.DataFrame, str]:
    """(DataFrame, sha256 of ``data``) of an uploaded CSV or Parquet file (see read_upload).

    Raises ValidationInputError saying what is wrong with the file and how to fix it.
    """
    upload = read_upload(data, filename, max_bytes, target=target)
    return upload.frame, upload.sha256


def read_upload(
    data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES, *, target: str | None = None
) -> Upload:
    """The table in ``data`` (the bytes of file ``filename``), with notes on how it was read.

    With ``target``, that column must be present, filled in and not constant. Raises
    ValidationInputError with every problem found, InvalidArgumentError for bad arguments.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgumentError(f"Pass the uploaded file's bytes, not {type(data).__name__}")
    data = bytes(data) if not isinstance(data, bytes) else data
    name = str(filename or "upload")
    _refuse_size_and_kind(data, name, max_bytes)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashing overlaps parsing
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        if data[:4] == b"PAR1":
            frame, delimiter, notes = _read_parquet(data, name), None, []
        else:
            frame, delimiter, notes = _read_csv(data, name)
        sha256 = digest.result()
    problems = notes + frame_problems(frame, target)
    raise_for_errors(problems, f"Cannot use {name!r}")
    file_format = "csv" if delimiter else "parquet"
    return Upload(frame, sha256, file_format, delimiter, tuple(problems))


def _refuse(name: str, message: str) -> ValidationInputError:
    problem = error(None, message)
    return ValidationInputError(f"Cannot use {name!r}: {message}", problems=[problem])


def _refuse_size_and_kind(data: bytes, name: str, max_bytes: int) -> None:
    """Raise for a file over the limit, an empty one, or one that is not CSV text/Parquet."""
    if len(data) > max_bytes:
        smaller = "upload a sample of the rows, or save it as Parquet (usually much smaller)"
        raise _refuse(
            name, f"the file is {_size(len(data))}, over the {_size(max_bytes)} limit; {smaller}"
        )
    if not data or data.isspace():
        fix = "export the test set again with a header row and at least 2 data rows"
        raise _refuse(name, f"the file is empty; {fix}")
    if data[:4] == b"PAR1":
        if data[-4:] != b"PAR1":
            why = "the file starts like Parquet but its end is missing (an interrupted copy?)"
            raise _refuse(name, f"{why}; upload the whole file")
        return
    for magic, message in _MAGIC:
        if data.startswith(magic):
            raise _refuse(name, message)
    if b"\x00" in data[:_SAMPLE_BYTES]:
        raise _refuse(name, f"the file holds binary data, not CSV text or Parquet; {_CSV_FIX}")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _limit(variable: str, default: int) -> int:
    """A positive number from environment ``variable``, else ``default``."""
    try:
        value = float(os.environ.get(variable, "").replace("_", "").replace(",", ""))
    except ValueError:
        return default
    return int(value) if math.isfinite(value) and value >= 1 else default


def _refuse_cells(name: str, rows: int, columns: int, about: str = "") -> None:
    """Raise when ``rows`` x ``columns`` is over REGISTRY_UPLOAD_MAX_CELLS."""
    most = _limit("REGISTRY_UPLOAD_MAX_CELLS", MAX_CELLS)
    if rows * columns > most:
        raise _refuse(
            name,
            f"the table has {about}{rows:,} rows x {columns:,} columns = {rows * columns:,} "
            f"cells, over the limit of {most:,} (REGISTRY_UPLOAD_MAX_CELLS); upload a sample "
            "of the rows, or raise REGISTRY_UPLOAD_MAX_CELLS",
        )


def _refuse_decoded(name: str, decoded: int) -> None:
    """Raise when ``decoded`` bytes are over REGISTRY_UPLOAD_MAX_DECODED_MB."""
    most = _limit("REGISTRY_UPLOAD_MAX_DECODED_MB", MAX_DECODED_MB) * 1024 * 1024
    if decoded > most:
        raise _refuse(
            name,
            f"the Parquet file decodes to at least {_size(decoded)}, over the {_size(most)} "
            "limit (REGISTRY_UPLOAD_MAX_DECODED_MB); upload a sample of the rows or only the "
            "columns needed, or raise REGISTRY_UPLOAD_MAX_DECODED_MB",
        )


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
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
            raise _refuse(name, f"columns hold lists or records: {shown}; {why}")
        _refuse_cells(name, file.metadata.num_rows, file.metadata.num_columns)
        text = [f.name for f in schema if any(is_text(f.type) for is_text in _TEXT_TYPES)]
        sizes = _parquet_sizes(file)
        _refuse_decoded(name, sum(sizes.values()))
        table = pq.read_table(pa.BufferReader(data), read_dictionary=text)
        _refuse_decoded(name, _decoded_with_text(table, text, sizes))
        table = _spelled_out(table, schema, text)
    except (pa.ArrowException, OSError) as e:
        raise _refuse(name, f"the Parquet file cannot be read ({e}); write it again") from None
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


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, str, list[Problem]]:
    """The CSV table, its delimiter and notes; raises ValidationInputError."""
    lines = [line for line in _text_sample(data, name).splitlines() if line.strip()]
    delimiter, header = _sniff(lines[:_SNIFF_LINES])
    if len(header) < 2:
        raise _refuse(
            name,
            f"every line is one column (the header is {lines[0][:80]!r}): the values are not "
            "separated by commas, semicolons, tabs or '|'; save the table as CSV",
        )
    repeated = sorted(n for n, count in Counter(header).items() if count > 1)
    if repeated:
        shown = ", ".join(repr(n) for n in repeated)
        raise _refuse(name, f"columns appear more than once: {shown}; rename them")
    notes = []
    usual = "\t" if name.lower().endswith(".tsv") else ","
    if delimiter != usual:
        how = f"not {_DELIMITERS[usual]}: read with {delimiter!r}"
        notes.append(warning(None, f"the values are separated by {_DELIMITERS[delimiter]}, {how}"))
    rows = data.count(b"\n") + (not data.endswith(b"\n")) - 1  # the header is no row
    _refuse_cells(name, rows, len(header), "about ")
    try:
        frame = _parse_csv(data, name, delimiter, header)
    except _NotUtf8:
        raise _refuse(name, _not_utf8(data)) from None
    keep = [i for i, c in enumerate(frame.columns) if c != "" or frame.iloc[:, i].notna().any()]
    if len(keep) < frame.shape[1]:
        frame = frame.iloc[:, keep]
        why = "a delimiter at the end of every line"
        notes.append(warning(None, f"ignored an empty column without a name ({why})"))
    return frame, delimiter, notes


def _text_sample(data: bytes, name: str) -> str:
    """The first whole lines of ``data`` as text; raises if they are not UTF-8."""
    sample = data[:_SAMPLE_BYTES]
    if len(data) > _SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n")]
    try:
        return sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(name, _not_utf8(data)) from None


def _not_utf8(data: bytes) -> str:
    """Where and how ``data`` is not UTF-8, and how to convert it."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        byte = data[e.start]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        return (
            f"the file is not UTF-8 text: byte 0x{byte:02x} on line {line} is not UTF-8 "
            f"(in Windows-1252/Latin-1 it would be {guess!r}); save it as 'CSV UTF-8', or "
            "convert it with: iconv -f cp1252 -t utf-8 in.csv > out.csv"
        )
    return "the file has values that are not UTF-8 text; save it as 'CSV UTF-8'"


def _sniff(lines: list[str]) -> tuple[str, list[str]]:
    """(delimiter, header fields): the delimiter that splits ``lines`` into the most fields,
    equally many on most lines."""
    best, header = ",", lines[0:1]
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        agreeing = sum(len(row) == len(rows[0]) for row in rows) / len(rows)
        if agreeing >= 0.5 and len(rows[0]) > len(header):
            best, header = delimiter, rows[0]
    return best, header


def _parse_csv(data: bytes, name: str, delimiter: str, header: list[str]) -> pd.DataFrame:
    """Parse with pyarrow. Columns that fail type conversion are read again as text (the
    validation then names their rows); rows with too many values are refused."""
    bad_rows: list = []

    def on_invalid_row(row) -> str:
        bad_rows.append(row)
        return "error"

    parse = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid_row)
    as_text: dict[str, pa.DataType] = {}
    while True:
        try:
            return _parse_pieces(data, parse, header, as_text)
        except pa.ArrowInvalid as e:
            column = _CONVERSION.search(str(e))
            if column is None or int(column[1]) >= len(header) or header[int(column[1])] in as_text:
                raise _refuse(name, _parse_problem(str(e), bad_rows, delimiter, data)) from None
            as_text[header[int(column[1])]] = pa.string()


def _parse_pieces(
    data: bytes, parse: pacsv.ParseOptions, header: list[str], as_text: dict
) -> pd.DataFrame:
    """The table of ``data``, parsed in pieces of about _PIECE_BYTES at line ends.

    pyarrow's CSV parser needs scratch memory of about twice the table it builds. Parsing
    piece by piece and copying numeric columns into arrays sized for the whole file bounds
    that to one piece. Later pieces take the first one's column types (text for a column
    empty in all of it); a value that does not fit raises ArrowInvalid. Raises
    _NotUtf8 when a column holds bytes that are not UTF-8.
    """
    convert = pacsv.ConvertOptions(strings_can_be_null=True, column_types=as_text)
    if len(data) <= _PIECE_BYTES:
        table = pacsv.read_csv(pa.BufferReader(data), parse_options=parse, convert_options=convert)
        _check_text(table.schema)
        return table.to_pandas(split_blocks=True, self_destruct=True)
    buffer, start = pa.py_buffer(data), data.index(b"\n") + 1
    columns = _Columns(header, data.count(b"\n", start) + 1)
    while start < len(data):
        end = data.find(b"\n", start + _PIECE_BYTES) + 1 or len(data)
        piece = pa.BufferReader(buffer.slice(start, end - start))
        table = pacsv.read_csv(piece, pacsv.ReadOptions(column_names=header), parse, convert)
        _check_text(table.schema)
        if not columns.types:
            columns.types = {f.name: _fixed(f.type) for f in table.schema}
            convert = pacsv.ConvertOptions(strings_can_be_null=True, column_types=columns.types)
        columns.add(table.cast(pa.schema([(f.name, columns.types[f.name]) for f in table.schema])))
        start = end
    return columns.frame()


def _fixed(arrow_type: pa.DataType) -> pa.DataType:
    return pa.string() if pa.types.is_null(arrow_type) else arrow_type


class _NotUtf8(Exception):
    """A CSV column holds bytes that are not UTF-8 text."""


def _check_text(schema: pa.Schema) -> None:
    if any(pa.types.is_binary(t) for t in schema.types):
        raise _NotUtf8


class _Columns:
    """A table filled piece by piece: numbers into arrays sized for every row, other
    columns as lists of pyarrow chunks."""

    def __init__(self, names: list[str], most_rows: int):
        self.names, self.most_rows, self.rows = names, most_rows, 0
        self.types: dict[str, pa.DataType] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.chunks: dict[str, list] = {name: [] for name in names}

    def add(self, table: pa.Table) -> None:
        rows = table.num_rows
        for name, column in zip(self.names, table.columns, strict=True):
            kind = column.type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                self.chunks[name].extend(column.chunks)
                continue
            at = self.rows
            for chunk in column.chunks:
                values = chunk.to_numpy(zero_copy_only=False)  # empty ints: floats with NaN
                target = self._array(name, values.dtype)
                target[at : at + len(values)] = values
                at += len(values)
        self.rows += rows

    def _array(self, name: str, dtype: np.dtype) -> np.ndarray:
        target = self.arrays.get(name)
        if target is None:
            target = self.arrays[name] = np.empty(self.most_rows, dtype)
        elif target.dtype != dtype and dtype == np.float64:
            target = self.arrays[name] = target.astype(np.float64)
        return target

    def frame(self) -> pd.DataFrame:
        series = {}
        for name in self.names:
            if name in self.arrays:
                series[name] = self.arrays[name][: self.rows]
            else:
                chunked = pa.chunked_array(self.chunks[name], self.types[name])
                series[name] = chunked.to_pandas()
        return pd.DataFrame(series, copy=False)


def _parse_problem(message: str, bad_rows: list, delimiter: str, data: bytes) -> str:
    if bad_rows:
        row = bad_rows[0]
        return (
            f"{_line_of(row, data)} has {row.actual_columns} values but the header has "
            f"{row.expected_columns} ({row.text[:120]!r}); check that row's quoting and "
            f"{_DELIMITERS[delimiter]} inside values"
        )
    return f"the CSV cannot be read ({message.strip()}); check it is a well-formed table"


def _line_of(row, data: bytes) -> str:
    """'line 7' for an invalid row (pyarrow numbers rows only when it reads on one thread)."""
    if row.number:
        return f"line {row.number}"
    newline = b"\n"
    at = data.find(newline + row.text.encode() + newline)
    return f"line {data.count(newline, 0, at + 1) + 1}" if at >= 0 else "a row"
