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

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from registry.errors import InvalidArgumentError
from registry.validation.data_checks import frame_problems, raise_for_errors
from registry.validation.records import Problem
from registry.validation.upload_csv import SAMPLE_BYTES, read_csv
from registry.validation.upload_limits import (
    CSV_FIX,
    MAX_UPLOAD_BYTES,
    refuse,
    size_text,
)
from registry.validation.upload_parquet import read_parquet

_NOT_A_TABLE = "the file is {}, not CSV or Parquet; "


_MAGIC = (
    (
        b"PK\x03\x04",
        _NOT_A_TABLE.format("a ZIP archive (an Excel .xlsx workbook is one)") + CSV_FIX,
    ),
    (
        b"\xd0\xcf\x11\xe0",
        _NOT_A_TABLE.format("an Excel .xls workbook (or another Office file)") + CSV_FIX,
    ),
    (b"\x1f\x8b", _NOT_A_TABLE.format("compressed with gzip") + "decompress it first (gunzip)"),
    (b"BZh", _NOT_A_TABLE.format("compressed with bzip2") + "decompress it first (bunzip2)"),
    (b"\xfd7zXZ\x00", _NOT_A_TABLE.format("compressed with xz") + "decompress it first (unxz)"),
    (b"%PDF", _NOT_A_TABLE.format("a PDF document") + CSV_FIX),
    (b"\x89PNG", _NOT_A_TABLE.format("a PNG image") + CSV_FIX),
    (b"\xff\xd8\xff", _NOT_A_TABLE.format("a JPEG image") + CSV_FIX),
    (b"SQLite format 3\x00", _NOT_A_TABLE.format("an SQLite database") + CSV_FIX),
    (b"ARROW1", _NOT_A_TABLE.format("an Arrow/Feather file") + "save it as Parquet"),
    (b"\xff\xfe", "the file is UTF-16 text, and uploads must be UTF-8; save it as 'CSV UTF-8'"),
    (b"\xfe\xff", "the file is UTF-16 text, and uploads must be UTF-8; save it as 'CSV UTF-8'"),
)


@dataclass(frozen=True, eq=False)
class Upload:
    """A table read from an upload: the frame, the sha256 of the bytes, the format ("csv" or
    "parquet"), the CSV delimiter, notes (warnings) on how it was read, and the bytes (what
    to hand to ``validate_model_version``, which hashes and reads them itself)."""

    frame: pd.DataFrame
    sha256: str
    file_format: str
    delimiter: str | None
    notes: tuple[Problem, ...]
    data: bytes = field(default=b"", repr=False)


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
            frame, delimiter, notes = read_parquet(data, name), None, []
        else:
            frame, delimiter, notes = read_csv(data, name)
        sha256 = digest.result()
    problems = notes + frame_problems(frame, target)
    raise_for_errors(problems, f"Cannot use {name!r}")
    file_format = "csv" if delimiter else "parquet"
    return Upload(frame, sha256, file_format, delimiter, tuple(problems), data)


def _refuse_size_and_kind(data: bytes, name: str, max_bytes: int) -> None:
    """Raise for a file over the limit, an empty one, or one that is not CSV text/Parquet."""
    if len(data) > max_bytes:
        smaller = "upload a sample of the rows, or save it as Parquet (usually much smaller)"
        raise refuse(
            name,
            f"the file is {size_text(len(data))}, over the {size_text(max_bytes)} limit; {smaller}",
        )
    if not data or data.isspace():
        fix = "export the test set again with a header row and at least 2 data rows"
        raise refuse(name, f"the file is empty; {fix}")
    if data[:4] == b"PAR1":
        if data[-4:] != b"PAR1":
            why = "the file starts like Parquet but its end is missing (an interrupted copy?)"
            raise refuse(name, f"{why}; upload the whole file")
        return
    for magic, message in _MAGIC:
        if data.startswith(magic):
            raise refuse(name, message)
    if b"\x00" in data[:SAMPLE_BYTES]:
        raise refuse(name, f"the file holds binary data, not CSV text or Parquet; {CSV_FIX}")
