"""Reading uploaded test sets: CSV and Parquet by content, and a clear refusal for each bad one."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pytest
from validation_support import SAMPLE_DATA, churn_model, wrap

from registry.errors import InvalidArgumentError, ValidationInputError
from registry.validation import engine as validation
from registry.validation import upload_csv
from registry.validation.uploads import MAX_UPLOAD_BYTES, read_table, read_upload

CHURN_BYTES = (SAMPLE_DATA / "churn_test.csv").read_bytes()
SMALL = b"a,b,y\n1,2.5,0\n3,4.5,1\n5,6.5,0\n"


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def _bad(case, data, words, filename="test.csv", max_bytes=MAX_UPLOAD_BYTES):
    return pytest.param(data, filename, max_bytes, words, id=case)


LATIN_1 = "city,y\nOslo,0\nMálaga,1\n".encode("latin-1")
LATE_LATIN_1 = b"city,y\n" + b"Oslo,0\n" * 12_000 + "Málaga,1\n".encode("latin-1")

# (file bytes, what the error says, file name, size limit)
BAD_UPLOADS = [
    _bad("empty file", b"", "the file is empty; export the test set again"),
    _bad("blank lines", b"\n \r\n", "the file is empty"),
    _bad("too big", SMALL * 40, "over the 1,000 bytes limit; upload a sample", max_bytes=1000),
    _bad("xlsx", b"PK\x03\x04" + bytes(60), "an Excel .xlsx workbook is one", "test.xlsx"),
    _bad("xls", b"\xd0\xcf\x11\xe0" + bytes(60), "an Excel .xls workbook", "test.xls"),
    _bad("gzip", b"\x1f\x8b\x08" + bytes(60), "gzip, not CSV or Parquet; decompress it"),
    _bad("binary garbage", bytes(range(256)) * 4, "binary data, not CSV text or Parquet"),
    _bad("utf-16", "a,y\n1,0\n".encode("utf-16"), "UTF-16 text, and uploads must be UTF-8"),
    _bad("cut parquet", b"PAR1" + bytes(60), "its end is missing", "test.parquet"),
    _bad("bad parquet", b"PAR1" + bytes(60) + b"PAR1", "Parquet file cannot be read"),
    _bad("latin-1", LATIN_1, "0xe1 on line 3 is not UTF-8 (in Windows-1252/Latin-1 it would be 'á"),
    _bad("late latin-1", LATE_LATIN_1, "not UTF-8 text: byte 0xe1 on line 12002"),
    _bad("one column", b"a b y\n1 2 0\n3 4 1\n", "every line is one column (the header is 'a b y"),
    _bad("ragged", b"a,b,y\n1,2,0\n3,4,1,9\n5,6,0\n", "line 3 has 4 values but the header has 3"),
    _bad("header only", b"a,b,y\n", "no data rows, only a header"),
    _bad("one row", b"a,b,y\n1,2,0\n", "only 1 data row; metrics need at least 2"),
    _bad("no target", b"a,b,z\n1,2,0\n3,4,1\n", "target column 'y' is missing"),
    _bad("empty target", b"a,b,y\n1,2,\n3,4,\n", "target column 'y' is empty in every row"),
    _bad("constant target", b"a,b,y\n1,2,1\n3,4,1\n", "target 'y' is 1 in every row"),
    _bad("repeated names", b"a,a,y\n1,2,0\n3,4,1\n", "columns appear more than once: 'a'"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "filename", "max_bytes", "words"), BAD_UPLOADS)
def test_bad_uploads_are_refused_saying_what_is_wrong(data, filename, max_bytes, words):
    with pytest.raises(ValidationInputError) as caught:
        read_table(data, filename, max_bytes, target="y")
    assert str(caught.value).startswith(f"Cannot use '{filename}': ")
    assert words in str(caught.value)
    assert any(p.severity == "error" for p in caught.value.problems)


def test_the_malformed_sample_reports_its_four_problems_delimiter_first(tmp_path):
    upload = read_upload((SAMPLE_DATA / "churn_malformed.csv").read_bytes(), "churn_malformed.csv")
    problems = [
        *upload.notes,
        *validation.check_data(wrap(tmp_path, churn_model()), upload.frame, "churned"),
    ]
    messages = [p.message for p in problems]
    assert upload.delimiter == ";" and "separated by semicolons, not commas" in messages[0]
    assert any("'support_calls' (int64) is missing" in m for m in messages)
    assert any("text in 2 rows: 'unknown' (row 4), 'seventy' (row 18)" in m for m in messages)
    assert any("'monthly_charges' is empty in 1 row (row 43)" in m for m in messages)
    assert [p.severity for p in problems] == ["warning", "error", "error", "error"]


def test_a_good_csv_reads_like_pandas_with_the_sha256_of_its_bytes():
    frame, sha256 = read_table(CHURN_BYTES, "churn_test.csv", target="churned")
    assert sha256 == hashlib.sha256(CHURN_BYTES).hexdigest()
    pd.testing.assert_frame_equal(frame, pd.read_csv(io.BytesIO(CHURN_BYTES)))


@pytest.mark.parametrize(
    ("data", "filename", "delimiter", "noted"),
    [
        (SMALL.replace(b",", b"\t"), "test.tsv", "\t", False),
        (SMALL.replace(b",", b"\t"), "test.csv", "\t", True),
        (SMALL.replace(b",", b"|"), "test.txt", "|", True),
        (b"\xef\xbb\xbf" + SMALL.replace(b"\n", b"\r\n"), "test.csv", ",", False),
        (b'a,b,y\n1,"2,5",0\n3,"4,5",1\n', "test.csv", ",", False),
    ],
    ids=["tsv", "tabs named csv", "pipes", "bom and crlf", "quoted commas"],
)
def test_delimiters_are_detected(data, filename, delimiter, noted):
    upload = read_upload(data, filename, target="y")
    assert upload.delimiter == delimiter and upload.file_format == "csv"
    assert list(upload.frame.columns) == ["a", "b", "y"] and len(upload.frame) >= 2
    assert bool(upload.notes) == noted


def test_parquet_is_read_by_content_whatever_its_name():
    frame = pd.read_csv(io.BytesIO(CHURN_BYTES))
    for name in ("test.parquet", "test.csv"):
        upload = read_upload(_parquet(frame), name, target="churned")
        assert upload.file_format == "parquet"
        pd.testing.assert_frame_equal(upload.frame, frame)


def test_a_trailing_delimiter_column_is_dropped_with_a_note():
    upload = read_upload(b"a,b,y,\n1,2,0,\n3,4,1,\n", "test.csv", target="y")
    assert list(upload.frame.columns) == ["a", "b", "y"]
    assert "without a name" in upload.notes[0].message


def test_text_late_in_a_numeric_column_is_reported_with_its_row(tmp_path):
    frame = pd.read_csv(io.BytesIO(CHURN_BYTES))
    big = pd.concat([frame] * 150, ignore_index=True).astype({"tenure_months": object})
    big.loc[170_000, "tenure_months"] = "ten"
    upload = read_upload(big.to_csv(index=False).encode(), "big.csv", target="churned")
    problems = validation.check_data(wrap(tmp_path, churn_model()), upload.frame, "churned")
    assert [p.message.split(": ", 1)[1] for p in problems] == ["'ten' (row 170001)"]


def test_numbers_stay_numbers_and_empty_cells_are_missing():
    frame, _ = read_table(b"a,b,y\n1,x,0\n,,1\n", "test.csv")
    assert frame["a"].dtype == np.float64 and np.isnan(frame["a"][1])
    assert frame["b"].isna().tolist() == [False, True]


def test_arguments_are_checked():
    with pytest.raises(InvalidArgumentError, match="bytes"):
        read_table("a,b\n1,2\n", "test.csv")  # type: ignore[arg-type]
    assert read_table(bytearray(SMALL), "test.csv")[0].shape == (3, 3)


@pytest.fixture
def small_pieces(monkeypatch):
    """Parse in pieces of 4 KB, as files over 16 MB are."""
    monkeypatch.setattr(upload_csv, "_PIECE_BYTES", 4096)


def test_pieces_read_like_one_pass(small_pieces):
    expected = pd.read_csv(io.BytesIO(CHURN_BYTES))
    pd.testing.assert_frame_equal(read_table(CHURN_BYTES, "churn.csv")[0], expected)


def test_pieces_take_late_empty_cells_and_text(small_pieces, tmp_path):
    frame = pd.read_csv(io.BytesIO(CHURN_BYTES)).astype({"tenure_months": object})
    frame["support_calls"] = frame["support_calls"].astype(float)
    frame.loc[1000, "support_calls"] = np.nan
    frame.loc[1100, "tenure_months"] = "ten"
    read, _ = read_table(frame.to_csv(index=False).encode(), "churn.csv")
    assert read["support_calls"].dtype == np.float64 and np.isnan(read["support_calls"][1000])
    assert read["tenure_months"][1100] == "ten" and read["tenure_months"][0] == "30"
    problems = validation.check_data(wrap(tmp_path, churn_model()), read, "churned")
    assert [p.column for p in problems] == ["tenure_months", "support_calls"]
    assert "'ten' (row 1101)" in problems[0].message
    assert "empty in 1 row (row 1001)" in problems[1].message


@pytest.mark.parametrize(
    ("late_line", "words"),
    [(b"1,2,3,4,5,6,7,8,9,10,11,12\n", "line 1002 has 12 values"), ("é".encode("latin-1"), "0xe9")],
)
def test_pieces_refuse_late_bad_rows(small_pieces, late_line, words):
    lines = CHURN_BYTES.splitlines(keepends=True)
    data = b"".join([*lines[:1001], late_line, *lines[1001:]])
    with pytest.raises(ValidationInputError, match=words):
        read_table(data, "churn.csv")
