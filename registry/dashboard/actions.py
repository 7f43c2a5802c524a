"""Reviewed writes: an action requested by a button, its plan (exactly what will change,
read fresh when the confirmation opens) and its application through the client."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import streamlit as st

from registry import InvalidArgumentError, RegistryClient
from registry import arguments as check
from registry.dashboard.filters import quote, versions_of
from registry.dashboard.keys import (
    MODEL_PENDING,
    MODEL_POLICY_DAYS,
    MODEL_POLICY_REQUIRE,
    MODEL_POLICY_RULES,
    MODEL_POLICY_SEEN,
    MODEL_POLICY_TEST_SET,
)
from registry.dashboard.markup import plain
from registry.dashboard.review import override_reason
from registry.dashboard.style import shorten, stage_badge
from registry.validation.records import ValidationPolicy, days_text, rules_text
from registry.validation.rules import parse_rules


@dataclass(frozen=True)
class PendingAction:
    """What a reviewer asked for. ``kind`` is one of PLANNERS' keys; ``key`` is the alias
    or tag key, ``value`` the tag value or description."""

    kind: str
    model: str
    version: int | None = None
    stage: str | None = None
    archive_existing: bool = False
    key: str | None = None
    value: str | None = None
    within_days: int | None = None  # policy: Production needs a pass in this many days
    test_set: str | None = None  # policy: ... on the data with this sha256
    versions: tuple[int, ...] = ()  # bulk actions: the ticked versions

    @property
    def takes_comment(self) -> bool:
        """Stage and policy changes record a comment in the history."""
        return self.kind in ("stage", "rollback", "policy", "bulk_archive")


@dataclass(frozen=True)
class AliasOffer:
    """The serving alias a promotion to Production may take along: where it points now
    (None: unset) and whether the offer starts ticked (it followed Production so far)."""

    alias: str
    current: int | None
    ticked: bool

    @property
    def label(self) -> str:
        where = f"now on v{self.current}" if self.current is not None else "not set yet"
        return f"Also point @{self.alias} at this version ({where})"


@dataclass(frozen=True)
class Plan:
    title: str
    changes: list[str]
    blocked: str | None = None  # why it cannot be confirmed
    notes: tuple[str, ...] = ()  # what will not change but might be expected to
    override: str | None = None  # the validation that confirming overrides (needs a comment)
    alias_offer: AliasOffer | None = None  # move the serving alias along with a promotion
    comment_given: bool = False  # typed before the dialog (a request's decision), in changes


def request(action: PendingAction, **fields: str) -> None:
    """Button callback: ask to confirm ``action``, its ``fields`` read from the session-state
    keys given (the inputs' values at click time)."""
    values = {name: _clean(st.session_state.get(key)) for name, key in fields.items()}
    st.session_state[MODEL_PENDING] = replace(action, **values)


def fill_policy_form(policy: ValidationPolicy) -> None:
    """Put the stored policy in the form whenever it changed (here or elsewhere): keyed
    widgets otherwise keep what they showed, and a save would revert the other change."""
    state = st.session_state
    seen = (policy.model_name, policy.last_updated_timestamp)
    if state.get(MODEL_POLICY_SEEN) == seen:
        return
    state[MODEL_POLICY_SEEN] = seen
    state[MODEL_POLICY_RULES] = "\n".join(str(rule) for rule in policy.rules)
    state[MODEL_POLICY_REQUIRE] = policy.production_within_days is not None
    state[MODEL_POLICY_DAYS] = policy.production_within_days or 7
    state[MODEL_POLICY_TEST_SET] = policy.test_set or ""


def request_policy(name: str) -> None:
    """The policy form's callback: ask to confirm its rules and requirement."""
    state = st.session_state
    days = int(state.get(MODEL_POLICY_DAYS) or 1) if state.get(MODEL_POLICY_REQUIRE) else None
    rules = _clean(state.get(MODEL_POLICY_RULES))
    test_set = _clean(state.get(MODEL_POLICY_TEST_SET)) if days else None
    state[MODEL_PENDING] = PendingAction(
        "policy", name, value=rules, within_days=days, test_set=test_set
    )


def _clean(value: object) -> object:
    return (value.strip() or None) if isinstance(value, str) else value


def _in_stage(client: RegistryClient, name: str, stage: str) -> list[int]:
    found = client.search_model_versions(
        f"{versions_of(name)} AND current_stage = {quote(stage)}",
        max_results=1000,
        order_by=["version_number DESC"],
    )
    return [v.version for v in found]


def move_line(version: int, old: str, new: str) -> str:
    return f"**v{version}**: {stage_badge(old)} → {stage_badge(new)}"


def plan_stage(client: RegistryClient, a: PendingAction) -> Plan:
    version = client.get_model_version(a.model, a.version)
    stage = check.stage(a.stage)
    changes = [move_line(a.version, version.current_stage, stage)]
    others = []
    if a.archive_existing and stage in ("Staging", "Production"):
        others = [v for v in _in_stage(client, a.model, stage) if v != a.version]
        changes += [move_line(v, stage, "Archived") for v in others]
    moving = set(others) | ({a.version} if stage == "Archived" else set())
    aliases = client.get_registered_model(a.model).aliases
    offer = _serving_alias(client, a, aliases, others) if stage == "Production" else None
    notes = tuple(
        f"@{alias} stays on v{number}; move it on the Alias tab if it should follow."
        for alias, number in sorted(aliases.items())
        if number in moving and (offer is None or alias != offer.alias)
    )
    verb = "Archive" if stage == "Archived" else f"Promote to {stage}"
    blocked = override = None
    if version.current_stage == stage and not others:
        blocked = f"v{a.version} is already in {stage}."
    elif stage == "Production":
        gate = client.get_production_gate(a.model, a.version)
        if gate.needs_override:
            override = override_reason(gate)
        elif gate.required:
            notes += (gate.explain(),)
    title = f"{verb}: {a.model} v{a.version}"
    return Plan(title, changes, blocked, notes, override, None if blocked else offer)


def _serving_alias(
    client: RegistryClient, a: PendingAction, aliases: dict[str, int], leaving: list[int]
) -> AliasOffer | None:
    """The model's serving alias (its first protected alias, @champion by default) unless
    it points at the version promoted already; ticked when it is on a version leaving
    Production (it followed Production so far), unticked when unset or elsewhere."""
    serving = next(iter(client.get_validation_policy(a.model).protected_aliases), None)
    if serving is None or aliases.get(serving) == a.version:
        return None
    current = aliases.get(serving)
    return AliasOffer(serving, current, current is not None and current in leaving)


def plan_rollback(client: RegistryClient, a: PendingAction) -> Plan:
    target = client.find_rollback_target(a.model)
    current = _in_stage(client, a.model, "Production")
    if target is None:
        return Plan(f"Roll back {a.model}", [], "No earlier Production version to roll back to.")
    changes = [move_line(v, "Production", "Archived") for v in current]
    changes.append(move_line(target.version, target.current_stage, "Production"))
    gate = client.get_production_gate(a.model, target.version)
    override = override_reason(gate) if gate.needs_override else None
    notes = (gate.explain(),) if gate.required and override is None else ()
    title = f"Roll back Production of {a.model} to v{target.version}"
    return Plan(title, changes, None, notes, override)


def plan_alias(client: RegistryClient, a: PendingAction) -> Plan:
    try:
        alias = check.alias(a.key)
    except InvalidArgumentError as error:
        return Plan("Set an alias", [], str(error))
    old = client.get_registered_model(a.model).aliases.get(alias)
    was = f"v{old}" if old is not None else "unset"
    change = f"**@{alias}**: {was} → **v{a.version}**"
    blocked = f"@{alias} already points at v{a.version}." if old == a.version else None
    verb = "Move" if old is not None else "Set"
    notes, override = (), None
    if blocked is None and alias in client.get_validation_policy(a.model).protected_aliases:
        gate = client.get_production_gate(a.model, a.version)
        notes = (f"@{alias} serves like Production, so moving it needs the reviewer role.",)
        if gate.needs_override:
            override = override_reason(gate)
        elif gate.required:
            notes += (gate.explain(),)
    return Plan(f"{verb} alias @{alias} of {a.model}", [change], blocked, notes, override)


def plan_alias_delete(client: RegistryClient, a: PendingAction) -> Plan:
    return Plan(f"Remove alias @{a.key} of {a.model}", [f"**@{a.key}**: v{a.version} → unset"])


def _text_change(what: str, old: str | None, new: str | None) -> str:
    """One line of the plan in Markdown: ``what`` and the texts shown exactly as typed."""

    def shown(text: str | None) -> str:
        return f"“{plain(shorten(text, 120))}”" if text else "*empty*"

    return f"{plain(what)}: {shown(old)} → {shown(new)}"


def plan_description(client: RegistryClient, a: PendingAction) -> Plan:
    if a.version is None:
        old, what = client.get_registered_model(a.model).description, f"{a.model} description"
    else:
        old = client.get_model_version(a.model, a.version).description
        what = f"v{a.version} description"
    blocked = refused(check.description, a.value)
    if blocked is None and (old or None) == a.value:
        blocked = "The description is unchanged."
    return Plan(f"Edit the {what}", [_text_change(what, old, a.value)], blocked)


def refused(check_argument, *args) -> str | None:
    """Why the client would refuse the argument (its limits), before anyone confirms."""
    try:
        check_argument(*args)
    except InvalidArgumentError as error:
        return str(error)
    return None


def plan_tag(client: RegistryClient, a: PendingAction) -> Plan:
    if not a.key:
        return Plan("Set a tag", [], "Enter a tag key.")
    owner = _tag_owner(client, a)
    old = owner.tags.get(a.key)
    where = a.model if a.version is None else f"v{a.version}"
    blocked = refused(check.tag_key, a.key) or refused(check.tag_value, a.key, a.value or "")
    if blocked is None and old == (a.value or ""):
        blocked = "The tag already has this value."
    return Plan(
        f"Set tag {a.key} on {where}", [_text_change(f"tag {a.key}", old, a.value)], blocked
    )


def plan_tag_delete(client: RegistryClient, a: PendingAction) -> Plan:
    old = _tag_owner(client, a).tags.get(a.key or "")
    where = a.model if a.version is None else f"v{a.version}"
    blocked = None if old is not None else f"{where} has no tag {a.key!r}."
    return Plan(
        f"Remove tag {a.key} from {where}", [_text_change(f"tag {a.key}", old, None)], blocked
    )


def _tag_owner(client: RegistryClient, a: PendingAction):
    if a.version is None:
        return client.get_registered_model(a.model)
    return client.get_model_version(a.model, a.version)


def plan_policy(client: RegistryClient, a: PendingAction) -> Plan:
    old = client.get_validation_policy(a.model)
    try:
        rules = rules_text(parse_rules(a.value or []))
    except InvalidArgumentError as error:
        return Plan(f"Change the validation policy of {a.model}", [], str(error))
    changes = []
    if rules != rules_text(old.rules):
        changes.append(_text_change("Rules", rules_text(old.rules) or None, rules or None))
    if a.within_days != old.production_within_days:
        changes.append(
            f"Production requires a pass within: {_days(old.production_within_days)} → "
            f"**{_days(a.within_days)}**"
        )
    if a.test_set != old.test_set:
        changes.append(_text_change("Required test set (sha256)", old.test_set, a.test_set))
    blocked = None if changes else "The policy is unchanged."
    if a.test_set and not re.fullmatch(r"[0-9a-f]{64}", a.test_set):
        blocked = "A test set is named by its sha256: 64 lowercase hex digits (`sha256sum`)."
    if a.within_days is not None and not rules:
        blocked = "Requiring a passing validation needs at least one rule."
    return Plan(f"Change the validation policy of {a.model}", changes, blocked)


def _days(days: int | None) -> str:
    return "not required" if days is None else days_text(days)


PLANNERS = {
    "stage": plan_stage,
    "rollback": plan_rollback,
    "alias": plan_alias,
    "alias_delete": plan_alias_delete,
    "description": plan_description,
    "tag": plan_tag,
    "tag_delete": plan_tag_delete,
    "policy": plan_policy,
}


def plan(client: RegistryClient, action: PendingAction) -> Plan:
    return PLANNERS[action.kind](client, action)


def apply(
    client: RegistryClient, a: PendingAction, comment: str | None = None, override: bool = False
) -> str:
    """Make the change (``override``: a validation, with ``comment`` saying why); returns
    the sentence to confirm it. Raises RegistryError."""
    comment = (comment or "").strip() or None
    if a.kind == "stage":
        client.transition_model_version_stage(
            a.model,
            a.version,
            a.stage,
            archive_existing_versions=a.archive_existing,
            comment=comment,
            override_validation=override,
        )
        return f"{a.model} v{a.version} is now in {a.stage}."
    if a.kind == "policy":
        return _apply_policy(client, a, comment)
    if a.kind == "rollback":
        restored = client.rollback_production(
            a.model, comment=comment, override_validation=override
        )
        return f"Rolled back: {a.model} v{restored.version} is in Production again."
    if a.kind == "alias":
        client.set_registered_model_alias(
            a.model, a.key, a.version, comment=comment, override_validation=override
        )
        return f"@{a.key} now points at {a.model} v{a.version}."
    if a.kind == "alias_delete":
        client.delete_registered_model_alias(a.model, a.key)
        return f"Removed @{a.key} from {a.model}."
    return _apply_edit(client, a)


def _apply_edit(client: RegistryClient, a: PendingAction) -> str:
    target = a.model if a.version is None else f"{a.model} v{a.version}"
    if a.kind == "description":
        if a.version is None:
            client.update_registered_model(a.model, description=a.value)
        else:
            client.update_model_version(a.model, a.version, description=a.value)
        return f"Saved the description of {target}."
    if a.kind == "tag":
        if a.version is None:
            client.set_registered_model_tag(a.model, a.key, a.value or "")
        else:
            client.set_model_version_tag(a.model, a.version, a.key, a.value or "")
        return f"Set tag {a.key} on {target}."
    if a.version is None:
        client.delete_registered_model_tag(a.model, a.key)
    else:
        client.delete_model_version_tag(a.model, a.version, a.key)
    return f"Removed tag {a.key} from {target}."


def _apply_policy(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    """Rules first (the client's check of them against the model's task is the step that
    can fail, and then nothing has changed); the requirement first only when every rule
    goes, since the rules cannot be emptied while it stands."""
    old = client.get_validation_policy(a.model)
    rules = parse_rules(a.value or [])

    def set_rules() -> None:
        if rules_text(rules) != rules_text(old.rules):
            client.set_validation_policy(a.model, list(rules), comment)

    def set_requirement() -> None:
        if (a.within_days, a.test_set) != (old.production_within_days, old.test_set):
            client.require_validation_for_production(
                a.model, a.within_days, comment, test_set=a.test_set
            )

    steps = (set_requirement, set_rules) if not rules else (set_rules, set_requirement)
    for step in steps:
        step()
    return f"Saved the validation policy of {a.model}."
