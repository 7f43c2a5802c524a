"""The sample registry: real scikit-learn models with weeks of simulated team history.

``seed_demo`` trains every candidate of ``registry.demo.catalog`` on generated data (fixed
seeds, so every run gives the same versions and metrics), writes the held-out test sets as
CSVs, then replays the story in time order: runs with params, metric histories and datasets;
versions with descriptions and tags; stage transitions with comments by several people;
champion/challenger aliases; then each model's validation policy and, the day before, real
validations of its Production and Staging versions on the held-out data.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from threadpoolctl import threadpool_limits

from registry import fluent
from registry.client import RegistryClient
from registry.clock import frozen_at
from registry.demo.catalog import STORIES
from registry.demo.datasets import write_csvs
from registry.demo.history import DAY, StoryReplay
from registry.demo.training import fit

__all__ = ["seed_demo"]


def seed_demo(client: RegistryClient, data_dir: Path, *, anchor_ms: int | None = None) -> str:
    """Fill ``client``'s registry with the sample models and write test CSVs to ``data_dir``.

    The history counts back from ``anchor_ms`` (default: the start of today, UTC). Returns a
    one-paragraph summary for people.
    """
    data_dir = Path(data_dir)
    splits = {story.name: story.split() for story in STORIES}
    # One thread: OpenMP workers spin and crawl when the machine is busy, and the data is small.
    with threadpool_limits(limits=1):
        trained = {
            story.name: [fit(splits[story.name], r.candidate, story.curve) for r in story.releases]
            for story in STORIES
        }
    files = write_csvs(data_dir, *splits.values())
    clients: dict[str, RegistryClient] = {}

    def client_for(user: str) -> RegistryClient:
        if user not in clients:
            clients[user] = RegistryClient(client.home, user=user)
        return clients[user]

    replays = [
        StoryReplay(story, splits[story.name], trained[story.name], client_for) for story in STORIES
    ]
    anchor = anchor_ms if anchor_ms is not None else _start_of_today()
    with _fluent_home(client), client.batch():
        events = sorted((e for r in replays for e in r.events(anchor)), key=lambda e: e[0])
        for ts, action in events:
            with frozen_at(ts):
                action(ts)
    return _summary(client, replays, files, anchor - events[0][0])


@contextlib.contextmanager
def _fluent_home(client: RegistryClient) -> Iterator[None]:
    """Point the fluent API (which registry.sklearn.log_model uses) at ``client``'s home."""
    previous = fluent._settings["home"]  # None means "follow REGISTRY_HOME": keep that
    fluent.set_tracking_uri(client.home)
    try:
        yield
    finally:
        fluent.set_tracking_uri(previous)


def _start_of_today() -> int:
    return int(time.time() * 1000) // DAY * DAY


def _summary(
    client: RegistryClient, replays: list[StoryReplay], files: list[Path], span_ms: int
) -> str:
    """Counts read back from the registry, for the person who ran the command."""
    stages: Counter[str] = Counter()
    for replay in replays:
        found = client.search_model_versions(f"name = '{replay.story.name}'")
        stages.update(v.current_stage for v in found if v.version in replay.versions.values())
    versions = sum(stages.values())
    by_stage = ", ".join(
        f"{stages[s]} {s if s != 'None' else 'without a stage'}"
        for s in ("Production", "Staging", "Archived", "None")
    )
    names = ", ".join(r.story.name for r in replays)
    folder = files[0].parent
    return (
        f"Seeded {len(replays)} models ({names}), {versions} versions: {by_stage}; "
        f"{span_ms // (7 * DAY)} weeks of history by {len(_actors(replays))} people.\n"
        f"Test data in {folder}/: {', '.join(f.name for f in files)}."
    )


def _actors(replays: list[StoryReplay]) -> set[str]:
    people: set[str] = set()
    for replay in replays:
        people.update(r.author for r in replay.story.releases)
        people.update(s.actor for s in replay.story.steps)
    return people
