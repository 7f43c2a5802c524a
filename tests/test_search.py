"""Search filters: the grammar as a table of filter -> SQL + parameters, errors, order_by, and
the compiled SQL run against the real schema."""

from __future__ import annotations

import duckdb
import pytest

from registry.errors import FilterSyntaxError, InvalidArgumentError
from registry.search import CompiledFilter, compile_filter, compile_order_by
from registry.store.duckdb.migrations import apply_pending

M_TAG = "coalesce(m.tags[?] {}, FALSE)"
V_TAG = "coalesce(v.tags[?] {}, FALSE)"
M_ALIAS = "EXISTS (SELECT 1 FROM unnest(map_keys(m.aliases)) AS a(alias) WHERE TRUE{})"
V_ALIAS = "EXISTS (SELECT 1 FROM unnest(v.aliases) AS a(alias) WHERE TRUE{})"
M_STAGE = "EXISTS (SELECT 1 FROM model_versions s WHERE s.name = m.name AND NOT s.deleted{})"

# (target, filter, expected SQL, expected parameters)
COMPILES = [
    # empty filters select everything
    ("model", None, "TRUE", []),
    ("version", "", "TRUE", []),
    ("model", "  \t\n ", "TRUE", []),
    # MLflow: name
    ("model", "name LIKE '%churn%'", "m.name LIKE ?", ["%churn%"]),
    ("model", "name ILIKE '%Churn%'", "m.name ILIKE ?", ["%Churn%"]),
    ("model", "name = 'x'", "m.name = ?", ["x"]),
    ("model", 'name = "x"', "m.name = ?", ["x"]),
    ("model", "name != 'x'", "m.name != ?", ["x"]),
    ("model", "name IN ('a', 'b')", "m.name IN (?, ?)", ["a", "b"]),
    ("model", "name NOT IN ('a')", "m.name NOT IN (?)", ["a"]),
    (
        "model",
        "name like 'a%' and name ilike '%b' AND Name in ('c')",
        "m.name LIKE ? AND m.name ILIKE ? AND m.name IN (?)",
        ["a%", "%b", "c"],
    ),
    ("version", "name='a'AND version_number=2", "v.name = ? AND v.version = ?", ["a", 2]),
    # MLflow: tags, in every spelling of the key
    ("model", "tags.team = 'payments'", M_TAG.format("= ?"), ["team", "payments"]),
    ("version", "tag.team = 'payments'", V_TAG.format("= ?"), ["team", "payments"]),
    ("version", "tags.`my key` = 'v'", V_TAG.format("= ?"), ["my key", "v"]),
    ("version", 'tags."my.key" = "v"', V_TAG.format("= ?"), ["my.key", "v"]),
    ("version", "tags.a.b = 'v'", V_TAG.format("= ?"), ["a.b", "v"]),
    ("model", "tags.team != 'x'", M_TAG.format("!= ?"), ["team", "x"]),
    ("model", "tags.team LIKE 'pay%'", M_TAG.format("LIKE ?"), ["team", "pay%"]),
    ("model", "tags.t IN ('a', 'b')", M_TAG.format("IN (?, ?)"), ["t", "a", "b"]),
    ("model", "tags.ключ = 'x'", M_TAG.format("= ?"), ["ключ", "x"]),
    ("model", "TAGS.Team = 'x'", M_TAG.format("= ?"), ["Team", "x"]),
    # MLflow: version keys
    ("version", "run_id = 'abc'", "coalesce(v.run_id = ?, FALSE)", ["abc"]),
    ("version", "run_id IN ('a', 'b')", "coalesce(v.run_id IN (?, ?), FALSE)", ["a", "b"]),
    ("version", "source_path = 's3://b/m'", "coalesce(v.source = ?, FALSE)", ["s3://b/m"]),
    ("version", "source_path LIKE 's3://%'", "coalesce(v.source LIKE ?, FALSE)", ["s3://%"]),
    ("version", "version_number = 3", "v.version = ?", [3]),
    ("version", "version_number != 3", "v.version != ?", [3]),
    ("version", "version_number < 3", "v.version < ?", [3]),
    ("version", "version_number <= 3", "v.version <= ?", [3]),
    ("version", "version_number > -1", "v.version > ?", [-1]),
    ("version", "version_number>=3", "v.version >= ?", [3]),
    ("version", "version_number IN (1, 2)", "v.version IN (?, ?)", [1, 2]),
    # OR, NOT, parentheses: NOT > AND > OR
    ("model", "name = 'a' OR name = 'b'", "m.name = ? OR m.name = ?", ["a", "b"]),
    (
        "model",
        "name = 'a' or name = 'b' and name = 'c'",
        "m.name = ? OR (m.name = ? AND m.name = ?)",
        ["a", "b", "c"],
    ),
    (
        "model",
        "(name = 'a' OR name = 'b') AND name = 'c'",
        "(m.name = ? OR m.name = ?) AND m.name = ?",
        ["a", "b", "c"],
    ),
    ("model", "NOT name = 'a' AND name = 'b'", "NOT (m.name = ?) AND m.name = ?", ["a", "b"]),
    ("model", "NOT (name = 'a' OR name = 'b')", "NOT (m.name = ? OR m.name = ?)", ["a", "b"]),
    ("model", "not not name = 'a'", "NOT (NOT (m.name = ?))", ["a"]),
    ("model", "((name = 'a'))", "m.name = ?", ["a"]),
    ("model", "name NOT LIKE 'a%'", "m.name NOT LIKE ?", ["a%"]),
    ("model", "name NOT ILIKE 'a%'", "m.name NOT ILIKE ?", ["a%"]),
    # stages, normalised to their canonical spelling
    ("version", "current_stage = 'production'", "v.current_stage = ?", ["Production"]),
    (
        "version",
        "stage IN ('staging', 'PRODUCTION')",
        "v.current_stage IN (?, ?)",
        ["Staging", "Production"],
    ),
    ("version", "stage != 'none'", "v.current_stage != ?", ["None"]),
    ("version", "stage LIKE 'prod%'", "v.current_stage LIKE ?", ["prod%"]),
    (
        "model",
        "current_stage = 'Production'",
        M_STAGE.format(" AND s.current_stage = ?"),
        ["Production"],
    ),
    (
        "model",
        "stage NOT IN ('archived')",
        M_STAGE.format(" AND s.current_stage NOT IN (?)"),
        ["Archived"],
    ),
    # aliases
    ("model", "alias = 'champion'", M_ALIAS.format(" AND a.alias = ?"), ["champion"]),
    ("version", "alias = 'champion'", V_ALIAS.format(" AND a.alias = ?"), ["champion"]),
    ("version", "alias != 'champion'", V_ALIAS.format(" AND a.alias != ?"), ["champion"]),
    # other keys
    ("model", "description LIKE '%x%'", "coalesce(m.description LIKE ?, FALSE)", ["%x%"]),
    ("version", "user_id = 'ana'", "coalesce(v.user_id = ?, FALSE)", ["ana"]),
    ("model", "creation_timestamp >= 1700000000000", "m.creation_timestamp >= ?", [1700000000000]),
    ("model", "timestamp < 5", "m.last_updated_timestamp < ?", [5]),
    ("version", "last_updated_timestamp IN (1, 2)", "v.last_updated_timestamp IN (?, ?)", [1, 2]),
    ("version", "version_number = 9223372036854775807", "v.version = ?", [2**63 - 1]),
    # IS [NOT] NULL
    ("model", "tags.team IS NULL", "m.tags[?] IS NULL", ["team"]),
    ("model", "tags.team is not null", "m.tags[?] IS NOT NULL", ["team"]),
    ("version", "alias IS NULL", "NOT " + V_ALIAS.format(""), []),
    ("version", "description IS NULL", "v.description IS NULL", []),
    ("version", "run_id IS NOT NULL", "v.run_id IS NOT NULL", []),
    # quoting: doubled quotes, backslash escapes, everything else verbatim
    ("model", "name = 'O''Brien'", "m.name = ?", ["O'Brien"]),
    ("model", r"name = 'O\'Brien'", "m.name = ?", ["O'Brien"]),
    ("model", 'name = "say ""hi"""', "m.name = ?", ['say "hi"']),
    ("model", r'name = "say \"hi\""', "m.name = ?", ['say "hi"']),
    ("model", "name = 'a\"b'", "m.name = ?", ['a"b']),
    ("model", r"name = 'a\\b'", "m.name = ?", ["a\\b"]),
    ("model", r"name LIKE '100\%'", "m.name LIKE ?", ["100\\%"]),
    ("model", "name = 'модель-ü 模型 🚀'", "m.name = ?", ["модель-ü 模型 🚀"]),
    ("model", "name = 'tab\there\nnul\x00'", "m.name = ?", ["tab\there\nnul\x00"]),
    ("model", "name = ''", "m.name = ?", [""]),
    # SQL in a value is just a value
    ("model", "name = 'a'' OR 1=1 --'", "m.name = ?", ["a' OR 1=1 --"]),
    (
        "model",
        "name = 'a; DROP TABLE registered_models'",
        "m.name = ?",
        ["a; DROP TABLE registered_models"],
    ),
]


@pytest.mark.parametrize(
    ("target", "filter_string", "sql", "params"),
    COMPILES,
    ids=[f"{c[0]}: {c[1]}" for c in COMPILES],
)
def test_compile_filter(target, filter_string, sql, params):
    compiled = compile_filter(filter_string, target)
    assert (compiled.sql, compiled.params) == (sql, params)
    assert [type(p) for p in compiled.params] == [type(p) for p in params]


DESCRIPTIONS = [
    ("model", None, "all"),
    (
        "model",
        "name LIKE '%churn%' AND tags.team = 'payments'",
        "name contains “churn” and tag team = “payments”",
    ),
    (
        "model",
        "name LIKE 'ch%' OR name ILIKE '%RN'",
        "name starts with “ch” or name ends with “RN” (any case)",
    ),
    ("model", "name LIKE 'c_urn'", "name like “c_urn”"),
    (
        "version",
        "NOT (stage = 'production' OR alias = 'x') AND version_number >= 2",
        "not (stage = “Production” or alias = “x”) and version >= 2",
    ),
    (
        "version",
        "run_id IN ('a', 'b') AND tags.`my key` IS NULL",
        "run id is one of “a”, “b” and tag my key is not set",
    ),
    ("version", "name = 'a\nb'", "name = “a\\nb”"),
]


@pytest.mark.parametrize(("target", "filter_string", "description"), DESCRIPTIONS)
def test_description(target, filter_string, description):
    assert compile_filter(filter_string, target).description == description


# (target, filter, fragment of the message, position of the offending token)
ERRORS = [
    ("model", "foo = 'x'", "unknown key 'foo' at position 0; valid keys: name, description", 0),
    ("model", "name = 'a' OR OR name = 'b'", "unexpected 'OR' at position 14", 14),
    (
        "model",
        "name = x",
        "expected a quoted string after '=' for key 'name' at position 7, got 'x'",
        7,
    ),
    ("model", "name = 'abc", "unterminated string starting at position 7", 7),
    ("model", 'name = "abc', "unterminated string starting at position 7", 7),
    ("model", "tags.`abc = 'x'", "unterminated backquoted key starting at position 5", 5),
    ("model", "name = 'a'; DROP TABLE registered_models", "unexpected ';' at position 10", 10),
    ("model", "name = 'a' -- comment", "unexpected '--' at position 11; comments are not", 11),
    ("model", "' OR 1=1 --", "unterminated string starting at position 0", 0),
    ("model", "name = 'a' OR 1=1", "unexpected '1' at position 14; expected a key", 14),
    ("model", "name = 'a' name = 'b'", "trailing input 'name' at position 11", 11),
    ("model", "name = 'a')", "unmatched ')' at position 10", 10),
    (
        "model",
        "(name = 'a'",
        "expected ')' to close the '(' at 0, got end of input at position 11",
        11,
    ),
    ("model", "name = 'a' AND", "unexpected end of input at position 14", 14),
    ("model", "AND name = 'a'", "unexpected 'AND' at position 0", 0),
    ("model", "name", "unexpected end of input at position 4", 4),
    ("model", "name 'a'", "unexpected \"'a'\" at position 5; key 'name' takes =, !=, LIKE", 5),
    ("model", "name > 'a'", "unexpected '>' at position 5", 5),
    ("model", "name == 'a'", "expected a quoted string after '=' for key 'name' at position 6", 6),
    ("model", "name IN 'a'", "expected '(' after 'IN', got \"'a'\" at position 8", 8),
    ("model", "name IN ()", "expected a quoted string after 'IN' for key 'name' at position 9", 9),
    (
        "model",
        "name IN ('a' 'b')",
        "expected ',' or ')' in the IN list, got \"'b'\" at position 13",
        13,
    ),
    ("model", "name NOT = 'a'", "unexpected 'NOT' at position 5", 5),
    (
        "model",
        "run_id = 'x'",
        "key 'run_id' at position 0 is only valid when searching model versions",
        0,
    ),
    ("model", "version_number = 1", "key 'version_number' at position 0 is only valid", 0),
    ("model", "name.x = 'a'", "unknown key 'name.x' at position 0", 0),
    ("model", "tags = 'x'", "expected a tag key after 'tags' at position 0", 0),
    ("model", "tags.`` = 'x'", "expected a tag key after 'tags' at position 0", 0),
    ("model", "tags .a = 'x'", "expected a tag key after 'tags' at position 0", 0),
    (
        "version",
        "stage = 'prod'",
        "unknown stage 'prod' at position 8; valid: None, Staging, Production, Archived",
        8,
    ),
    ("version", "stage IN ('Staging', 'live')", "unknown stage 'live' at position 21", 21),
    (
        "version",
        "version_number = '3'",
        "expected an integer after '=' for key 'version_number' at position 17, got \"'3'\"",
        17,
    ),
    ("version", "version_number = 3.5", "expected an integer after '='", 17),
    ("version", "version_number = 1e3", "expected an integer after '='", 17),
    (
        "version",
        "version_number LIKE '3'",
        "unexpected 'LIKE' at position 15; key 'version_number' takes =, !=, <",
        15,
    ),
    (
        "version",
        "version_number > 9223372036854775808",
        "integer 9223372036854775808 out of range at position 17",
        17,
    ),
    ("version", "version_number > --1", "unexpected '--' at position 17", 17),
    ("version", "name IS NULL", "unexpected 'IS' at position 5", 5),
    ("version", "description IS 'x'", "expected NULL after 'IS' at position 12", 12),
    (
        "version",
        "name = `a`",
        "expected a quoted string after '=' for key 'name' at position 7, got '`a`'",
        7,
    ),
    ("model", "name = 'a' \x00", "unexpected '\\x00' at position 11", 11),
    ("model", "naïve = 'x'", "unknown key 'naïve' at position 0", 0),
    ("model", "name\x01= 'x'", "unexpected '\\x01' at position 4", 4),
    ("model", "name = 'a'\x0bOR name = 'b'", "unexpected '\\x0b' at position 10", 10),
    ("model", "name = '\ud800'", "unexpected '\\ud800' at position 8", 8),
    ("model", "NOT " * 60 + "name = 'a'", "nesting too deep at position 200 (limit 50)", 200),
    ("model", "(" * 60 + "name = 'a'" + ")" * 60, "nesting too deep at position 50", 50),
    ("model", " OR ".join(["name = 'a'"] * 51), "too many conditions (limit 50)", 700),
    ("model", "x" * 10_001, "it is 10001 characters long; the limit is 10000", 10_000),
]


@pytest.mark.parametrize(
    ("target", "filter_string", "fragment", "position"), ERRORS, ids=[e[1][:40] for e in ERRORS]
)
def test_filter_errors(target, filter_string, fragment, position):
    with pytest.raises(FilterSyntaxError) as caught:
        compile_filter(filter_string, target)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("Invalid filter: ")
    assert caught.value.position == position


# MLflow's parser's words for the same refusal, after the project's sentence with the position.
MLFLOW_WORDS = [
    ("version", "run_id IN (1, 2)", "got '1'. While parsing a list in the query, expected string"),
    ("version", "run_id IN ()", "got ')'. While parsing a list in the query, expected a non-empty"),
    ("version", "run_id IN ('a',,'b')", "position 15, got ','. While parsing a list in the query"),
    ("model", "name != x", "got 'x'. Parameter value is either not quoted or unidentified"),
    ("model", "run_id = 'x'", "model versions. Invalid attribute key 'run_id' specified."),
    ("model", "evilhax = true", "tags.<key>. Invalid clause(s) in filter string."),
    ("model", "name = 'a' OR OR", "position 14; expected a key such as name or tags.x. Invalid"),
    ("model", "name = 'a'; x", "one expression only. Invalid clause(s) in filter string."),
]


@pytest.mark.parametrize(("target", "filter_string", "fragment"), MLFLOW_WORDS)
def test_filter_errors_also_say_mlflows_words(target, filter_string, fragment):
    with pytest.raises(FilterSyntaxError) as caught:
        compile_filter(filter_string, target)
    assert fragment in str(caught.value) and str(caught.value).startswith("Invalid filter: ")


def test_error_carries_the_offending_token():
    with pytest.raises(FilterSyntaxError) as caught:
        compile_filter("name = 'a' OR OR", "model")
    assert (caught.value.position, caught.value.token) == (14, "OR")


def test_bad_arguments():
    with pytest.raises(FilterSyntaxError, match="expected a string"):
        compile_filter(42, "model")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="'model' or 'version'"):
        compile_filter("name = 'a'", "run")
    with pytest.raises(InvalidArgumentError, match="'model' or 'version'"):
        compile_order_by(None, "models")


def test_compiled_filter_is_frozen():
    compiled = compile_filter("name = 'a'", "model")
    assert isinstance(compiled, CompiledFilter)
    with pytest.raises(AttributeError):
        compiled.sql = "TRUE"  # type: ignore[misc]


ORDERS = [
    ("model", None, "m.name ASC"),
    ("model", [], "m.name ASC"),
    # MLflow's default for versions: the newest change first, then name, then version DESC.
    ("version", None, "v.last_updated_timestamp DESC, v.name ASC, v.version DESC"),
    ("version", [], "v.last_updated_timestamp DESC, v.name ASC, v.version DESC"),
    ("model", ["name"], "m.name ASC"),
    ("model", ["name DESC"], "m.name DESC"),
    ("model", "name DESC", "m.name DESC"),
    ("model", ["last_updated_timestamp DESC"], "m.last_updated_timestamp DESC, m.name ASC"),
    ("model", ["timestamp desc"], "m.last_updated_timestamp DESC, m.name ASC"),
    ("model", ["creation_timestamp Asc"], "m.creation_timestamp ASC, m.name ASC"),
    ("version", ["version_number DESC"], "v.version DESC, v.name ASC"),
    ("version", ["version_number ASC", "name DESC"], "v.version ASC, v.name DESC"),
    (
        "version",
        ["creation_timestamp", "name"],
        "v.creation_timestamp ASC, v.name ASC, v.version DESC",
    ),
    ("version", ["  name \t DESC  "], "v.name DESC, v.version DESC"),
]


@pytest.mark.parametrize(("target", "order_by", "sql"), ORDERS)
def test_compile_order_by(target, order_by, sql):
    assert compile_order_by(order_by, target) == sql


ORDER_ERRORS = [
    ("model", ["foo"], "unknown key 'foo' at position 0; valid keys: name, creation_timestamp", 0),
    (
        "model",
        ["version_number"],
        "key 'version_number' at position 0 only orders model versions",
        0,
    ),
    ("model", ["name DOWN"], "expected ASC or DESC at position 5, got 'DOWN'", 5),
    ("model", ["name ASC; DROP TABLE x"], "expected ASC or DESC at position 5, got 'ASC;'", 5),
    ("model", ["name DESC extra"], "trailing input 'extra' at position 10", 10),
    ("model", ["name;--"], "unknown key 'name;--'", 0),
    ("model", [" "], "empty item", 0),
    ("version", ["name", "name DESC"], "key 'name' is ordered twice", 0),
    ("version", ["timestamp", "last_updated_timestamp"], "is ordered twice", 0),
    ("version", ["current_stage"], "unknown key 'current_stage'", 0),
]


@pytest.mark.parametrize(("target", "order_by", "fragment", "position"), ORDER_ERRORS)
def test_order_by_errors(target, order_by, fragment, position):
    with pytest.raises(FilterSyntaxError) as caught:
        compile_order_by(order_by, target)
    assert fragment in str(caught.value)
    assert caught.value.position == position


def test_order_by_items_must_be_strings():
    with pytest.raises(FilterSyntaxError, match="items must be strings"):
        compile_order_by([3], "model")  # type: ignore[list-item]


# --- the compiled SQL against the real schema --------------------------------------------

MODELS = [  # name, description, created, updated
    ("churn", "predicts churn", 100, 500),
    ("fraud", None, 200, 400),
    ("legacy", "old churn model", 50, 60),
    ("empty", "", 300, 300),
]
MODEL_TAGS = [
    ("churn", "team", "payments"),
    ("fraud", "team", "risk"),
    ("fraud", "priority", "high"),
]
VERSIONS = [  # name, version, created, updated, description, user, stage, source, run, deleted
    ("churn", 1, 100, 110, None, "ana", "Archived", "s3://m/churn/1", "r1", False),
    ("churn", 2, 120, 130, "better", "ben", "Production", "s3://m/churn/2", "r2", False),
    ("churn", 3, 140, 150, None, "ana", "Staging", "file:///tmp/churn", "r3", True),
    ("fraud", 1, 200, 210, "first", "ben", "Staging", "s3://m/fraud/1", None, False),
    ("fraud", 2, 220, 230, None, None, "None", "s3://m/fraud/2", "r5", False),
    ("legacy", 1, 50, 55, None, "ana", "Production", "s3://m/legacy/1", "r6", True),
]
VERSION_TAGS = [
    ("churn", 1, "validated", "false"),
    ("churn", 2, "validated", "true"),
    ("churn", 3, "validated", "true"),
    ("fraud", 1, "validated", "true"),
    ("fraud", 1, "my key", "x"),
]
ALIASES = [("churn", "champion", 2), ("churn", "old", 1), ("fraud", "candidate", 1)]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(":memory:")
    apply_pending(con)
    con.executemany(
        "INSERT INTO registered_models (name, description, creation_timestamp,"
        " last_updated_timestamp) VALUES (?, ?, ?, ?)",
        MODELS,
    )
    con.executemany(
        "INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp,"
        " description, user_id, current_stage, source, run_id, deleted)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        VERSIONS,
    )
    for name, key, value in MODEL_TAGS:
        con.execute(
            "UPDATE registered_models SET tags = map_concat(tags, map([?], [?])) WHERE name = ?",
            [key, value, name],
        )
    for name, version, key, value in VERSION_TAGS:
        con.execute(
            "UPDATE model_versions SET tags = map_concat(tags, map([?], [?]))"
            " WHERE name = ? AND version = ?",
            [key, value, name, version],
        )
    for name, alias, version in ALIASES:
        con.execute(
            "UPDATE registered_models SET aliases = map_concat(aliases, map([?], [?]))"
            " WHERE name = ?",
            [alias, version, name],
        )
        con.execute(
            "UPDATE model_versions SET aliases = list_append(aliases, ?)"
            " WHERE name = ? AND version = ?",
            [alias, name, version],
        )
    yield con
    con.close()


def search_models(con, filter_string: str | None) -> list[str]:
    where = compile_filter(filter_string, "model")
    order = compile_order_by(None, "model")
    sql = f"SELECT m.name FROM registered_models m WHERE ({where.sql}) ORDER BY {order}"
    return [row[0] for row in con.execute(sql, where.params).fetchall()]


def search_versions(con, filter_string: str | None) -> list[str]:
    where = compile_filter(filter_string, "version")
    order = compile_order_by(["name", "version_number DESC"], "version")
    sql = (
        "SELECT v.name, v.version FROM model_versions v"
        f" WHERE NOT v.deleted AND ({where.sql}) ORDER BY {order}"
    )
    return [f"{name}/{version}" for name, version in con.execute(sql, where.params).fetchall()]


MODEL_SEARCHES = [
    (None, ["churn", "empty", "fraud", "legacy"]),
    ("name LIKE '%ur%'", ["churn"]),
    ("name ILIKE 'CH%'", ["churn"]),
    ("name = 'fraud' OR name = 'legacy'", ["fraud", "legacy"]),
    ("tags.team = 'payments'", ["churn"]),
    ("tags.team != 'payments'", ["fraud"]),
    ("NOT tags.team = 'payments'", ["empty", "fraud", "legacy"]),
    ("tags.team IS NULL", ["empty", "legacy"]),
    ("current_stage = 'production'", ["churn"]),
    ("stage = 'staging' OR alias = 'champion'", ["churn", "fraud"]),
    ("alias = 'champion'", ["churn"]),
    ("alias IS NULL", ["empty", "legacy"]),
    ("description LIKE '%churn%'", ["churn", "legacy"]),
    ("NOT description LIKE '%churn%'", ["empty", "fraud"]),
    ("description != 'predicts churn'", ["empty", "legacy"]),
    ("description IS NULL", ["fraud"]),
    ("creation_timestamp >= 200", ["empty", "fraud"]),
    ("timestamp < 100", ["legacy"]),
    ("NOT (name = 'churn' OR name = 'fraud') AND creation_timestamp > 100", ["empty"]),
    ("(name = 'churn' OR name = 'fraud') AND NOT tags.priority = 'high'", ["churn"]),
    ("name IN ('churn', 'nope') OR tags.`priority` = 'high'", ["churn", "fraud"]),
    ("name = 'a'' OR ''1''=''1'", []),
]


@pytest.mark.parametrize(("filter_string", "names"), MODEL_SEARCHES)
def test_model_search_selects(con, filter_string, names):
    assert search_models(con, filter_string) == names


VERSION_SEARCHES = [
    (None, ["churn/2", "churn/1", "fraud/2", "fraud/1"]),
    ("name = 'churn'", ["churn/2", "churn/1"]),
    ("version_number > 1", ["churn/2", "fraud/2"]),
    ("version_number IN (1)", ["churn/1", "fraud/1"]),
    ("current_stage = 'production'", ["churn/2"]),
    ("stage != 'None'", ["churn/2", "churn/1", "fraud/1"]),
    ("tags.validated = 'true'", ["churn/2", "fraud/1"]),
    ("tags.validated != 'true'", ["churn/1"]),
    ("NOT tags.validated = 'true'", ["churn/1", "fraud/2"]),
    ("tags.`my key` = 'x'", ["fraud/1"]),
    ("alias = 'champion'", ["churn/2"]),
    ("alias != 'champion'", ["churn/1", "fraud/1"]),
    ("alias IS NULL", ["fraud/2"]),
    ("run_id IN ('r1', 'r5')", ["churn/1", "fraud/2"]),
    ("run_id IS NULL", ["fraud/1"]),
    ("run_id != 'r1'", ["churn/2", "fraud/2"]),
    ("NOT run_id = 'r1'", ["churn/2", "fraud/2", "fraud/1"]),
    ("source_path LIKE 's3://m/fraud/%'", ["fraud/2", "fraud/1"]),
    ("user_id = 'ana'", ["churn/1"]),
    ("description IS NOT NULL", ["churn/2", "fraud/1"]),
    (
        "(name = 'churn' AND version_number = 1) OR (name = 'fraud' AND stage = 'staging')",
        ["churn/1", "fraud/1"],
    ),
    ("name = 'churn' AND NOT (alias = 'champion' OR stage = 'archived')", []),
    ("creation_timestamp >= 120 AND last_updated_timestamp <= 210", ["churn/2", "fraud/1"]),
]


@pytest.mark.parametrize(("filter_string", "versions"), VERSION_SEARCHES)
def test_version_search_selects(con, filter_string, versions):
    assert search_versions(con, filter_string) == versions


def test_order_by_runs(con):
    order = compile_order_by(["timestamp DESC"], "model")
    names = con.execute(f"SELECT m.name FROM registered_models m ORDER BY {order}").fetchall()
    assert [row[0] for row in names] == ["churn", "fraud", "empty", "legacy"]
