"""Search filters: MLflow-style filter strings compiled to parameterised DuckDB SQL.

Grammar (keywords are case-insensitive; NOT binds tighter than AND, AND tighter than OR)::

    filter     := or_expr | <empty>
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | "(" or_expr ")" | comparison
    comparison := key op value
                | key ["NOT"] "IN" "(" value ("," value)* ")"
                | key "IS" ["NOT"] "NULL"
    op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | ["NOT"] "LIKE" | ["NOT"] "ILIKE"
    key        := name | tags.<key> | tag.<key> | tags.`any key` | tags."any key"

Text keys (name, description, run_id, source_path, user_id, current_stage, alias, tags.<k>)
take quoted strings with =, !=, [NOT] LIKE, [NOT] ILIKE, [NOT] IN. Integer keys
(version_number, creation_timestamp, last_updated_timestamp) take unquoted integers with =, !=,
<, <=, >, >=, [NOT] IN. ``stage`` and ``timestamp`` are aliases of ``current_stage`` and
``last_updated_timestamp``. ``IS [NOT] NULL`` works on tags (is the tag set), alias (does any
alias point here) and the optional keys description, run_id, source_path and user_id. Models
have no version_number, run_id, source_path or user_id. Keys are case-insensitive, tag keys not.

Quoting: values go in '...' or "...". A quote inside is written doubled ('O''Brien') or
backslash-escaped ('O\\'Brien'); two backslashes are one backslash; any other backslash is kept
as it is. LIKE patterns have no escape character: % and _ are always wildcards. A backquoted
tag key cannot contain a backquote.

Semantics: as in MLflow, ``tags.k != 'x'`` (and NOT IN, NOT LIKE) means "tag k exists with
another value"; likewise for alias and a model's current_stage ("the model has a live version
whose stage ..."), and a NULL optional column never satisfies a comparison. ``NOT`` is the
exact complement, so ``NOT tags.k = 'x'`` also selects rows without the tag. Stage names are
matched case-insensitively and stored canonical: None, Staging, Production, Archived.

User text never becomes SQL text: values are ``?`` parameters, identifiers come from tables here.
Errors are FilterSyntaxError("Invalid filter: <what> at position <n>...") with ``position`` and
``token`` set. Limits: MAX_FILTER_LENGTH characters, MAX_DEPTH nested NOTs and parentheses,
MAX_CONDITIONS comparisons (DuckDB plans many EXISTS subqueries slowly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.errors import FilterSyntaxError, InvalidArgumentError

MAX_FILTER_LENGTH = 10_000
MAX_DEPTH = 50  # nesting of NOT and parentheses
MAX_CONDITIONS = 50  # planning time grows steeply with the number of EXISTS subqueries
STAGES = ("None", "Staging", "Production", "Archived")
_STAGE_NAMES = {stage.lower(): stage for stage in STAGES}
_INT64 = 2**63


@dataclass(frozen=True)
class CompiledFilter:
    """A boolean SQL expression over row alias ``m`` or ``v``, its parameters, a sentence."""

    sql: str
    params: list
    description: str


@dataclass(frozen=True)
class _Field:
    key: str  # canonical filter key
    kind: str  # "text", "int", "stage", "alias" or "tag"
    column: str  # column of the searched table ("" when the value lives in another table)
    targets: tuple[str, ...]
    label: str  # how descriptions name it
    nullable: bool = False


_BOTH = ("model", "version")
_FIELDS = {
    field.key: field
    for field in (
        _Field("name", "text", "name", _BOTH, "name"),
        _Field("description", "text", "description", _BOTH, "description", nullable=True),
        _Field("creation_timestamp", "int", "creation_timestamp", _BOTH, "created"),
        _Field("last_updated_timestamp", "int", "last_updated_timestamp", _BOTH, "last updated"),
        _Field("version_number", "int", "version", ("version",), "version"),
        _Field("run_id", "text", "run_id", ("version",), "run id", nullable=True),
        _Field("source_path", "text", "source", ("version",), "source", nullable=True),
        _Field("user_id", "text", "user_id", ("version",), "user", nullable=True),
        _Field("current_stage", "stage", "current_stage", _BOTH, "stage"),
        _Field("alias", "alias", "", _BOTH, "alias"),
        _Field("tags", "tag", "", _BOTH, "tag"),
    )
}
_KEY_ALIASES = {"stage": "current_stage", "timestamp": "last_updated_timestamp", "tag": "tags"}
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"}
_INT_OPS = ("=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN")
_TEXT_OPS = ("=", "!=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN")
_NULL_OPS = ("IS NULL", "IS NOT NULL")


def _valid_keys(target: str) -> str:
    keys = [key for key, field in _FIELDS.items() if target in field.targets]
    return ", ".join("tags.<key>" if key == "tags" else key for key in keys)


@dataclass(frozen=True)
class _Token:
    kind: str  # str, bq (backquoted), num, word, op, punct, open (unterminated), bad or end
    text: str
    pos: int
    value: str = ""  # unquoted string or key, ASCII word in upper case, or error message


_SCANNER = re.compile(
    r"""
      (?P<ws>[ \t\r\n]+)
    | (?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
    | (?P<bq>`[^`]*`)
    | (?P<open>['"`])
    | (?P<num>-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
    | (?P<word>[^\W\d]\w*(?:\.\w+)*)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),.])
    | (?P<bad>--|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNESCAPE = {q: re.compile(r"\\(['\"\\])|" + q + q) for q in "'\""}


def _unquote(text: str) -> str:
    quote, body = text[0], text[1:-1]
    return _UNESCAPE[quote].sub(lambda m: m.group(1) or quote, body)


_BAD_HINTS = {"--": "; comments are not part of the filter grammar", ";": "; one expression only"}


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _SCANNER.finditer(text):
        kind, raw, pos = match.lastgroup or "bad", match.group(), match.start()
        if kind == "ws":
            continue
        if kind == "open":
            what = "backquoted key" if raw == "`" else "string"
            tokens.append(_Token("open", raw, pos, f"unterminated {what} starting"))
            break
        if kind == "str":
            value = _unquote(raw)
        elif kind == "bq":
            value = raw[1:-1]
        else:
            value = raw.upper() if kind == "word" and raw.isascii() else raw
        tokens.append(_Token(kind, raw, pos, value))
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _show(tok: _Token) -> str:
    if tok.kind == "end":
        return "end of input"
    return repr(tok.text if len(tok.text) <= 40 else tok.text[:40] + "…")


def _fail(tok: _Token, what: str, rest: str = "") -> FilterSyntaxError:
    """The error for ``tok``: "Invalid filter: <what> at position <n><rest>"."""
    message = f"Invalid filter: {what} at position {tok.pos}{rest}"
    return FilterSyntaxError(message, position=tok.pos, token=tok.text)


@dataclass(frozen=True)
class _Comparison:
    key: str
    tag: str | None
    op: str
    values: tuple


@dataclass(frozen=True)
class _Not:
    operand: object


@dataclass(frozen=True)
class _BoolOp:
    op: str  # "AND" or "OR"
    operands: tuple


class _Parser:
    """Recursive descent over the token list; validates keys, operators and values."""

    def __init__(self, tokens: list[_Token], target: str):
        self.tokens, self.target, self.i, self.depth, self.conditions = tokens, target, 0, 0, 0

    def peek(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind == "open":
            raise _fail(tok, tok.value)
        if tok.kind == "bad":
            raise _fail(tok, f"unexpected {_show(tok)}", _BAD_HINTS.get(tok.text, ""))
        return tok

    def take(self) -> _Token:
        tok = self.peek()
        self.i += tok.kind != "end"  # stay on the end token
        return tok

    def accept(self, kind: str, text: str) -> bool:
        """Consume the next token if it is ``text`` (a keyword, any case, or punctuation)."""
        tok = self.peek()
        found = tok.kind == kind and tok.value == text
        self.i += found
        return found

    def parse(self):
        node = self.or_expr()
        tok = self.peek()
        if tok.text == ")":
            raise _fail(tok, "unmatched ')'")
        if tok.kind != "end":
            raise _fail(tok, f"trailing input {_show(tok)}", "; expected AND, OR or the end")
        return node

    def or_expr(self):
        return self.chain("OR", self.and_expr)

    def and_expr(self):
        return self.chain("AND", self.not_expr)

    def chain(self, op: str, operand):
        operands = [operand()]
        while self.accept("word", op):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else _BoolOp(op, tuple(operands))

    def not_expr(self):
        tok = self.peek()
        if self.depth >= MAX_DEPTH:
            raise _fail(tok, "nesting too deep", f" (limit {MAX_DEPTH})")
        self.depth += 1
        try:
            if self.accept("word", "NOT"):
                return _Not(self.not_expr())
            if self.accept("punct", "("):
                node = self.or_expr()
                if not self.accept("punct", ")"):
                    end = self.peek()
                    raise _fail(
                        end, f"expected ')' to close the '(' at {tok.pos}, got {_show(end)}"
                    )
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> _Comparison:
        field, tag, key_tok = self.key()
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise _fail(key_tok, f"too many conditions (limit {MAX_CONDITIONS}); use IN lists")
        op = self.operator(field, key_tok)
        if op in _NULL_OPS:
            return _Comparison(field.key, tag, op, ())
        values = self.value_list(field, op, key_tok) if op.endswith("IN") else None
        return _Comparison(field.key, tag, op, values or (self.value(field, op, key_tok),))

    def key(self) -> tuple[_Field, str | None, _Token]:
        tok = self.take()
        if tok.kind != "word" or tok.value in _KEYWORDS:
            raise _fail(tok, f"unexpected {_show(tok)}", "; expected a key such as name or tags.x")
        prefix, dot, rest = tok.text.partition(".")
        name = prefix.lower() if prefix.isascii() else prefix
        field = _FIELDS.get(_KEY_ALIASES.get(name, name))
        if field is None or (dot and field.kind != "tag"):
            raise _fail(
                tok, f"unknown key {tok.text!r}", f"; valid keys: {_valid_keys(self.target)}"
            )
        if self.target not in field.targets:
            raise _fail(tok, f"key {tok.text!r}", " is only valid when searching model versions")
        if field.kind != "tag" or rest:
            return field, rest or None, tok
        return field, self.quoted_tag_key(tok), tok

    def quoted_tag_key(self, prefix: _Token) -> str:
        end = prefix.pos + len(prefix.text)
        if self.peek().text == "." and self.peek().pos == end:
            self.i += 1
            key = self.peek()
            if key.kind in ("bq", "str") and key.pos == end + 1 and key.value:
                self.i += 1
                return key.value
        raise _fail(prefix, f"expected a tag key after {prefix.text!r}", ", e.g. tags.`my key`")

    def operator(self, field: _Field, key_tok: _Token) -> str:
        tok = self.take()
        word = tok.value if tok.kind == "word" else ""
        op = tok.text if tok.kind == "op" else word
        if word == "NOT":
            nxt = self.take()
            op = "NOT " + nxt.value if nxt.kind == "word" else ""
        elif word == "IS":
            op = "IS NOT NULL" if self.accept("word", "NOT") else "IS NULL"
            if not self.accept("word", "NULL"):
                raise _fail(tok, f"expected NULL after {tok.text!r}")
        allowed = _INT_OPS if field.kind == "int" else _TEXT_OPS
        if field.kind in ("tag", "alias") or field.nullable:
            allowed += _NULL_OPS
        if op not in allowed:
            rest = f"; key {key_tok.text!r} takes {', '.join(allowed)}"
            raise _fail(tok, f"unexpected {_show(tok)}", rest)
        return op

    def value_list(self, field: _Field, op: str, key_tok: _Token) -> tuple:
        if not self.accept("punct", "("):
            raise _fail(self.peek(), f"expected '(' after {op!r}, got {_show(self.peek())}")
        values = [self.value(field, op, key_tok)]
        while self.accept("punct", ","):
            values.append(self.value(field, op, key_tok))
        if not self.accept("punct", ")"):
            raise _fail(
                self.peek(), f"expected ',' or ')' in the {op} list, got {_show(self.peek())}"
            )
        return tuple(values)

    def value(self, field: _Field, op: str, key_tok: _Token) -> str | int:
        tok, expected = self.take(), f"after {op!r} for key {key_tok.text!r}"
        if field.kind == "int":
            if tok.kind != "num" or not re.fullmatch(r"-?[0-9]+", tok.text):
                raise _fail(tok, f"expected an integer {expected}", f", got {_show(tok)}")
            if not -_INT64 <= int(tok.text) < _INT64:
                raise _fail(tok, f"integer {tok.text} out of range")
            return int(tok.text)
        if tok.kind != "str":
            raise _fail(tok, f"expected a quoted string {expected}", f", got {_show(tok)}")
        if field.kind == "stage" and "LIKE" not in op:
            if tok.value.lower() not in _STAGE_NAMES:
                raise _fail(tok, f"unknown stage {tok.value!r}", f"; valid: {', '.join(STAGES)}")
            return _STAGE_NAMES[tok.value.lower()]
        return tok.value


_ROW = {"model": "m", "version": "v"}
_ALIAS_SOURCE = {
    "model": "unnest(map_keys(m.aliases)) AS a(alias) WHERE TRUE",
    "version": "unnest(v.aliases) AS a(alias) WHERE TRUE",
}
_STAGE_SOURCE = "model_versions s WHERE s.name = m.name AND NOT s.deleted"


def _predicate(expr: str, op: str, values: tuple) -> tuple[str, list]:
    if op.endswith("IN"):
        return f"{expr} {op} ({', '.join(['?'] * len(values))})", list(values)
    return f"{expr} {op} ?", [values[0]]


def _exists(source: str, expr: str, node: _Comparison, params: list) -> tuple[str, list]:
    if node.op in _NULL_OPS:
        negate = "NOT " if node.op == "IS NULL" else ""
        return f"{negate}EXISTS (SELECT 1 FROM {source})", params
    sql, values = _predicate(expr, node.op, node.values)
    return f"EXISTS (SELECT 1 FROM {source} AND {sql})", params + values


def _compile_comparison(node: _Comparison, target: str) -> tuple[str, list]:
    field = _FIELDS[node.key]
    if field.kind == "tag":
        # The tag's value, NULL when unset: '!=' then means "set, to another value" (MLflow).
        value = f"{_ROW[target]}.tags[?]"
        if node.op in _NULL_OPS:
            return f"{value} {node.op}", [node.tag]
        sql, params = _predicate(value, node.op, node.values)
        return f"coalesce({sql}, FALSE)", [node.tag, *params]
    if field.kind == "alias":
        return _exists(_ALIAS_SOURCE[target], "a.alias", node, [])
    if field.kind == "stage" and target == "model":
        return _exists(_STAGE_SOURCE, "s.current_stage", node, [])
    column = f"{_ROW[target]}.{field.column}"
    if node.op in _NULL_OPS:
        return f"{column} {node.op}", []
    sql, params = _predicate(column, node.op, node.values)
    # A NULL column must not make NOT(...) NULL too: keep every condition true or false.
    return (f"coalesce({sql}, FALSE)" if field.nullable else sql), params


def _compile(node, target: str) -> tuple[str, list]:
    if isinstance(node, _Not):
        sql, params = _compile(node.operand, target)
        return f"NOT ({sql})", params
    if isinstance(node, _BoolOp):
        parts, params = [], []
        for child in node.operands:
            sql, child_params = _compile(child, target)
            parts.append(f"({sql})" if isinstance(child, _BoolOp) else sql)
            params += child_params
        return f" {node.op} ".join(parts), params
    return _compile_comparison(node, target)


_OP_WORDS = {"IN": "is one of", "NOT IN": "is none of", "IS NULL": "is not set"}
_OP_WORDS |= {"IS NOT NULL": "is set", "NOT LIKE": "not like", "NOT ILIKE": "not like (any case)"}
_LIKE_SHAPES = {("%", "%"): "contains", ("", "%"): "starts with", ("%", ""): "ends with"}


def _quote(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "“" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in value) + "”"


def _describe_comparison(node: _Comparison) -> str:
    field = _FIELDS[node.key]
    label = f"tag {_quote(node.tag)[1:-1]}" if node.tag is not None else field.label
    if node.op in ("LIKE", "ILIKE"):
        shape = re.fullmatch(r"(%?)([^%_]+)(%?)", node.values[0], re.DOTALL)
        verb = _LIKE_SHAPES.get(shape.group(1, 3)) if shape else None
        text = f"{verb} {_quote(shape.group(2))}" if verb else f"like {_quote(node.values[0])}"
        return f"{label} {text}" + (" (any case)" if node.op == "ILIKE" else "")
    values = ", ".join(_quote(value) for value in node.values)
    return f"{label} {_OP_WORDS.get(node.op, node.op)} {values}".rstrip()


def _describe(node) -> str:
    if isinstance(node, _Not):
        inner = _describe(node.operand)
        return f"not ({inner})" if isinstance(node.operand, _BoolOp) else f"not {inner}"
    if isinstance(node, _BoolOp):
        parts = [
            f"({_describe(c)})" if isinstance(c, _BoolOp) else _describe(c) for c in node.operands
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
        tok = _Token("bad", surrogate.group(), surrogate.start())
        raise _fail(tok, f"unexpected {_show(tok)}")


def compile_filter(filter_string: str | None, target: str) -> CompiledFilter:
    """Compile an MLflow-style filter for ``target`` ("model" or "version").

    Returns SQL over row alias ``m`` (registered_models) or ``v`` (model_versions). Raises
    FilterSyntaxError, naming the offending token and its position, for anything else.
    """
    _check_target(target)
    if filter_string is not None and not isinstance(filter_string, str):
        raise FilterSyntaxError(f"Invalid filter: expected a string, got {type(filter_string)}")
    if filter_string is None or not filter_string.strip(" \t\r\n"):
        return CompiledFilter("TRUE", [], "all")
    _check_text(filter_string)
    node = _Parser(_tokenize(filter_string), target).parse()
    sql, params = _compile(node, target)
    return CompiledFilter(sql, params, _describe(node))


_ORDER_KEYS = ("name", "version_number", "creation_timestamp", "last_updated_timestamp")
_TIE_BREAKERS = {"model": (("name", "ASC"),), "version": (("name", "ASC"), ("version", "DESC"))}


def _order_error(message: str, item: str, pos: int) -> FilterSyntaxError:
    return FilterSyntaxError(f"Invalid order_by {item!r}: {message}", position=pos, token=item)


def _order_term(item: str, target: str) -> tuple[str, str]:
    """Return (column, direction) for one order_by item; position is relative to the item."""
    if not isinstance(item, str):
        raise FilterSyntaxError(f"Invalid order_by: items must be strings, got {type(item)}")
    words = [(m.group(), m.start()) for m in re.finditer(r"[^ \t]+", item)]
    if not words:
        raise _order_error("empty item; expected '<key> [ASC|DESC]'", item, 0)
    (key, pos), rest = words[0], words[1:]
    field = _FIELDS.get(_KEY_ALIASES.get(key.lower(), key.lower()))
    valid = [k for k in _ORDER_KEYS if target in _FIELDS[k].targets]
    if field is None or field.key not in _ORDER_KEYS:
        message = f"unknown key {key!r} at position {pos}; valid keys: {', '.join(valid)}"
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
    duplicates or junk raise FilterSyntaxError, its position counted within the item.
    """
    _check_target(target)
    row, terms, seen = _ROW[target], [], set()
    for item in [order_by] if isinstance(order_by, str) else order_by or []:
        column, direction = _order_term(item, target)
        if column in seen:
            raise _order_error(f"key {item.split()[0]!r} is ordered twice", item, 0)
        seen.add(column)
        terms.append(f"{row}.{column} {direction}")
    terms += [f"{row}.{col} {way}" for col, way in _TIE_BREAKERS[target] if col not in seen]
    return ", ".join(terms)
