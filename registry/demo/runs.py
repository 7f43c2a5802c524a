"""Log one trained candidate as a run through the fluent API and register it as a version."""

from __future__ import annotations

import registry
from registry.clock import frozen_at
from registry.config import acting_as
from registry.demo.catalog import ModelStory, Release
from registry.demo.datasets import Split
from registry.demo.training import Trained

MINUTE = 60_000


def log_release(
    story: ModelStory, release: Release, trained: Trained, split: Split, start: int
) -> tuple[int, int]:
    """Record ``trained`` as a run its author starts at ``start``: (version, time it ended).

    The run lasts a few simulated minutes: parameters and datasets first, then one step of the
    metric histories a minute, then the held-out metrics and the model.
    """
    candidate = release.candidate
    tags = {"team": story.tags["team"], "algorithm": candidate.algorithm, "model": story.name}
    with acting_as(release.author):
        with frozen_at(start):
            registry.start_run(
                run_name=candidate.run_name,
                experiment_id=story.name,
                tags=tags,
                description=release.what_changed,
            )
        try:
            end = _log_training(trained, split, start)
            with frozen_at(end):
                registry.log_metrics({k: float(v) for k, v in trained.metrics.items()})
                info = registry.sklearn.log_model(
                    trained.model,
                    artifact_path="model",
                    registered_model_name=story.name,
                    input_example=split.xy("train")[0].head(),
                )
        except BaseException:
            registry.end_run("FAILED")
            raise
        with frozen_at(end):
            registry.end_run()
    return info.registered_model_version, end


def _log_training(trained: Trained, split: Split, start: int) -> int:
    """Params, datasets and metric histories; returns the time the run finishes."""
    model = trained.model
    final = model[-1] if hasattr(model, "steps") else model
    with frozen_at(start):
        estimator = {"estimator": type(final).__name__, "target": split.target}
        registry.log_params({**trained.candidate.params, **estimator})
        registry.log_input(split.train, name=f"{split.name}-train", context="training")
        registry.log_input(split.test, name=f"{split.name}-eval", context="evaluation")
    steps = sorted({step for points in trained.history.values() for step, _ in points})
    for index, step in enumerate(steps, start=1):
        values = {
            key: float(value)
            for key, points in trained.history.items()
            for at, value in points
            if at == step
        }
        with frozen_at(start + index * MINUTE):
            registry.log_metrics(values, step=step)
    return start + (len(steps) + 1) * MINUTE
