"""Paging done in the store: a stack of page tokens kept in session state, and the page
number a link asks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st


@dataclass
class Pager:
    """Tokens of the pages seen so far (None for the first) and the one showing.

    ``scope`` is what the pages are of (filter, order, page size): when it changes, paging
    starts again from the first page.
    """

    scope: tuple
    tokens: list[str | None] = field(default_factory=lambda: [None])
    index: int = 0

    @property
    def token(self) -> str | None:
        return self.tokens[self.index]

    @property
    def first_row(self) -> int:
        """0-based offset of the page showing (page sizes are fixed within a scope)."""
        return self.index * int(self.scope[-1])

    def forward(self, next_token: str) -> None:
        del self.tokens[self.index + 1 :]
        self.tokens.append(next_token)
        self.index += 1

    def back(self) -> None:
        self.index = max(0, self.index - 1)


def pager(key: str, *scope: object) -> Pager:
    """The pager stored under ``key``, restarted when ``scope`` changed. The last item of
    ``scope`` must be the page size."""
    current = st.session_state.get(key)
    if not isinstance(current, Pager) or current.scope != scope:
        current = st.session_state[key] = Pager(scope)
    return current


MOST_PAGES_WALKED = 200


def follow_link(
    pager: Pager, key: str, wanted: int, next_token: Callable[[str | None], str | None]
) -> None:
    """Show page ``wanted`` (1-based) when the link asks for another page than the one this
    session last wrote into it (a shared link, or Back); the tokens of pages not seen yet
    come from ``next_token(token)``, the token after the page that ``token`` starts (None
    after the last page). A page past the end shows the last one."""
    linked = f"{key}_linked"
    if st.session_state.get(linked) == wanted:
        return
    target = min(max(wanted, 1), MOST_PAGES_WALKED) - 1
    while len(pager.tokens) <= target:
        token = next_token(pager.tokens[-1])
        if token is None:
            break
        pager.tokens.append(token)
    pager.index = min(target, len(pager.tokens) - 1)


def written(key: str, pager: Pager) -> int | None:
    """The page number to write into the link (None for the first page), remembered so that
    only a link changed elsewhere moves the pager."""
    st.session_state[f"{key}_linked"] = pager.index + 1
    return pager.index + 1 if pager.index else None
