"""The dashboard's pure helpers: filters, manifests, comparisons, history lines, figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from registry.dashboard import compare, filters, history, lineage, manifests, style
from registry.dashboard.figures import metric_across_versions
from registry.entities import Change, Dataset, LoggedModel, ModelVersion, Run, RunData, RunInfo


def version(**fields) -> ModelVersion:
    return ModelVersion(
        **{
            "name": "churn",
            "version": 3,
            "creation_timestamp": 0,
            "last_updated_timestamp": 0,
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("query", "stage", "tags", "text", "description"),
    [
        ("", None, {}, None, "all"),
        (
            "name = 'a' OR name = 'b'",
            "Production",
            {"team": "risk", "owner": None},
            "(name = 'a' OR name = 'b') AND current_stage = 'Production' AND tags.team = 'risk'",
            "(name = “a” or name = “b”) and stage = “Production” and tag team = “risk”",
        ),
        ("", None, {"owner": "O'Brien"}, "tags.owner = 'O''Brien'", "tag owner = “O'Brien”"),
    ],
)
def test_model_filter_combines_search_and_quick_filters(query, stage, tags, text, description):
    found = filters.model_filter(query, stage, tags)
    assert (found.text, found.description, found.error) == (text, description, None)


def test_model_filter_reports_the_position_in_what_the_user_typed():
    found = filters.model_filter("  tags.team = ", None, {"team": "risk"})
    assert found.text is None
    assert found.error.position == 14


@pytest.mark.parametrize(
    ("text", "problem"),
    [(None, "not valid JSON"), ("{", "not valid JSON"), ("[1]", "not a JSON object")],
)
def test_unreadable_manifests_say_why(text, problem):
    view = manifests.read_manifest(text)
    assert problem in view.problem
    assert view.signature == {} and view.environment == {}


def test_partial_and_newer_manifests_show_what_they_have():
    text = json.dumps(
        {
            "format_version": 9,
            "size": "big",
            "environment": {"numpy": None},
            "signature": {"inputs": [{"name": "a"}, "junk"]},
            "extra": 1,
        }
    )
    view = manifests.read_manifest(text)
    assert (view.format_version, view.size, view.sha256, view.problem) == (9, None, None, None)
    assert view.environment == {"numpy": "not installed"}
    assert view.signature == {"a": "?"}


def _run(models: list[LoggedModel]) -> Run:
    return Run(RunInfo("r1", "exp", None, "FINISHED", 0), RunData(), models=models)


def test_the_manifest_of_the_registered_file_is_chosen():
    files = [LoggedModel("r1", path, f"sha-{path}", "sklearn", "{}", 0) for path in ("a", "b")]
    chosen = manifests.version_manifest(version(source="runs:/r1/b"), _run(files))
    assert (chosen.artifact_path, chosen.sha256) == ("b", "sha-b")
    assert manifests.version_manifest(version(source="s3://x"), _run(files)) is None
    assert manifests.version_manifest(version(source="s3://x"), _run(files[:1])).sha256 == "sha-a"
    assert manifests.version_manifest(version(), None) is None


def test_compare_picks_round_trip():
    assert compare.parse_picks("churn:3, churn:5,bad,x:y,churn:3,a:b:2") == [
        ("churn", 3),
        ("churn", 5),
        ("a:b", 2),
    ]
    assert compare.format_picks([("churn", 3), ("a:b", 2)]) == "churn:3,a:b:2"
    assert len(compare.parse_picks(",".join(f"m:{i}" for i in range(1, 9)))) == compare.MAX_PICKS


def test_best_values_respect_the_direction_of_each_metric():
    metrics = pd.DataFrame(
        {"v1": [0.8, 0.3, 1.0, None], "v2": [0.9, 0.2, 1.0, None]},
        index=["f1", "log_loss", "same", "missing"],
    )
    assert compare.best_labels(metrics) == {
        "f1": "v2",
        "log_loss": "v2",
        "same": None,
        "missing": None,
    }


def test_diff_puts_differences_first_and_can_hide_the_rest():
    values = {"v1": {"b": "1", "a": "x", "c": "2"}, "v2": {"b": "1", "a": "y"}}
    frame = compare.diff_frame(values, only_differences=False)
    assert frame.index.tolist() == ["a", "c", "b"]
    assert frame.loc["c", "v2"] == "–"
    assert compare.diff_frame(values, only_differences=True).index.tolist() == ["a", "c"]
    assert compare.diff_frame({"v1": {}, "v2": {}}, only_differences=False).empty


def change(event: str, **fields) -> Change:
    return Change(1, 0, "ann", event, "churn", 3, **fields)


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        (
            change("model_version.stage_transitioned", old_value="None", new_value="Staging"),
            "No stage → Staging",
        ),
        (change("registered_model.alias_set", key="champion", new_value="3"), "@champion → v3"),
        (
            change("registered_model.alias_moved", key="champion", old_value="2", new_value="3"),
            "@champion: v2 → v3",
        ),
        (
            change("registered_model.alias_deleted", key="champion", old_value="3"),
            "@champion removed (was v3)",
        ),
        (
            change("model_version.tag_set", key="team", old_value="a", new_value="b"),
            "team = b (was a)",
        ),
        (change("model_version.description_changed", new_value=None), "description cleared"),
        (
            change("model_version.created", payload={"source": "runs:/r/model"}),
            "from runs:/r/model",
        ),
        (
            change("registered_model.validation_policy_changed", key="validation_policy",
                   new_value="f1 >= 0.8"),
            "rules: none → f1 >= 0.8",
        ),
        (
            change("registered_model.validation_policy_changed", key="production_within_days",
                   old_value="7 days", new_value=None),
            "Production needs a pass within: 7 days → none",
        ),
        (
            change("model_version.validation_overridden", old_value="failed",
                   new_value="Production"),
            "into Production; newest validation: failed",
        ),
    ],
)  # fmt: skip
def test_history_lines(entry, line):
    assert history.change_summary(entry) == line


def test_unknown_events_still_read_well():
    assert history.event_label("model_version.validation_passed") == "Validation passed"
    assert history.event_label("model_version.stage_transitioned") == "Stage changed"


def test_formats():
    assert style.format_time(0) == "1970-01-01 00:00 UTC"
    assert style.format_bytes(512) == "512 B"
    assert style.format_bytes(512_000) == "500.0 KB"
    assert style.format_metric(0.123456) == "0.1235"
    assert style.stage_badge("None", "v2") == ":blue-badge[No stage v2]"
    assert style.shorten("a  b\nc", 80) == "a b c"
    assert style.shorten("x" * 100, 10) == "x" * 9 + "…"


def test_lineage_links_data_to_run_to_version_to_stage_and_aliases():
    run = Run(
        RunInfo("r1", "exp", "rf", "FINISHED", 0, git_commit="abc"),
        RunData(),
        inputs=[Dataset("train.csv", "d" * 64, num_rows=10), Dataset("test.csv", "e" * 64)],
    )
    nodes, edges = lineage.lineage_nodes(version(aliases=["champion"], run_id="r1"), run)
    assert [n.label for n in nodes] == [
        "train.csv",
        "test.csv",
        "rf",
        "churn v3",
        "No stage",
        "@champion",
    ]
    assert edges == [
        ("data0", "run"),
        ("data1", "run"),
        ("run", "version"),
        ("version", "stage"),
        ("version", "@champion"),
    ]
    figure = lineage.lineage_figure(version(), None)
    assert figure.data[0].text[0].startswith("<b>churn v3</b>")


def test_metric_chart_colours_points_by_stage():
    figure = metric_across_versions([(2, "Production", 0.8), (1, "Archived", 0.7)], "f1", 2)
    line, production, archived = figure.data
    assert list(line.x) == [1, 2]
    assert production.marker.color == style.STAGE_COLORS["Production"]
    assert list(production.marker.size) == [16]
    assert archived.name == "Archived"
