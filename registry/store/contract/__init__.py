"""The store contract: what every storage backend guarantees to the client, method by method.

``RegistryStore`` is the whole contract, assembled from one Protocol per area below. The
client (``registry.client``) is its only caller: it checks every argument and resolves the
acting user and role before calling, so a store trusts its arguments, records ``actor`` as
given, and decides only what needs the data (existence, uniqueness, numbering, the
Production gate). ``OutboxStore`` is the dispatcher's part, apart because only a process
that delivers notifications needs it; ``TransferStore`` (``transfer.py``: raw rows out and
in) is ``registry copy``'s, apart for the same reason.

Rules for every backend:
- A write is one transaction: its rows, its history rows (``changes``: who, when, old -> new,
  comment) and so its events, all or nothing.
- Timestamps are integers, milliseconds since the Unix epoch, UTC (``registry.clock``).
- Errors are ``registry.errors`` classes whose message names the entity and its key:
  ``NotFoundError`` for a missing model, version, alias, run, request, record or
  subscription; ``AlreadyExistsError`` for a taken name; ``InvalidStageTransitionError``;
  ``ValidationRequiredError`` from the Production gate; ``RegistryBusyError`` when the
  backend cannot be reached in time. A backend's own exceptions never escape.
- Searches take ``filter_string, max_results, order_by, page_token`` (see
  ``registry.search``) and return a ``PagedList`` whose opaque ``token`` fetches the next page.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from registry.store.contract.history import HistoryStore
from registry.store.contract.models import ModelStore
from registry.store.contract.notifications import NotificationStore, OutboxStore
from registry.store.contract.reviews import ReviewStore
from registry.store.contract.runs import RunStore
from registry.store.contract.session import SessionStore
from registry.store.contract.tokens import TokenStore
from registry.store.contract.validation import ValidationStore
from registry.store.contract.versions import VersionStore

__all__ = ["OutboxStore", "RegistryStore"]


@runtime_checkable
class RegistryStore(
    SessionStore,
    ModelStore,
    VersionStore,
    RunStore,
    HistoryStore,
    ReviewStore,
    ValidationStore,
    NotificationStore,
    TokenStore,
    Protocol,
):
    """Everything the client calls on a store."""
