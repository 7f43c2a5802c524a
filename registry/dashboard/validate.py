"""The Validate page's logic: reading test data, defaults, running validations, the tables
and figures of the results, and promoting a version. Session-state keys are ``VALIDATE_*``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from registry import RegistryClient, RegistryError
from registry.dashboard.actions import PendingAction
from registry.dashboard.filters import versions_of
from registry.dashboard.keys import MODEL_COMMENT, MODEL_PENDING
from registry.dashboard.style import stage_label
from registry.errors import ValidationInputError
from registry.validation.direction import best
from registry.validation.uploads import read_upload

VALIDATE_SOURCE = "validate_source"
VALIDATE_UPLOAD = "validate_upload"
VALIDATE_SAMPLE = "validate_sample"
VALIDATE_MODEL = "validate_model"
VALIDATE_VERSIONS = "validate_versions"
VALIDATE_TARGET = "validate_target"
VALIDATE_RUN = "validate_run"
VALIDATE_TRY = "validate_try"
VALIDATE_KEPT = "validate_kept"  # the widgets' values, kept while the user is on other pages
VALIDATE_KEPT_DATA = "validate_kept_data"  # (bytes, file name) of the last upload
VALIDATE_FORGET = "validate_forget"
VALIDATE_RESULTS = "validate_results"
VALIDATE_PROMOTE = "validate_promote"  # + _<version>

UPLOAD, SAMPLE = "Upload a file", "Sample test set"
# The widgets whose values the page keeps for the session (keys starting so).
KEPT_WIDGETS = (VALIDATE_SOURCE, VALIDATE_SAMPLE, VALIDATE_MODEL, VALIDATE_VERSIONS,
                VALIDATE_TARGET)  # fmt: skip
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


def max_upload_mb() -> int:
    """``REGISTRY_UPLOAD_MAX_MB`` (default 200), read when the page runs."""
    text = os.environ.get("REGISTRY_UPLOAD_MAX_MB", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else 200


def sample_files() -> list[str]:
    return sorted(p.name for p in SAMPLE_DIR.glob("*.csv"))


def read_sample(filename: str) -> tuple[bytes, str]:
    return (SAMPLE_DIR / Path(filename).name).read_bytes(), filename


def read_data(data: bytes, filename: str):
    """The Upload, or raises ValidationInputError (its ``problems`` say what is wrong)."""
    return read_upload(data, filename, max_bytes=max_upload_mb() * 1024 * 1024)


def problem_lines(error: ValidationInputError) -> list[str]:
    """One line per problem (the error's message when it lists none)."""
    lines = [p.message for p in error.problems if getattr(p, "severity", "error") == "error"]
    return lines or [p.message for p in error.problems] or [str(error)]


VERSION_CHOICES = 500


def choices_note(client: RegistryClient, name: str, numbers: list[int]) -> str | None:
    """What to say when the Versions list leaves versions out (None when it holds all)."""
    if len(numbers) < VERSION_CHOICES:
        return None
    left = client.count_model_versions(versions_of(name)) - len(numbers)
    if left <= 0:
        return None
    return (
        ":material/info: The list holds the newest versions (and those in Production and "
        f"Staging); {left:,} older ones are not in it: open one from its Version page "
        "(“Validate on test data”) to validate it."
    )


def version_choices(
    client: RegistryClient, name: str, wanted: int | None = None
) -> tuple[list[int], list[int]]:
    """The newest VERSION_CHOICES version numbers (newest first, with the ``wanted`` one and
    those in Production and Staging even when older) and the default picks: Production and
    Staging, or the ``wanted`` version (from a link) against Production."""
    versions = list(
        client.search_model_versions(
            versions_of(name), max_results=VERSION_CHOICES, order_by=["version_number DESC"]
        )
    )
    staged_filter = f"{versions_of(name)} AND current_stage IN ('Production', 'Staging')"
    versions += client.search_model_versions(
        staged_filter, max_results=VERSION_CHOICES, order_by=["version_number DESC"]
    )
    if wanted is not None and (found := client.find_model_version(name, wanted)) is not None:
        versions.append(found)
    numbers = sorted({v.version for v in versions}, reverse=True)
    staged = {v.current_stage: v.version for v in sorted(versions, key=lambda v: v.version)}
    defaults = [staged[s] for s in ("Production", "Staging") if s in staged]
    if wanted in numbers:
        defaults = list(dict.fromkeys([staged.get("Production", wanted), wanted]))
    return numbers, defaults or numbers[:1]


def signature_columns(client: RegistryClient, name: str, version: int) -> list[str]:
    """The input columns of the version's model; empty when it has no logged model."""
    from registry.artifacts.model_files import Manifest
    from registry.client.model_uris import resolve_model

    try:
        logged = resolve_model(client, f"models:/{name}/{version}")
        signature = Manifest.from_json(logged.manifest).signature
    except RegistryError:
        return []
    return signature.names if signature else []


def data_problems(client: RegistryClient, name: str, versions: list[int], upload, target: str):
    """(error lines, warning lines) the data has for validating the versions, found without
    predicting; a model that cannot be loaded is an error line too. A line that holds for
    only some of the versions names them."""
    found = {}
    for version in versions:
        try:
            found[version] = _problems(
                client.uri, name, version, upload.sha256, target, client, upload.frame
            )
        except RegistryError as error:  # not cached: the registry may be busy, or changing
            found[version] = [str(error)], []
    return _merge(found, 0), _merge(found, 1)


@st.cache_data(max_entries=64, ttl=600, show_spinner=False)
def _problems(
    home: str, name: str, version: int, sha256: str, target: str, _client, _frame
) -> tuple[list[str], list[str]]:
    """The checks of one version on one file, cached: every rerun of the page would load
    each chosen version's model again. A version's model never changes."""
    try:
        problems = _client.check_validation_data(name, version, _frame, target)
    except ValidationInputError as error:
        return problem_lines(error), []
    errors = [p.message for p in problems if p.severity == "error"]
    return errors, [p.message for p in problems if p.severity != "error"]


def _merge(found: dict[int, tuple[list[str], list[str]]], kind: int) -> list[str]:
    lines: dict[str, list[int]] = {}
    for version, problems in found.items():
        for line in problems[kind]:
            lines.setdefault(line, []).append(version)
    return [
        line if len(where) == len(found) else f"{', '.join(f'v{n}' for n in where)}: {line}"
        for line, where in lines.items()
    ]


def default_target(columns: list[str], signature: list[str]) -> int | None:
    """The index of the last column the model does not take as input (targets usually come
    last); None when it takes them all: the true values are missing, so ask."""
    outside = [i for i, c in enumerate(columns) if c not in signature]
    return outside[-1] if outside else None


@dataclass
class Run:
    """What a validation run was about, to tell whether shown results are still current."""

    name: str
    sha256: str
    target: str
    data_name: str
    results: dict
    recorded: bool = True  # False: a trial, nothing recorded


def keep_widgets() -> None:
    """Before the widgets: put back the values they had when the user left the page
    (Streamlit forgets a widget's value on a page that does not draw it)."""
    state = st.session_state
    for key, value in state.get(VALIDATE_KEPT, {}).items():
        if key not in state:
            state[key] = value


def remember_widgets() -> None:
    """After the widgets: remember their values for keep_widgets."""
    state = st.session_state
    state[VALIDATE_KEPT] = {key: state[key] for key in state if key.startswith(KEPT_WIDGETS)}


def run_validations(
    client, name, versions, upload, target, data_name, progress, record: bool = True
) -> dict:
    """Validate each version in turn (``record`` False: a trial that records nothing);
    ``progress`` is an st.progress bar."""
    results = {}
    for i, version in enumerate(versions):

        def report(done: int, total: int, i: int = i, version: int = version) -> None:
            share = (i + (done / total if total else 1)) / len(versions)
            progress.progress(min(share, 1.0), text=f"Validating v{version}: {done}/{total} rows")

        results[version] = client.validate_model_version(
            name, version, upload.data, target, data_name=data_name, on_progress=report,
            record=record,
        )  # fmt: skip
    progress.empty()
    return results


def version_labels(client: RegistryClient, name: str, versions) -> dict[int, str]:
    """'v2 (Production)' for each version: the columns name the stage as well."""
    labels = {}
    for number in versions:
        found = client.find_model_version(name, number)
        labels[number] = f"v{number} ({stage_label(found.current_stage if found else None)})"
    return labels


def metrics_frame(results: dict, labels: dict[int, str]) -> pd.DataFrame:
    """Metrics (rows) by version (columns), the best value per row marked with ★."""
    metrics = sorted({m for r in results.values() for m in r.metrics})
    rows = []
    for metric in metrics:
        values = {v: r.metrics.get(metric) for v, r in results.items()}
        known = [x for x in values.values() if x is not None]
        top = best(metric, known) if len(known) > 1 else None
        row = {"Metric": metric}
        for version, value in values.items():
            text = "—" if value is None else f"{value:.4f}"
            row[labels[version]] = f"{text} ★" if top is not None and value == top else text
        rows.append(row)
    return pd.DataFrame(rows)


def training_metrics(client: RegistryClient, name: str, versions) -> dict[int, dict]:
    """The metrics each version's run logged at training time ({} without a run)."""
    found = {n: client.find_model_version(name, n) for n in versions}
    runs = {n: v.run_id for n, v in found.items() if v is not None and v.run_id}
    logged = client.get_latest_metrics(list(runs.values()))
    return {n: logged.get(runs.get(n, ""), {}) for n in versions}


def drift_frame(results: dict, labels: dict[int, str], training: dict[int, dict]):
    """For each metric the run logged under the same name: the test value minus the
    training value, per version (the drift signal). Empty when no metric matches."""
    rows = {}
    for version, result in results.items():
        for metric, value in sorted(result.metrics.items()):
            logged = training.get(version, {}).get(metric)
            if logged is not None:
                empty = {"Metric": metric, **{labels[n]: "—" for n in results}}
                row = rows.setdefault(metric, empty)
                row[labels[version]] = f"{value - logged:+.4f} (training {logged:.4f})"
    return pd.DataFrame(list(rows.values()))


PASS_FAIL = {"✓": "color: #1a9850", "✗": "color: #d73027"}


def rules_frame(results: dict, labels: dict[int, str]) -> pd.DataFrame:
    """Each policy rule by version: the value and pass or fail."""
    rows = {}
    for version, result in results.items():
        for outcome in result.record.rule_results:
            row = rows.setdefault(str(outcome.rule), {"Rule": str(outcome.rule)})
            value = "—" if outcome.value is None else f"{outcome.value:.4f}"
            row[labels[version]] = f"{'✓ pass' if outcome.passed else '✗ fail'} ({value})"
    return pd.DataFrame(list(rows.values()))


def styled_rules(frame: pd.DataFrame):
    """Pass in green, fail in red."""
    return frame.style.map(lambda cell: PASS_FAIL.get(str(cell)[:1], ""))


def status_text(result) -> str:
    """The policy's verdict, in colour (Markdown)."""
    passed = result.passed
    if passed is None:
        return "no policy"
    return ":green[**policy passed**]" if passed else ":red[**policy failed**]"


def confusion_figure(record):
    import plotly.graph_objects as go

    matrix = record.details.get("confusion_matrix")
    if not matrix:
        return None
    labels = [str(x) for x in matrix["labels"]]
    figure = go.Figure(
        go.Heatmap(
            z=matrix["matrix"], x=labels, y=labels, colorscale="Blues",
            text=matrix["matrix"], texttemplate="%{text}",
        )
    )  # fmt: skip
    figure.update_layout(
        title=f"v{record.version}: confusion matrix", xaxis_title="Predicted",
        yaxis_title="Actual", yaxis_autorange="reversed", height=360,
        xaxis_type="category", yaxis_type="category",
    )  # fmt: skip
    return figure


def residual_ranges(results) -> dict[str, list[float]]:
    """One x (predicted) and y (residual) range for every version's residual plot, so
    that plots side by side compare by eye: {"predicted": [lo, hi], "residual": [lo, hi]}."""
    samples = [r.residuals for r in results.values() if r.residuals is not None]
    samples = [s for s in samples if not s.empty]
    ranges = {}
    for column in ("predicted", "residual"):
        values = [value for s in samples for value in (s[column].min(), s[column].max())]
        if values:
            low, high = min(values), max(values)
            if column == "residual":  # centred on zero, the line a good model hugs
                low, high = -max(abs(low), abs(high)), max(abs(low), abs(high))
            pad = (high - low) * 0.05 or 1.0
            ranges[column] = [float(low - pad), float(high + pad)]
    return ranges


def residual_figure(result, ranges: dict[str, list[float]] | None = None):
    import plotly.express as px

    sample = result.residuals
    if sample is None or sample.empty:
        return None
    ranges = ranges or {}
    figure = px.scatter(
        sample, x="predicted", y="residual", title=f"v{result.record.version}: residuals",
        opacity=0.6, height=360, range_x=ranges.get("predicted"), range_y=ranges.get("residual"),
    )  # fmt: skip
    figure.add_hline(y=0, line_dash="dash")
    return figure


def figure_for(result, ranges: dict[str, list[float]] | None = None):
    """The version's confusion matrix, or its residual plot on the axes ``ranges`` give
    (residual_ranges of every version shown)."""
    if result.record.task == "regression":
        return residual_figure(result, ranges)
    return confusion_figure(result.record)


# -- promoting ---------------------------------------------------------------------------


def ask_promote(name: str, version: int, data_name: str, override: bool) -> None:
    """A Promote button's callback: open the confirmation every promotion goes through,
    listing what gets archived and which aliases stay behind; the comment says what the
    version was validated on (an override's comment is the reviewer's to write)."""
    st.session_state[MODEL_PENDING] = PendingAction(
        "stage", name, version, "Production", archive_existing=True
    )
    st.session_state[MODEL_COMMENT] = "" if override else f"validated on {data_name}"
