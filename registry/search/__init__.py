"""Search filters: MLflow-style filter strings compiled to parameterised SQL.

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
Errors are FilterSyntaxError("Invalid filter: <what> at position <n>... <MLflow's words>") with
``position`` and ``token`` set; MLflow's parser's sentence for the same refusal comes last
("Invalid clause(s) in filter string.", "While parsing a list in the query, ...").
Limits: MAX_FILTER_LENGTH characters, MAX_DEPTH nested NOTs and parentheses, MAX_CONDITIONS
comparisons (DuckDB plans many EXISTS subqueries slowly).

The package: ``grammar`` tokenizes and parses a filter into a small tree of comparisons
and boolean operators (no SQL there); ``sql`` compiles that tree, and ``order_by`` lists,
into parameterised SQL with a sentence for people.
"""

from registry.search.grammar import STAGES
from registry.search.sql import CompiledFilter, compile_filter, compile_order_by

__all__ = ["STAGES", "CompiledFilter", "compile_filter", "compile_order_by"]
