"""The sample registry: what a user notices after `registry demo`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from demo_support import copy_demo_home
from sklearn.metrics import accuracy_score, root_mean_squared_error

import registry
from registry import RegistryClient
from registry.cli.main import main

pytestmark = pytest.mark.slow

REPO_SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
MODELS = {
    # model: (test CSV, target, primary metric, higher is better)
    "churn-classifier": ("churn_test.csv", "churned", "f1", True),
    "fraud-detector": ("fraud_test.csv", "is_fraud", "pr_auc", True),
    "demand-forecaster": ("demand_test.csv", "units_sold", "rmse", False),
}
CSV_FILES = [
    "churn_test.csv",
    "fraud_test.csv",
    "demand_test.csv",
    "churn_drifted.csv",
    "churn_malformed.csv",
]
WEEK = 7 * 86_400_000


@dataclass
class Seeded:
    client: RegistryClient
    data_dir: Path
    summary: str


@pytest.fixture(scope="module")
def seeded(demo_template, tmp_path_factory):
    """One demo registry for the whole module: a copy of the run's seeding (demo_support)."""
    home = copy_demo_home(demo_template, tmp_path_factory.mktemp("demo") / "home")
    summary = (demo_template / "summary.txt").read_text()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_HOME", str(home))
        patch.setenv("REGISTRY_USER", "tester")
        client = RegistryClient(home)
        yield Seeded(client, demo_template / "data", summary)
        client.release()


def _versions(client: RegistryClient, name: str):
    return sorted(client.search_model_versions(f"name = '{name}'"), key=lambda v: v.version)


def _fingerprint(client: RegistryClient) -> dict:
    """What must not change between two seedings: versions, their runs, params and metrics."""
    result = {}
    for name in MODELS:
        for v in _versions(client, name):
            run = client.get_run(v.run_id)
            result[(name, v.version)] = (
                v.current_stage,
                run.info.run_name,
                run.data.params,
                run.data.metrics,
            )
    return result


def test_summary_counts_models_versions_and_stages(seeded):
    assert seeded.summary.startswith("Seeded 3 models")
    assert "17 versions: 3 Production, 3 Staging" in seeded.summary
    assert str(seeded.data_dir) in seeded.summary


@pytest.mark.parametrize("name", MODELS)
def test_models_are_described_and_owned(seeded, name):
    model = seeded.client.get_registered_model(name)
    assert len(model.description) > 80
    assert {"team", "owner", "priority"} <= set(model.tags)


@pytest.mark.parametrize("name", MODELS)
def test_every_stage_is_in_use(seeded, name):
    versions = _versions(seeded.client, name)
    stages = Counter(v.current_stage for v in versions)
    assert 4 <= len(versions) <= 8
    assert stages["Production"] == 1 and stages["Staging"] == 1
    assert stages["Archived"] >= 1 and stages["None"] >= 1


@pytest.mark.parametrize("name", MODELS)
def test_champion_and_challenger_aliases(seeded, name):
    client = seeded.client
    champion = client.get_model_version_by_alias(name, "champion")
    challenger = client.get_model_version_by_alias(name, "challenger")
    assert champion.current_stage == "Production"
    assert challenger.current_stage == "Staging"
    metric, higher = MODELS[name][2], MODELS[name][3]
    scores = [client.get_run(v.run_id).data.metrics[metric] for v in (challenger, champion)]
    assert (scores[0] > scores[1]) == higher
    assert registry.pyfunc.load_model(f"models:/{name}@challenger") is not None


LIVE = ("Production", "Staging")


def test_live_versions_were_validated_against_each_policy(seeded):
    client = seeded.client
    found = {
        name: {r.version: (r.status, r.created_by) for r in client.list_validation_records(name)}
        for name in MODELS
    }
    live = {
        name: {v.version for v in _versions(client, name) if v.current_stage in LIVE}
        for name in MODELS
    }
    assert {name: set(records) for name, records in found.items()} == live
    # The fraud challenger trades recall for precision: it fails recall >= 0.5.
    challenger = client.get_model_version_by_alias("fraud-detector", "challenger").version
    assert found["fraud-detector"][challenger] == ("failed", "carol")
    assert client.get_model_version("fraud-detector", challenger).tags["validation"] == "failed"
    gate = client.get_production_gate("churn-classifier", 6)
    assert gate.within_days == 7 and gate.satisfied


@pytest.mark.parametrize("name", MODELS)
def test_validation_tags_come_from_validation_records(seeded, name):
    client = seeded.client
    for version in _versions(client, name):
        records = client.list_validation_records(name, version.version, max_results=1)
        expected = records[0].status if records else None
        assert version.tags.get("validation") == expected, version.version


@pytest.mark.parametrize("name", MODELS)
def test_versions_differ_in_their_metrics(seeded, name):
    metric = MODELS[name][2]
    runs = [seeded.client.get_run(v.run_id) for v in _versions(seeded.client, name)]
    values = [run.data.metrics[metric] for run in runs]
    assert len({round(value, 6) for value in values}) == len(values)
    assert max(values) - min(values) > 0.05


@pytest.mark.parametrize("name", MODELS)
def test_runs_have_params_histories_and_datasets(seeded, name):
    client = seeded.client
    for version in _versions(client, name):
        assert version.description and version.tags["algorithm"]
        run = client.get_run(version.run_id)
        assert run.info.status == "FINISHED" and run.info.run_name
        assert run.data.params["estimator"] and len(run.data.params) >= 3
        curves = [k for k in run.data.metrics if k.startswith(("eval_", "cv_"))]
        assert len(curves) == 2
        history = client.get_metric_history(run.info.run_id, curves[0])
        assert len(history) >= 4 and len({m.step for m in history}) == len(history)
        contexts = {d.context: d for d in run.inputs}
        assert set(contexts) == {"training", "evaluation"}
        assert contexts["training"].num_rows > contexts["evaluation"].num_rows
        assert run.models[0].manifest and '"signature"' in run.models[0].manifest


def test_history_spans_weeks_with_people_and_comments(seeded):
    changes = seeded.client.get_history(max_results=10_000)
    times = [c.timestamp for c in changes]
    assert max(times) - min(times) >= 3 * WEEK
    assert len({c.actor for c in changes}) >= 4
    transitions = [c for c in changes if c.event == "model_version.stage_transitioned"]
    assert len(transitions) >= 15
    assert any("Beats v" in (c.comment or "") for c in transitions)
    assert any(c.payload.get("archived_versions") for c in transitions)


@pytest.mark.parametrize("name", MODELS)
def test_each_promotion_beats_the_version_it_replaced(seeded, name):
    client, metric, higher = seeded.client, MODELS[name][2], MODELS[name][3]
    score = {
        v.version: client.get_run(v.run_id).data.metrics[metric] for v in _versions(client, name)
    }
    transitions = client.get_history(name, events=["model_version.stage_transitioned"])
    promotions = [
        c for c in transitions if c.new_value == "Production" and c.payload.get("archived_versions")
    ]
    assert promotions
    for change in promotions:
        for old in change.payload["archived_versions"]:
            better = score[change.version] > score[old]
            assert better == higher, f"{name} v{change.version} replaced v{old}"


@pytest.mark.parametrize("name", MODELS)
def test_production_model_scores_the_csv_as_its_run_says(seeded, name):
    file, target, _, _ = MODELS[name]
    frame = pd.read_csv(seeded.data_dir / file)
    model = registry.pyfunc.load_model(f"models:/{name}/Production")
    predicted = model.predict(frame.drop(columns=[target]))
    version = seeded.client.get_latest_versions(name, ["Production"])[0]
    logged = seeded.client.get_run(version.run_id).data.metrics
    if target == "units_sold":
        measured, expected = root_mean_squared_error(frame[target], predicted), logged["rmse"]
    else:
        measured, expected = accuracy_score(frame[target], predicted), logged["accuracy"]
    assert measured == pytest.approx(expected, abs=0.002)


def test_drifted_churn_data_scores_clearly_lower(seeded):
    model = registry.pyfunc.load_model("models:/churn-classifier/Production")
    scores = {}
    for file in ("churn_test.csv", "churn_drifted.csv"):
        frame = pd.read_csv(seeded.data_dir / file)
        scores[file] = accuracy_score(
            frame["churned"], model.predict(frame.drop(columns="churned"))
        )
    assert scores["churn_drifted.csv"] < scores["churn_test.csv"] - 0.15


@pytest.mark.parametrize("name", MODELS)
def test_test_csvs_have_the_signature_columns_and_the_target(seeded, name):
    file, target, _, _ = MODELS[name]
    version = seeded.client.get_latest_versions(name, ["Production"])[0]
    run = seeded.client.get_run(version.run_id)
    manifest = json.loads(run.models[0].manifest)
    names = [column["name"] for column in manifest["signature"]["inputs"]]
    columns = list(pd.read_csv(seeded.data_dir / file, nrows=1).columns)
    assert columns == [*names, target]


def test_malformed_csv_is_broken_as_documented(seeded):
    text = (seeded.data_dir / "churn_malformed.csv").read_text()
    header = text.splitlines()[0]
    assert ";" in header and "," not in header
    frame = pd.read_csv(seeded.data_dir / "churn_malformed.csv", sep=";")
    assert "support_calls" not in frame.columns and "churned" in frame.columns
    assert {"unknown", "seventy"} <= set(frame["monthly_charges"].dropna())


def test_committed_sample_data_is_what_the_generator_writes(seeded):
    for file in CSV_FILES:
        written = (seeded.data_dir / file).read_bytes()
        assert written == (REPO_SAMPLE_DATA / file).read_bytes(), file
    assert (REPO_SAMPLE_DATA / "README.md").exists()


def test_cli_seeds_the_same_registry_once(seeded, tmp_path, capsys):
    home, data_dir = tmp_path / "home", tmp_path / "data"
    assert main(["--home", str(home), "demo", "--data-dir", str(data_dir)]) == 0
    assert "Seeded 3 models" in capsys.readouterr().out
    again = RegistryClient(home)
    assert _fingerprint(again) == _fingerprint(seeded.client)
    for file in CSV_FILES:
        assert (data_dir / file).read_bytes() == (seeded.data_dir / file).read_bytes()

    assert main(["--home", str(home), "demo", "--data-dir", str(data_dir)]) == 0
    assert "already has models; pass --force" in capsys.readouterr().out
    assert len(_versions(again, "churn-classifier")) == 6
    again.release()
