"""Reading an uploaded CSV file: the delimiter sniffed, UTF-8 checked, rows that do not fit
the header named by their line (see registry.validation.uploads)."""

from __future__ import annotations

import csv
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from registry.validation.data_checks import warning
from registry.validation.records import Problem
from registry.validation.upload_limits import (
    refuse,
    refuse_cells,
)

SAMPLE_BYTES = 64 * 1024


_SNIFF_LINES = 50


_PIECE_BYTES = 16 * 1024 * 1024


_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}


_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


def read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, str, list[Problem]]:
    """The CSV table, its delimiter and notes; raises ValidationInputError."""
    lines = [line for line in _text_sample(data, name).splitlines() if line.strip()]
    delimiter, header = _sniff(lines[:_SNIFF_LINES])
    if len(header) < 2:
        raise refuse(
            name,
            f"every line is one column (the header is {lines[0][:80]!r}): the values are not "
            "separated by commas, semicolons, tabs or '|'; save the table as CSV",
        )
    repeated = sorted(n for n, count in Counter(header).items() if count > 1)
    if repeated:
        shown = ", ".join(repr(n) for n in repeated)
        raise refuse(name, f"columns appear more than once: {shown}; rename them")
    notes = []
    usual = "\t" if name.lower().endswith(".tsv") else ","
    if delimiter != usual:
        how = f"not {_DELIMITERS[usual]}: read with {delimiter!r}"
        notes.append(warning(None, f"the values are separated by {_DELIMITERS[delimiter]}, {how}"))
    rows = data.count(b"\n") + (not data.endswith(b"\n")) - 1  # the header is no row
    refuse_cells(name, rows, len(header), "about ")
    try:
        frame = _parse_csv(data, name, delimiter, header)
    except _NotUtf8:
        raise refuse(name, _not_utf8(data)) from None
    keep = [i for i, c in enumerate(frame.columns) if c != "" or frame.iloc[:, i].notna().any()]
    if len(keep) < frame.shape[1]:
        frame = frame.iloc[:, keep]
        why = "a delimiter at the end of every line"
        notes.append(warning(None, f"ignored an empty column without a name ({why})"))
    return frame, delimiter, notes


def _text_sample(data: bytes, name: str) -> str:
    """The first whole lines of ``data`` as text; raises if they are not UTF-8."""
    sample = data[:SAMPLE_BYTES]
    if len(data) > SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n")]
    try:
        return sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(name, _not_utf8(data)) from None


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
                raise refuse(name, _parse_problem(str(e), bad_rows, delimiter, data)) from None
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
