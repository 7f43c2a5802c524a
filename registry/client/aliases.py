"""The alias half of RegistryClient: named pointers at versions (``models:/name@champion``).

A protected alias (``champion`` unless the model's validation policy names others) serves
like Production, so moving or deleting it needs the reviewer role, and moving it passes the
model's validation requirement for Production or records an override.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry import arguments as check
from registry.client.roles import suffices
from registry.entities import ModelVersion


class AliasClient:
    """Mixed into RegistryClient; relies on its ``_store``, ``_actor()``, ``_role_of()``,
    ``_require()`` and ``_override_reason()``."""

    _store: Any
    _actor: Callable[[], str]
    _role_of: Callable[[str], str | None]
    _require: Callable[[str, str], str]
    _override_reason: Callable[[bool, str | None], str | None]

    def set_registered_model_alias(
        self,
        name: str,
        alias: str,
        version: int | str,
        *,
        comment: str | None = None,
        override_validation: bool = False,
    ) -> None:
        """Point ``alias`` at ``version``, moving it if it pointed elsewhere. A protected
        alias (``champion`` unless the model's policy says otherwise) serves like
        Production: moving it needs the reviewer role and passes the model's validation
        requirement, or ``override_validation`` with a ``comment`` (recorded)."""
        name, alias = check.model_name(name), check.alias(alias)
        number = check.version_number(version, name)
        comment = check.comment(comment)
        actor = self._alias_actor(name, alias, "moving")
        override = self._override_reason(override_validation, comment)
        self._store.set_registered_model_alias(
            name, alias, number, actor, comment=comment, override=override
        )

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        name, alias = check.model_name(name), check.alias(alias)
        actor = self._alias_actor(name, alias, "deleting")
        self._store.delete_registered_model_alias(name, alias, actor)

    def _alias_actor(self, name: str, alias: str, doing: str) -> str:
        """The acting user, checked for the role the alias needs (reviewer if protected).
        A reviewer may move any alias: the policy is read only for lesser roles."""
        user = self._actor()
        if suffices(self._role_of(user), "reviewer"):
            return user
        if alias in self._store.get_validation_policy(name).protected_aliases:
            return self._require("reviewer", f"{doing} the protected alias @{alias}")
        return self._require("editor", f"{doing} an alias")

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self._store.get_model_version_by_alias(check.model_name(name), check.alias(alias))
