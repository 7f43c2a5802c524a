"""Dashboard: server-side render time of the Models and Model pages on a large registry, and
a promotion from the click on Confirm to the updated page.

    .venv/bin/python bench/bench_dashboard.py [--models 10000] [--versions 10] [--repeats 10]
        [--home DIR] [--big 50000] [--browser] [--old CHECKOUT]

--home reuses a registry this script seeded before (seeding 10k models takes minutes: each
model is its own create call); --big adds a model with that many versions; --browser also
times, in headless Chromium against the served dashboard, a new tab's first content against
Streamlit's hello world (bench_first_paint.py's measurement, with the server's CPU seconds per
tab) and the promotion from Confirm to the success message. --old serves an older checkout
(``git worktree add /tmp/old COMMIT``) beside this one for the browser figures, alternated.

Renders run under Streamlit's AppTest (the script run the server does for a browser, without
the network and the browser's drawing). Targets: each render <= 1 s, promotion <= 0.5 s in
AppTest and <= 0.4 s in Chromium; first content within 0.5 s of the hello world.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import keys
from registry.entities import Metric

# The browser tests' server and Chromium set-up, so both measure the same thing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_first_paint import copy_of, dashboard_server, first_paint, server_cpu
from bench_first_paint import report as first_paint_report
from browser_support import CHROMIUM, CHROMIUM_ARGS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TEAMS = ("growth", "risk", "ops", "search", "ads")
TARGET = "model-00042"  # the model the Model page shows: it has runs with metrics


def seed(client: RegistryClient, models: int, versions: int) -> None:
    """``models`` models with ``versions`` versions each, bulk-imported; every tenth model
    has a version in Production and one in Staging; TARGET's versions have runs."""
    with client.batch():
        for i in range(models):
            name = f"model-{i:05d}"
            tags = {"team": TEAMS[i % len(TEAMS)], "owner": f"user{i % 40}"}
            client.create_registered_model(name, tags=tags, description=f"Model number {i}")
            specs = [{"source": f"s3://models/{name}/{v}"} for v in range(versions)]
            if name == TARGET:
                specs = [{"run_id": _run(client, v), **spec} for v, spec in enumerate(specs)]
            client.create_model_versions(name, specs)
            if i % 10 == 2:
                client.transition_model_version_stage(name, versions - 2, "Production")
                client.transition_model_version_stage(name, versions - 1, "Staging")


def _run(client: RegistryClient, v: int) -> str:
    run_id = client.create_run("bench").info.run_id
    metrics = [Metric(k, 0.7 + 0.01 * v + 0.001 * s, 1, s) for k in ("f1", "auc") for s in range(5)]
    client.log_batch(run_id, metrics=metrics, params={"depth": v})
    return run_id


def big_model(client: RegistryClient, versions: int, repeats: int) -> list[float]:
    """Render times of the Model page of a model with ``versions`` versions (created once)."""
    name = f"big-{versions}"
    if client.find_registered_model(name) is None:
        client.create_registered_model(name)
        client.create_model_versions(name, [{"source": "s3://big"}] * versions)
        client.transition_model_version_stage(name, versions // 2, "Production")
        client.release()
    return [render({"page": "model", "model": name})[1] for _ in range(repeats)]


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def render(params: dict[str, str]) -> tuple[AppTest, float]:
    """A new session's first script run of the page ``params`` link to, in seconds."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    seconds = timed(at.run)
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].value}")
    return at, seconds


def reruns(repeats: int) -> list[float]:
    at, _ = render({"page": "model", "model": TARGET})
    return [timed(at.run) for _ in range(repeats)]


def searched() -> float:
    at, _ = render({})
    box = at.text_input(key=keys.MODELS_QUERY).input("tags.team = 'risk' AND name LIKE 'model-1%'")
    return timed(box.run)


def promotion(version: int) -> float:
    """Open the confirmation, then time Confirm -> write -> the page rerun with the result."""
    at, _ = render({"page": "model", "model": TARGET, "version": str(version)})
    at.checkbox(key=keys.MODEL_ARCHIVE_EXISTING).check()
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    seconds = timed(at.button(key=keys.MODEL_CONFIRM_OK).click().run)
    if not at.success:
        raise SystemExit("the promotion did not report success")
    return seconds


def row(what: str, samples: list[float], target: float) -> str:
    median, worst = statistics.median(samples), max(samples)
    verdict = "yes" if median <= target else "NO"
    return (
        f"| {what} | {median * 1000:.0f} | {worst * 1000:.0f} | {target * 1000:.0f} | {verdict} |"
    )


def browser_promotions(
    home: Path, repeats: int, old: Path | None = None
) -> dict[str, list[tuple[float, float, float]]]:
    """In headless Chromium against the served dashboard (and ``old``'s, alternated): from
    the click on Confirm to the success message, to the end of the page's redraw, and the
    server's CPU seconds meanwhile."""
    from playwright.sync_api import sync_playwright

    checkouts = {"": None, **({" (old)": old} if old else {})}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        # Each server on a copy: this process's AppTest client still holds ``home`` for a
        # while, and a server sharing it would wait for it (old and new alike).
        homes = {tag: copy_of(home, folder / f"server{i}") for i, tag in enumerate(checkouts)}
        served = {tag: dashboard_server(homes[tag], folder, c) for tag, c in checkouts.items()}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort(),
        )
        samples: dict[str, list[tuple[float, float, float]]] = {tag: [] for tag in served}
        try:
            for i in range(repeats):
                for tag, (base, _) in served.items():
                    samples[tag].append(_browser_promotion(page, base, 1 + i % 10))
        finally:
            browser.close()
            for _, process in served.values():
                process.terminate()
                process.wait(timeout=10)
    return samples


# Clicks Confirm inside the page and times, with the page's own clock, until the success
# message shows and until the rerun has finished drawing.
_CONFIRM_AND_TIME = """() => new Promise(resolve => {
  const app = document.querySelector("[data-testid='stApp']");
  const marks = {};
  const start = performance.now();
  const watch = new MutationObserver(() => {
    const now = performance.now() - start;
    const idle = app.getAttribute("data-test-script-state") === "notRunning";
    if (!marks.shown && document.querySelector("[data-testid='stAlertContentSuccess']")) {
      marks.shown = now;
    }
    if (marks.shown && idle && !document.querySelector("[role='dialog']")) {
      marks.finished = now;
      watch.disconnect();
      resolve(marks);
    }
  });
  watch.observe(document.body, {subtree: true, childList: true, attributes: true});
  [...document.querySelectorAll("[role='dialog'] button")]
    .find(button => button.innerText.includes("Confirm")).click();
})"""


def _browser_promotion(page, base: str, version: int) -> tuple[float, float, float]:
    """(success shown, page finished, server CPU) in seconds after the click on Confirm."""
    page.goto(f"{base}/?page=model&model={TARGET}&version={version}")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.get_by_role("button", name="Promote to Production").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").wait_for()
    page.wait_for_timeout(500)  # a reviewer reads the dialog; charts finish drawing meanwhile
    before = server_cpu(base)
    marks = page.evaluate(_CONFIRM_AND_TIME)
    return marks["shown"] / 1000, marks["finished"] / 1000, server_cpu(base) - before


def release_dashboard_client() -> None:
    """The AppTest sessions' shared client (Streamlit keeps it for the process) lets go of the
    registry file, its log folded in, so the browser servers' copies of it are whole."""
    from registry.config import resolve_home
    from registry.dashboard import session

    session._client_for(str(resolve_home())).release()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000, help="at least 50")
    parser.add_argument("--versions", type=int, default=10, help="versions per model")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--home", type=Path, help="registry home to seed once and reuse")
    parser.add_argument(
        "--big",
        type=int,
        default=0,
        help="also time the Model page of one model with this many versions",
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also time a new tab and the promotion in headless Chromium (/usr/bin/chromium)",
    )
    parser.add_argument(
        "--old", type=Path, help="with --browser: also serve this checkout's dashboard"
    )
    args = parser.parse_args()
    if args.models < 50:
        parser.error(f"--models must be at least 50 ({TARGET} is the model with runs)")
    return args


def prepare(args: argparse.Namespace) -> RegistryClient:
    home = args.home or Path(tempfile.mkdtemp()) / "home"
    os.environ["REGISTRY_HOME"] = str(home)
    client = RegistryClient(home)
    if client.count_registered_models() == 0:
        seconds = timed(lambda: seed(client, args.models, args.versions))
        print(f"seeded {args.models:,} models x {args.versions} versions in {seconds:.0f} s")
    summary = client.get_registry_summary()
    client.release()
    print(f"registry: {summary['models']:,} models, {summary['versions']:,} versions\n")
    return client


def main() -> None:
    args = parse_args()
    # AppTest's widget calls warn "missing ScriptRunContext" on the main thread: harmless here.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: record.levelno >= logging.ERROR
    )
    client, n = prepare(args), args.repeats
    render({})  # the first run in a process pays the imports (streamlit, pandas, plotly)
    rows = [
        (
            "Models page, new session (headline, first 25 models, activity)",
            [render({})[1] for _ in range(n)],
            1,
        ),
        ("Models page, search typed (rerun with a filter)", [searched() for _ in range(n)], 1),
        (
            f"Model page, new session ({args.versions} versions with runs)",
            [render({"page": "model", "model": TARGET})[1] for _ in range(n)],
            1,
        ),
        ("Model page, rerun (a widget changed)", reruns(n), 1),
        (
            "Promotion: Confirm click to the updated page (AppTest)",
            [promotion(1 + i % args.versions) for i in range(n)],
            0.5,
        ),
    ]
    if args.big:
        rows.append(
            (
                f"Model page, new session (one model with {args.big:,} versions)",
                big_model(client, args.big, n),
                1,
            )
        )
    if args.browser:
        release_dashboard_client()
        for tag, runs in browser_promotions(client.home, n, args.old).items():
            shown, finished, cpu = zip(*runs, strict=True)
            rows.append(
                (f"Promotion in Chromium{tag}: Confirm click to the success message", shown, 0.4)
            )
            rows.append(
                (f"Promotion in Chromium{tag}: Confirm click to the page redrawn", finished, 0.4)
            )
            rows.append((f"Promotion in Chromium{tag}: server CPU (not a latency)", cpu, 0.4))
    print("| what | median ms | worst ms | target ms | met |")
    print("|---|---:|---:|---:|---:|")
    for what, samples, target in rows:
        print(row(what, samples, target))
    if args.browser:
        print()
        samples, cpu = first_paint(client.home, n, TARGET, args.old)
        first_paint_report(samples, cpu, n)


if __name__ == "__main__":
    main()
