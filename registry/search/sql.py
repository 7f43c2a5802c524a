"""Filters and orderings compiled to parameterised SQL: user text only ever becomes ``?``
parameters; identifiers come from the tables named here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from registry.errors import FilterSyntaxError, InvalidArgumentError
from registry.search.grammar import (
    FIELDS,
    KEY_ALIASES,
    MAX_FILTER_LENGTH,
    NULL_OPS,
    BoolOp,
    Comparison,
    Not,
    Parser,
    Token,
    fail,
    show,
    tokenize,
)


@dataclass(frozen=True)
class CompiledFilter:
    """A boolean SQL expression over row alias ``m`` or ``v``, its parameters, a sentence."""

    sql: str
    params: list
    description: str


_ROW = {"model": "m", "version": "v"}
_STAGE_SOURCE = "model_versions s WHERE s.name = m.name AND NOT s.deleted"


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends' SQL for a filter: where tags and aliases live,
    and how LIKE is told that it has no escape character."""

    tag_value: str  # the tag's value (NULL when unset); {row} is the row alias
    model_aliases: str  # FROM source of a model's alias names, as a(alias)
    like_suffix: str
    # tag = value as a test a tag index answers (never NULL), its one parameter {tag: value}
    tag_equals: str | None = None


DIALECTS = {
    "duckdb": Dialect("{row}.tags[?]", "unnest(map_keys(m.aliases)) AS a(alias)", ""),
    # PostgreSQL's LIKE escapes with a backslash unless told otherwise; JSONB containment
    # uses the GIN index on tags when few rows match.
    "postgres": Dialect(
        "({row}.tags ->> ?::text)",
        "jsonb_object_keys(m.aliases) AS a(alias)",
        " ESCAPE ''",
        "{row}.tags @> ?::jsonb",
    ),
}


def _alias_source(target: str, dialect: Dialect) -> str:
    source = dialect.model_aliases if target == "model" else "unnest(v.aliases) AS a(alias)"
    return f"{source} WHERE TRUE"


def _predicate(expr: str, op: str, values: tuple, dialect: Dialect) -> tuple[str, list]:
    if op.endswith("IN"):
        return f"{expr} {op} ({', '.join(['?'] * len(values))})", list(values)
    suffix = dialect.like_suffix if op.endswith("LIKE") else ""
    return f"{expr} {op} ?{suffix}", [values[0]]


def _exists(
    source: str, expr: str, node: Comparison, params: list, dialect: Dialect
) -> tuple[str, list]:
    if node.op in NULL_OPS:
        negate = "NOT " if node.op == "IS NULL" else ""
        return f"{negate}EXISTS (SELECT 1 FROM {source})", params
    sql, values = _predicate(expr, node.op, node.values, dialect)
    return f"EXISTS (SELECT 1 FROM {source} AND {sql})", params + values


def _compile_comparison(node: Comparison, target: str, dialect: Dialect) -> tuple[str, list]:
    field = FIELDS[node.key]
    if field.kind == "tag":
        # The tag's value, NULL when unset: '!=' then means "set, to another value" (MLflow).
        if node.op == "=" and dialect.tag_equals and isinstance(node.values[0], str):
            pair = json.dumps({node.tag: node.values[0]})
            return dialect.tag_equals.format(row=_ROW[target]), [pair]
        value = dialect.tag_value.format(row=_ROW[target])
        if node.op in NULL_OPS:
            return f"{value} {node.op}", [node.tag]
        sql, params = _predicate(value, node.op, node.values, dialect)
        return f"coalesce({sql}, FALSE)", [node.tag, *params]
    if field.kind == "alias":
        return _exists(_alias_source(target, dialect), "a.alias", node, [], dialect)
    if field.kind == "stage" and target == "model":
        return _exists(_STAGE_SOURCE, "s.current_stage", node, [], dialect)
    column = f"{_ROW[target]}.{field.column}"
    if node.op in NULL_OPS:
        return f"{column} {node.op}", []
    sql, params = _predicate(column, node.op, node.values, dialect)
    # A NULL column must not make NOT(...) NULL too: keep every condition true or false.
    return (f"coalesce({sql}, FALSE)" if field.nullable else sql), params


def _compile(node, target: str, dialect: Dialect) -> tuple[str, list]:
    if isinstance(node, Not):
        sql, params = _compile(node.operand, target, dialect)
        return f"NOT ({sql})", params
    if isinstance(node, BoolOp):
        parts, params = [], []
        for child in node.operands:
            sql, child_params = _compile(child, target, dialect)
            parts.append(f"({sql})" if isinstance(child, BoolOp) else sql)
            params += child_params
        return f" {node.op} ".join(parts), params
    return _compile_comparison(node, target, dialect)


_OP_WORDS = {"IN": "is one of", "NOT IN": "is none of", "IS NULL": "is not set"}
_OP_WORDS |= {"IS NOT NULL": "is set", "NOT LIKE": "not like", "NOT ILIKE": "not like (any case)"}
_LIKE_SHAPES = {("%", "%"): "contains", ("", "%"): "starts with", ("%", ""): "ends with"}


def _quote(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "“" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in value) + "”"


def _describe_comparison(node: Comparison) -> str:
    field = FIELDS[node.key]
    label = f"tag {_quote(node.tag)[1:-1]}" if node.tag is not None else field.label
    if node.op in ("LIKE", "ILIKE"):
        shape = re.fullmatch(r"(%?)([^%_]+)(%?)", node.values[0], re.DOTALL)
        verb = _LIKE_SHAPES.get(shape.group(1, 3)) if shape else None
        text = f"{verb} {_quote(shape.group(2))}" if verb else f"like {_quote(node.values[0])}"
        return f"{label} {text}" + (" (any case)" if node.op == "ILIKE" else "")
    values = ", ".join(_quote(value) for value in node.values)
    return f"{label} {_OP_WORDS.get(node.op, node.op)} {values}".rstrip()


def _describe(node) -> str:
    if isinstance(node, Not):
        inner = _describe(node.operand)
        return f"not ({inner})" if isinstance(node.operand, BoolOp) else f"not {inner}"
    if isinstance(node, BoolOp):
        parts = [
            f"({_describe(c)})" if isinstance(c, BoolOp) else _describe(c) for c in node.operands
        ]
        return f" {node.op.lower()} ".join(parts)
    return _describe_comparison(node)


def _check_target(target: str) -> None:
    if target not in _ROW:
        raise InvalidArgumentError(f"search target must be 'model' or 'version', got {target!r}")


def _check_text(text: str) -> None:
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(
            f"Invalid filter: it is {len(text)} characters long; the limit is {MAX_FILTER_LENGTH}",
            position=MAX_FILTER_LENGTH,
        )
    if surrogate := re.search(r"[\ud800-\udfff]", text):  # DuckDB cannot encode these
        tok = Token("bad", surrogate.group(), surrogate.start())
        raise fail(tok, f"unexpected {show(tok)}")


def compile_filter(
    filter_string: str | None, target: str, dialect: str = "duckdb"
) -> CompiledFilter:
    """Compile an MLflow-style filter for ``target`` ("model" or "version") in the SQL of
    ``dialect`` ("duckdb" or "postgres").

    Returns SQL over row alias ``m`` (registered_models) or ``v`` (model_versions). Raises
    FilterSyntaxError, naming the offending token and its position, for anything else.
    """
    _check_target(target)
    sql_dialect = DIALECTS[dialect]
    if filter_string is not None and not isinstance(filter_string, str):
        raise FilterSyntaxError(f"Invalid filter: expected a string, got {type(filter_string)}")
    if filter_string is None or not filter_string.strip(" \t\r\n"):
        return CompiledFilter("TRUE", [], "all")
    _check_text(filter_string)
    node = Parser(tokenize(filter_string), target).parse()
    sql, params = _compile(node, target, sql_dialect)
    return CompiledFilter(sql, params, _describe(node))


_ORDER_KEYS = ("name", "version_number", "creation_timestamp", "last_updated_timestamp")
_TIE_BREAKERS = {"model": (("name", "ASC"),), "version": (("name", "ASC"), ("version", "DESC"))}
# MLflow's defaults when no order_by is given: models by name, versions newest change first.
_DEFAULT_ORDER = {"model": (), "version": ("last_updated_timestamp DESC",)}


def _order_error(message: str, item: str, pos: int) -> FilterSyntaxError:
    # "Invalid order_by clause" and the sentences below are MLflow's words (its tests match them)
    text = f"Invalid order_by clause {item!r}: {message}"
    return FilterSyntaxError(text, position=pos, token=item)


def _order_term(item: str, target: str) -> tuple[str, str]:
    """Return (column, direction) for one order_by item; position is relative to the item."""
    if not isinstance(item, str):
        raise FilterSyntaxError(f"Invalid order_by: items must be strings, got {type(item)}")
    words = [(m.group(), m.start()) for m in re.finditer(r"\S+", item)]
    if not words:
        raise _order_error("empty item; expected '<key> [ASC|DESC]'", item, 0)
    (key, pos), rest = words[0], words[1:]
    field = FIELDS.get(KEY_ALIASES.get(key.lower(), key.lower()))
    valid = [k for k in _ORDER_KEYS if target in FIELDS[k].targets]
    if field is None or field.key not in _ORDER_KEYS:
        mlflow = "Invalid attribute key" if target == "version" else "Invalid order by key"
        message = (
            f"{mlflow} {key!r} specified (unknown key {key!r} at position {pos}; "
            f"valid keys: {', '.join(valid)})"
        )
        raise _order_error(message, item, pos)
    if field.key not in valid:
        message = f"key {key!r} at position {pos} only orders model versions"
        raise _order_error(message, item, pos)
    if rest and rest[0][0].upper() not in ("ASC", "DESC"):
        message = f"expected ASC or DESC at position {rest[0][1]}, got {rest[0][0]!r}"
        raise _order_error(message, item, rest[0][1])
    if len(rest) > 1:
        message = f"trailing input {rest[1][0]!r} at position {rest[1][1]}"
        raise _order_error(message, item, rest[1][1])
    return field.column, rest[0][0].upper() if rest else "ASC"


def compile_order_by(order_by: list[str] | None, target: str) -> str:
    """Return the text after ORDER BY: whitelisted columns, then a deterministic tie-breaker.

    Items are "<key> [ASC|DESC]", case-insensitive; keys are name, creation_timestamp,
    last_updated_timestamp (alias timestamp) and, for versions, version_number. Unknown keys,
    duplicates or junk raise FilterSyntaxError, its position counted within the item. Without
    items, MLflow's order: models by name; versions by last_updated_timestamp DESC, then name,
    then version DESC.
    """
    _check_target(target)
    row, terms, seen = _ROW[target], [], set()
    items = [order_by] if isinstance(order_by, str) else order_by or _DEFAULT_ORDER[target]
    for item in items:
        column, direction = _order_term(item, target)
        if column in seen:
            twice = (
                f"`order_by` contains duplicate fields: key {item.split()[0]!r} is ordered twice"
            )
            raise _order_error(twice, item, 0)
        seen.add(column)
        terms.append(f"{row}.{column} {direction}")
    terms += [f"{row}.{col} {way}" for col, way in _TIE_BREAKERS[target] if col not in seen]
    return ", ".join(terms)
