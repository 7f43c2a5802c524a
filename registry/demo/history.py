"""Replay one model's story: create it, add its versions and make its stage decisions,
each write stamped with its simulated time and made by the person the story names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from registry.client import RegistryClient
from registry.clock import frozen_at
from registry.demo.catalog import ModelStory, Release, Step
from registry.demo.datasets import Split
from registry.demo.runs import MINUTE, log_release
from registry.demo.training import LABELS, Trained, is_better

DAY = 86_400_000
HOUR = 3_600_000


@dataclass
class StoryReplay:
    """The state of one model while its story is replayed: release number -> version."""

    story: ModelStory
    split: Split
    trained: list[Trained]
    client_for: Callable[[str], RegistryClient]
    versions: dict[int, int] = field(default_factory=dict)
    production: int | None = None
    challenger: int | None = None

    def events(self, anchor: int) -> list[tuple[int, Callable[[int], None]]]:
        """(timestamp, action) for every write of this story, ``anchor`` being day 0."""
        first = max(r.day for r in self.story.releases) + 1
        events: list[tuple[int, Callable[[int], None]]] = [
            (_at(anchor, first, 9), lambda ts: self.create_model())
        ]
        for number, release in enumerate(self.story.releases, start=1):
            events.append((_at(anchor, release.day, release.hour), self._releaser(number)))
        events += [(_at(anchor, s.day, s.hour), self._stepper(s)) for s in self.story.steps]
        if self.story.rules:  # after every step: the last ones happen on day 1 before noon
            events += [
                (_at(anchor, 2, 9), lambda ts: self.set_policy()),
                (_at(anchor, 1, 15), lambda ts: self.validate_live_versions()),
            ]
        return events

    def _releaser(self, number: int) -> Callable[[int], None]:
        return lambda ts: self.release(number, ts)

    def _stepper(self, step: Step) -> Callable[[int], None]:
        return lambda ts: self.step(step)

    def create_model(self) -> None:
        """Create the registered model, or refresh its description and tags if it exists."""
        story = self.story
        owner = self.client_for(story.owner)
        if owner.find_registered_model(story.name) is None:
            owner.create_registered_model(story.name, story.tags, story.description)
            return
        owner.update_registered_model(story.name, story.description)
        for key, value in story.tags.items():
            owner.set_registered_model_tag(story.name, key, value)

    def release(self, number: int, ts: int) -> None:
        """Log the run, register the version, then describe and tag it as its author."""
        release = self.story.releases[number - 1]
        trained = self.trained[number - 1]
        version, finished = log_release(self.story, release, trained, self.split, ts)
        self.versions[number] = version
        author = self.client_for(release.author)
        with frozen_at(finished + MINUTE):
            author.update_model_version(
                self.story.name, version, _description(self.story, release, trained)
            )
            author.set_model_version_tag(
                self.story.name, version, "algorithm", release.candidate.algorithm
            )

    def step(self, step: Step) -> None:
        """Apply one stage decision, with a comment that quotes the held-out metrics."""
        name, version = self.story.name, self.versions[step.release]
        actor = self.client_for(step.actor)
        comment = f"{step.note}. {self.comparison(step.release)}"
        if step.action == "stage":
            actor.transition_model_version_stage(name, version, "Staging", comment=comment)
            actor.set_registered_model_alias(name, "challenger", version)
            self.challenger = version
        elif step.action == "promote":
            actor.transition_model_version_stage(
                name, version, "Production", archive_existing_versions=True, comment=comment
            )
            actor.set_model_version_tag(name, version, "reviewed_by", step.actor)
            actor.set_registered_model_alias(name, "champion", version)
            self._drop_challenger(actor, version)
            self.production = step.release
        else:
            actor.transition_model_version_stage(name, version, "Archived", comment=comment)
            self._drop_challenger(actor, version)

    def set_policy(self) -> None:
        owner = self.client_for(self.story.owner)
        owner.set_validation_policy(
            self.story.name, self.story.rules, f"What we check on {self.story.holdout}"
        )

    def validate_live_versions(self) -> None:
        """The owner validates the Production and Staging versions on the holdout, then
        (if the story says so) makes Production require a recent pass."""
        story, owner = self.story, self.client_for(self.story.owner)
        live = owner.search_model_versions(
            f"name = '{story.name}' AND current_stage IN ('Production', 'Staging')"
        )
        data_name = f"{self.split.name}_test.csv"
        for version in sorted(v.version for v in live):
            owner.validate_model_version(
                story.name, version, self.split.test, self.split.target, data_name
            )
        if story.production_within_days is not None:
            owner.require_validation_for_production(
                story.name, story.production_within_days, "Live versions are checked weekly"
            )

    def _drop_challenger(self, actor: RegistryClient, version: int) -> None:
        if self.challenger == version:
            actor.delete_registered_model_alias(self.story.name, "challenger")
            self.challenger = None

    def comparison(self, number: int) -> str:
        """The release's primary metric on the holdout, against the version in Production."""
        metric = self.story.curve[0]
        label, holdout = LABELS[metric], self.story.holdout
        value = self.trained[number - 1].metrics[metric]
        if self.production is None or self.production == number:
            return f"{label} {value:.3f} on {holdout}."
        live = self.trained[self.production - 1].metrics[metric]
        verdict = "beats" if is_better(metric, value, live) else "trails"
        return (
            f"{verdict.capitalize()} v{self.versions[self.production]} on {label} by "
            f"{abs(value - live):.3f} on {holdout} ({value:.3f} vs {live:.3f})."
        )


def _description(story: ModelStory, release: Release, trained: Trained) -> str:
    first, second = story.curve
    return (
        f"{release.what_changed} Held-out {LABELS[first]} {trained.metrics[first]:.3f}, "
        f"{LABELS[second]} {trained.metrics[second]:.3f}."
    )


def _at(anchor: int, day: int, hour: int) -> int:
    return anchor - day * DAY + hour * HOUR
