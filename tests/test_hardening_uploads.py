"""Uploads that decode to far more than their size (a Parquet decompression bomb, a long text
repeated in every row, a CSV of countless cells) are refused before the table is built."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from registry.errors import ValidationInputError
from registry.validation.uploads import read_upload


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


@pytest.fixture
def small_budget(monkeypatch):
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_DECODED_MB", "4")


def test_a_parquet_bomb_is_refused_from_its_metadata(small_budget):
    rows = 2_000_000  # 2 columns of 8-byte zeros: 30.5 MB decoded from a file of a few KB
    bomb = _parquet(pa.table({"x": np.zeros(rows), "y": np.zeros(rows)}))
    assert len(bomb) < 64 * 1024
    with pytest.raises(ValidationInputError) as caught:
        read_upload(bomb, "bomb.parquet")
    message = str(caught.value)
    assert "decodes to at least 30.5 MB, over the 4.0 MB limit" in message
    assert "REGISTRY_UPLOAD_MAX_DECODED_MB" in message and "sample of the rows" in message
    assert [p.severity for p in caught.value.problems] == ["error"]


def test_a_long_text_repeated_in_every_row_is_measured_before_it_is_spelled_out(small_budget):
    rows = 100_000  # 100 characters in every row: 10.3 MB decoded, one dictionary entry stored
    text = pa.array(["z" * 100] * rows).dictionary_encode().dictionary_decode()
    bomb = _parquet(pa.table({"text": text, "y": np.arange(rows) % 2}))
    assert len(bomb) < 64 * 1024
    with pytest.raises(ValidationInputError, match=r"decodes to at least 1\d\.\d MB, over the 4"):
        read_upload(bomb, "bomb.parquet")


def test_a_parquet_table_within_the_budgets_reads_as_before(small_budget):
    frame = pd.DataFrame(
        {
            "name": ["ana", None, "bo", "ana"] * 1000,
            "tier": pd.Categorical(["a", "b", "a", "c"] * 1000),
            "blob": [b"\x00\x01", b"", None, b"x"] * 1000,
            "x": np.linspace(0, 1, 4000),
            "y": [0, 1] * 2000,
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    upload = read_upload(buffer.getvalue(), "test.parquet", target="y")
    pd.testing.assert_frame_equal(upload.frame, frame)


def test_rows_times_columns_are_capped_for_csv(monkeypatch):
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_CELLS", "299")
    csv = "a,b,y\n" + "1,2,0\n3,4,1\n" * 50
    with pytest.raises(ValidationInputError) as caught:
        read_upload(csv.encode(), "test.csv")
    assert "about 100 rows x 3 columns = 300 cells, over the limit of 299" in str(caught.value)
    assert "REGISTRY_UPLOAD_MAX_CELLS" in str(caught.value)
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_CELLS", "300")
    assert read_upload(csv.encode(), "test.csv").frame.shape == (100, 3)


def test_rows_times_columns_are_capped_for_parquet(monkeypatch):
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_CELLS", "1000")
    data = _parquet(pa.table({"x": np.zeros(501), "y": np.arange(501) % 2}))
    with pytest.raises(ValidationInputError, match=r"501 rows x 2 columns = 1,002 cells"):
        read_upload(data, "test.parquet")


def test_columns_of_lists_are_refused():
    table = pa.table({"x": pa.array([[1.0] * 1000] * 10), "y": np.arange(10) % 2})
    with pytest.raises(ValidationInputError, match="columns hold lists or records: 'x'"):
        read_upload(_parquet(table), "test.parquet")
