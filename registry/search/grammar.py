"""The filter grammar: tokens, the parser and the tree it builds (see ``registry.search``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.errors import FilterSyntaxError

MAX_FILTER_LENGTH = 10_000
MAX_DEPTH = 50  # nesting of NOT and parentheses
MAX_CONDITIONS = 50  # planning time grows steeply with the number of EXISTS subqueries
STAGES = ("None", "Staging", "Production", "Archived")
_STAGE_NAMES = {stage.lower(): stage for stage in STAGES}
_INT64 = 2**63


@dataclass(frozen=True)
class _Field:
    key: str  # canonical filter key
    kind: str  # "text", "int", "stage", "alias" or "tag"
    column: str  # column of the searched table ("" when the value lives in another table)
    targets: tuple[str, ...]
    label: str  # how descriptions name it
    nullable: bool = False


_BOTH = ("model", "version")
FIELDS = {
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
KEY_ALIASES = {"stage": "current_stage", "timestamp": "last_updated_timestamp", "tag": "tags"}
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"}
_INT_OPS = ("=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN")
_TEXT_OPS = ("=", "!=", "LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "IN", "NOT IN")
NULL_OPS = ("IS NULL", "IS NOT NULL")


def _valid_keys(target: str) -> str:
    keys = [key for key, field in FIELDS.items() if target in field.targets]
    return ", ".join("tags.<key>" if key == "tags" else key for key in keys)


@dataclass(frozen=True)
class Token:
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


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _SCANNER.finditer(text):
        kind, raw, pos = match.lastgroup or "bad", match.group(), match.start()
        if kind == "ws":
            continue
        if kind == "open":
            what = "backquoted key" if raw == "`" else "string"
            tokens.append(Token("open", raw, pos, f"unterminated {what} starting"))
            break
        if kind == "str":
            value = _unquote(raw)
        elif kind == "bq":
            value = raw[1:-1]
        else:
            value = raw.upper() if kind == "word" and raw.isascii() else raw
        tokens.append(Token(kind, raw, pos, value))
    tokens.append(Token("end", "", len(text)))
    return tokens


def show(tok: Token) -> str:
    if tok.kind == "end":
        return "end of input"
    return repr(tok.text if len(tok.text) <= 40 else tok.text[:40] + "…")


# MLflow's parser's words for the same refusals, which MLflow code and tests match on. Each
# error says them after the project's own sentence (what is wrong and where).
CLAUSE = "Invalid clause(s) in filter string."
_LIST = "While parsing a list in the query, expected "
EMPTY_LIST = _LIST + "a non-empty list of string values, but got empty list."
ILL_FORMED_LIST = _LIST + "a non-empty list of string values, but got ill-formed list."
NOT_STRINGS = _LIST + "string value, punctuation, or whitespace, but got different type in list."


def fail(tok: Token, what: str, rest: str = "", mlflow: str = CLAUSE) -> FilterSyntaxError:
    """The error for ``tok``: "Invalid filter: <what> at position <n><rest>. <mlflow>"."""
    message = f"Invalid filter: {what} at position {tok.pos}{rest}. {mlflow}"
    return FilterSyntaxError(message, position=tok.pos, token=tok.text)


@dataclass(frozen=True)
class Comparison:
    key: str
    tag: str | None
    op: str
    values: tuple


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class BoolOp:
    op: str  # "AND" or "OR"
    operands: tuple


class Parser:
    """Recursive descent over the token list; validates keys, operators and values."""

    def __init__(self, tokens: list[Token], target: str):
        self.tokens, self.target, self.i, self.depth, self.conditions = tokens, target, 0, 0, 0

    def peek(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind == "open":
            raise fail(tok, tok.value)
        if tok.kind == "bad":
            raise fail(tok, f"unexpected {show(tok)}", _BAD_HINTS.get(tok.text, ""))
        return tok

    def take(self) -> Token:
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
            raise fail(tok, "unmatched ')'")
        if tok.kind != "end":
            raise fail(tok, f"trailing input {show(tok)}", "; expected AND, OR or the end")
        return node

    def or_expr(self):
        return self.chain("OR", self.and_expr)

    def and_expr(self):
        return self.chain("AND", self.not_expr)

    def chain(self, op: str, operand):
        operands = [operand()]
        while self.accept("word", op):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else BoolOp(op, tuple(operands))

    def not_expr(self):
        tok = self.peek()
        if self.depth >= MAX_DEPTH:
            raise fail(tok, "nesting too deep", f" (limit {MAX_DEPTH})")
        self.depth += 1
        try:
            if self.accept("word", "NOT"):
                return Not(self.not_expr())
            if self.accept("punct", "("):
                node = self.or_expr()
                if not self.accept("punct", ")"):
                    end = self.peek()
                    raise fail(end, f"expected ')' to close the '(' at {tok.pos}, got {show(end)}")
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Comparison:
        field, tag, key_tok = self.key()
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise fail(key_tok, f"too many conditions (limit {MAX_CONDITIONS}); use IN lists")
        op = self.operator(field, key_tok)
        if op in NULL_OPS:
            return Comparison(field.key, tag, op, ())
        values = self.value_list(field, op, key_tok) if op.endswith("IN") else None
        return Comparison(field.key, tag, op, values or (self.value(field, op, key_tok),))

    def key(self) -> tuple[_Field, str | None, Token]:
        tok = self.take()
        if tok.kind != "word" or tok.value in _KEYWORDS:
            raise fail(tok, f"unexpected {show(tok)}", "; expected a key such as name or tags.x")
        prefix, dot, rest = tok.text.partition(".")
        name = prefix.lower() if prefix.isascii() else prefix
        field = FIELDS.get(KEY_ALIASES.get(name, name))
        if field is None or (dot and field.kind != "tag"):
            raise fail(
                tok, f"unknown key {tok.text!r}", f"; valid keys: {_valid_keys(self.target)}"
            )
        if self.target not in field.targets:
            attribute = f"Invalid attribute key {tok.text!r} specified."
            rest = " is only valid when searching model versions"
            raise fail(tok, f"key {tok.text!r}", rest, attribute)
        if field.kind != "tag" or rest:
            return field, rest or None, tok
        return field, self.quoted_tag_key(tok), tok

    def quoted_tag_key(self, prefix: Token) -> str:
        end = prefix.pos + len(prefix.text)
        if self.peek().text == "." and self.peek().pos == end:
            self.i += 1
            key = self.peek()
            if key.kind in ("bq", "str") and key.pos == end + 1 and key.value:
                self.i += 1
                return key.value
        raise fail(prefix, f"expected a tag key after {prefix.text!r}", ", e.g. tags.`my key`")

    def operator(self, field: _Field, key_tok: Token) -> str:
        tok = self.take()
        word = tok.value if tok.kind == "word" else ""
        op = tok.text if tok.kind == "op" else word
        if word == "NOT":
            nxt = self.take()
            op = "NOT " + nxt.value if nxt.kind == "word" else ""
        elif word == "IS":
            op = "IS NOT NULL" if self.accept("word", "NOT") else "IS NULL"
            if not self.accept("word", "NULL"):
                raise fail(tok, f"expected NULL after {tok.text!r}")
        allowed = _INT_OPS if field.kind == "int" else _TEXT_OPS
        if field.kind in ("tag", "alias") or field.nullable:
            allowed += NULL_OPS
        if op not in allowed:
            rest = f"; key {key_tok.text!r} takes {', '.join(allowed)}"
            raise fail(tok, f"unexpected {show(tok)}", rest)
        return op

    def value_list(self, field: _Field, op: str, key_tok: Token) -> tuple:
        if not self.accept("punct", "("):
            raise fail(self.peek(), f"expected '(' after {op!r}, got {show(self.peek())}")
        values = [self.value(field, op, key_tok, listed=1)]
        while self.accept("punct", ","):
            values.append(self.value(field, op, key_tok, listed=len(values) + 1))
        if not self.accept("punct", ")"):
            raise fail(
                self.peek(), f"expected ',' or ')' in the {op} list, got {show(self.peek())}"
            )
        return tuple(values)

    def value(self, field: _Field, op: str, key_tok: Token, listed: int = 0) -> str | int:
        """The value after ``op``; ``listed`` counts values in an IN list (1 for the first)."""
        tok, expected = self.take(), f"after {op!r} for key {key_tok.text!r}"
        if field.kind == "int":
            if tok.kind != "num" or not re.fullmatch(r"-?[0-9]+", tok.text):
                raise fail(tok, f"expected an integer {expected}", f", got {show(tok)}")
            if not -_INT64 <= int(tok.text) < _INT64:
                raise fail(tok, f"integer {tok.text} out of range")
            return int(tok.text)
        if tok.kind != "str":
            mlflow = _unquoted(tok, listed)
            raise fail(tok, f"expected a quoted string {expected}", f", got {show(tok)}", mlflow)
        if field.kind == "stage" and "LIKE" not in op:
            if tok.value.lower() not in _STAGE_NAMES:
                raise fail(tok, f"unknown stage {tok.value!r}", f"; valid: {', '.join(STAGES)}")
            return _STAGE_NAMES[tok.value.lower()]
        return tok.value


def _unquoted(tok: Token, listed: int) -> str:
    """MLflow's words for ``tok`` where a quoted string belongs (``listed``: as in value)."""
    if tok.kind == "end":
        return CLAUSE
    if not listed:
        return (
            "Parameter value is either not quoted or unidentified quote types used for string "
            f"value {tok.text}. Use either single or double quotes."
        )
    if tok.text == ")":
        return EMPTY_LIST if listed == 1 else ILL_FORMED_LIST
    return ILL_FORMED_LIST if tok.text == "," else NOT_STRINGS
