"""Paging done in the store: a stack of page tokens kept in session state."""

from __future__ import annotations

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
