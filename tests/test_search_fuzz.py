"""Search filters under hostile input: every string either raises FilterSyntaxError or compiles
to SQL that holds no user text, runs against the real schema, and changes nothing."""

from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.errors import FilterSyntaxError
from registry.search import CompiledFilter, compile_filter
from registry.store.duckdb.migrations import apply_pending

FROM = {"model": "registered_models m", "version": "model_versions v"}
# Compiled SQL is made of search.py's own words: no quotes, semicolons, dashes or user text.
SQL_ALPHABET = re.compile(r"[A-Za-z_.,()\[\]=!<>?1 ]*")
FUZZ = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
SNAPSHOT = "SELECT list(table_name ORDER BY table_name) FROM duckdb_tables()"


def snapshot(con) -> tuple:
    """Every table's name and row count."""
    names = con.execute(SNAPSHOT).fetchone()[0]
    counts = ", ".join(f"(SELECT count(*) FROM {name})" for name in names)
    return tuple(names), con.execute(f"SELECT {counts}").fetchone()


@pytest.fixture(scope="module")
def db():
    """A connection on the real schema with a few rows, and its snapshot."""
    con = duckdb.connect(":memory:")
    apply_pending(con)
    for statement in (
        (
            "INSERT INTO registered_models VALUES"
            " ('churn', 'd', 1, 2, 3, MAP {'team': 'payments'}, MAP {'champion': 1})"
        ),
        (
            "INSERT INTO model_versions (name, version, creation_timestamp,"
            " last_updated_timestamp, run_id, tags, aliases)"
            " VALUES ('churn', 1, 1, 2, 'r1', MAP {'team': 'payments'}, ['champion'])"
        ),
    ):
        con.execute(statement)
    yield con, snapshot(con)
    con.close()


def check(con, text, target: str) -> CompiledFilter | None:
    """Compile ``text``; if it compiles, check its SQL and run it. None if it was refused."""
    try:
        compiled = compile_filter(text, target)
    except FilterSyntaxError as error:
        assert error.position is None or 0 <= error.position <= len(text)
        return None
    assert isinstance(compiled, CompiledFilter)
    assert SQL_ALPHABET.fullmatch(compiled.sql), compiled.sql
    assert compiled.sql.count("?") == len(compiled.params)
    con.execute(f"SELECT count(*) FROM {FROM[target]} WHERE ({compiled.sql})", compiled.params)
    return compiled


targets = st.sampled_from(["model", "version"])
GRAMMAR = [
    "name", "tags.team", "tags.`my key`", 'tag."a.b"', "alias", "stage", "current_stage",
    "version_number", "run_id", "source_path", "description", "user_id", "timestamp",
    "creation_timestamp", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ilike", "IN", "NOT", "IS",
    "NULL", "AND", "or", "(", ")", ",", "'a'", '"b"', "'%x%'", "'production'", "'O''Brien'",
    r"'\''", "3", "-1", "1.5", "'", '"', "`", "--", ";", "/*", "\x00", "\\", "1=1",
    "DROP TABLE registered_models", "ü", "\u202e", " ",
]  # fmt: skip
junk_and_grammar = st.lists(
    st.one_of(st.sampled_from(GRAMMAR), st.text(max_size=3)), max_size=20
).map(" ".join)


def quote(value: str, mark: str = "'") -> str:
    """Quote ``value`` for a filter: backslashes escaped, quote marks doubled."""
    return mark + value.replace("\\", "\\\\").replace(mark, mark + mark) + mark


atoms = st.one_of(
    st.text(max_size=20).map(lambda v: f"name = {quote(v)}"),
    st.text(max_size=20).map(lambda v: f"tags.team != {quote(v)}"),
    st.text(max_size=20).map(lambda v: f"alias LIKE {quote(v)}"),
    st.sampled_from(["stage = 'production'", "tags.x IS NULL", "timestamp > 1", "name IN ('a')"]),
)
well_formed = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda ab: f"{ab[0]} AND {ab[1]}"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]} or {ab[1]})"),
        inner.map(lambda a: f"NOT ({a})"),
    ),
    max_leaves=6,
)


def test_arbitrary_text_is_safe(db):
    con, before = db

    @FUZZ
    @given(text=st.text(max_size=300), target=targets)
    def run(text, target):
        check(con, text, target)

    run()
    assert snapshot(con) == before


def test_grammar_mixed_with_junk_is_safe(db):
    con, before = db

    @FUZZ
    @given(text=junk_and_grammar, target=targets)
    def run(text, target):
        check(con, text, target)

    run()
    assert snapshot(con) == before


def test_well_formed_filters_compile_and_run(db):
    con, before = db

    @settings(FUZZ, max_examples=100)
    @given(text=well_formed, target=targets)
    def run(text, target):
        assert check(con, text, target) is not None

    run()
    assert snapshot(con) == before


@FUZZ
@given(value=st.text(min_size=1, max_size=100))
def test_any_quoted_value_comes_back_as_the_parameter(value):
    assert compile_filter(f"name = {quote(value)}", "version").params == [value]
    double_quoted = quote(value, '"')
    assert compile_filter(f"tags.{double_quoted} != {double_quoted}", "model").params == [value] * 2


INJECTIONS = [
    "' OR 1=1 --",
    "name = 'a' OR 1=1 --",
    "name = 'a'; DROP TABLE registered_models",
    "name = 'a' --",
    "name = 'a' /* comment */",
    "name = 'a'); DELETE FROM model_versions; --",
    "name = 'a'' OR ''1''=''1'",
    "name = 'a\\' OR 1=1 --",
    "tags.`x` = 'y') OR (1=1",
    "tags.`x = 1; DROP TABLE runs; --` = 'y'",
    'tags."k"" OR 1=1 --" = \'v\'',
    "name = 'unbalanced",
    'name = "unbalanced',
    "((((name = 'a'",
    "name = 'a')))",
    "name IN ('a', (SELECT name FROM registered_models))",
    "version_number = 1 UNION SELECT * FROM runs",
    "version_number = (1)",
    "name = 'ünïcødé 模型 🚀' AND tags.ключ = 'значение'",
    "name = 'nul\x00inside'",
    "name = 'a'\x00",
    "\x00",
    "name = 'a' OR " * 10 + "name = 'b'",
    "x" * 100_000,
    "name = '" + "a" * 100_000 + "'",
    "(" * 5_000,
    "NOT " * 2_000 + "name = 'a'",
]


@pytest.mark.parametrize("text", INJECTIONS, ids=[repr(t[:30]) for t in INJECTIONS])
@pytest.mark.parametrize("target", ["model", "version"])
def test_injection_attempts_are_safe(db, text, target):
    con, before = db
    check(con, text, target)
    assert snapshot(con) == before


@pytest.mark.parametrize("text", INJECTIONS[:6])
def test_statement_separators_and_comments_never_compile(text):
    with pytest.raises(FilterSyntaxError):
        compile_filter(text, "model")
