"""User text on the dashboard: shown as typed where it is not meant to be Markdown, and
descriptions kept to Markdown that loads nothing from other hosts.

Streamlit renders titles, captions, badges and ``st.markdown`` as Markdown with directives of
its own (``:red[...]``, ``:red-badge[...]``, ``:material/icon:``, ``:smile:``); Plotly renders
a subset of HTML in text and hover labels (``<a href>``, ``<b>``, ``<br>``, ``<span style>``).
Model and run names, tag values, user names and dataset names are plain text: ``plain``,
``code`` and ``plain_html`` show them exactly. Descriptions and comments are Markdown
(``description``), without images.
"""

from __future__ import annotations

import html
import re

# Marks that form Markdown (or Streamlit's math and directives) wherever they stand; "_" only
# at a word's edge (inside a word it is inert). The rest (# + - . ! ( ) { } > =) form nothing
# once "[" is escaped, except at the start of a line.
_ANYWHERE = re.compile(r"[\\`*\[\]<$~|&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(\d*)([#>+-]|(?<=\d)[.)])")
# Some Markdown is found in the text after parsing, where a backslash no longer counts: links
# made of URLs, www. addresses and e-mail addresses, and Streamlit's icons and emoji
# (":material/x:", ":smile:"). An invisible word joiner after ":" and "@" and inside "www."
# keeps them text.
_LINK_OR_ICON = re.compile(r"(?<=[:@])|(?<=www)(?=\.)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_IMAGE = re.compile(r"(?<!\\)((?:\\\\)*)!\[")


def plain(text: object) -> str:
    """``text`` as Markdown that shows exactly it, on one line (white space runs become one
    space): no link, image, emphasis, heading, list, directive, icon or math forms. Marks are
    backslash-escaped where they would take effect, so the source stays readable."""
    line = " ".join(str(text).split())
    line = _LINE_START.sub(r"\1\\\2", _ANYWHERE.sub(lambda mark: "\\" + mark[0], line))
    return _LINK_OR_ICON.sub(_WORD_JOINER, line)


def code(text: object) -> str:
    """``text`` as an inline code span, however many backticks it holds."""
    line = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", line)), default=0) + 1)
    # Code spans are safe from Markdown, not from Streamlit's raw ":material/" rewrite.
    return f"{fence} {line.replace(':material/', ':' + _WORD_JOINER + 'material/')} {fence}"


def description(text: str) -> str:
    """A description or comment as Markdown without images: ``![alt](url)`` becomes the link
    ``[alt](url)`` (and an image reference a link reference), so showing it fetches nothing
    from another host. Streamlit already shows raw HTML as text."""
    return _IMAGE.sub(r"\1[", text)


def plain_html(text: object) -> str:
    """``text`` for Plotly's text and hover labels: ``&``, ``<`` and ``>`` as entities, so no
    tag (link, style, line break) forms."""
    return html.escape(str(text), quote=False)
