"""A new tab's first content, in headless Chromium: the dashboard against Streamlit's own
hello world, served the same way on the same machine, alternated in one run.

    .venv/bin/python bench/bench_first_paint.py [--repeats 10] [--home DIR] [--old CHECKOUT]

Each sample is a new browser context (no cache, a new Streamlit session) opening one address
and timing, with the page's own clock from the start of navigation, until the page's first
real content is painted: the hello world's text, the dashboard's page heading (the browser's
Element Timing entry for it: when the frame that first shows it was drawn). The second
figure is when Playwright saw the heading and the page answered a call: later than the paint
by whatever keeps the browser's main thread busy just after it (the page's other elements
loading and drawing), which is what the figures before 2026-12-01 17:00 measured. The links are
the Models list, a shared deep link to one version's Model page, and the Inbox. --home
serves an existing registry; by default the demo is seeded into a temporary folder. --old
serves an older checkout's dashboard as well (``git worktree add /tmp/old COMMIT``), so old
and new are measured in the same run. The server CPU column is the serving process's user
and system time during the tab: the script run, the static files and websocket, and its
background threads.
Target (issue 16): the dashboard within 0.5 s of the hello world.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy

from registry.cli.main import APP, dashboard_command

HELLO = 'import streamlit as st\n\nst.title("Hello, world")\n'
# The first heading in the main area: the hello world's title, each dashboard page's heading.
FIRST_CONTENT = "[data-testid='stMain'] h1, [data-testid='stMain'] h2"
# Marks the heading for the Element Timing API as soon as it is in the document (before the
# frame that paints it) and keeps the paint time of that frame.
_PAINT_WATCH = """
(() => {
  window.__firstContent = null;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === "first-content" && window.__firstContent === null) {
        window.__firstContent = entry.renderTime || entry.loadTime;
      }
    }
  }).observe({type: "element", buffered: true});
  const marker = new MutationObserver(() => {
    const heading = document.querySelector(SELECTOR);
    if (heading) {
      heading.setAttribute("elementtiming", "first-content");
      marker.disconnect();
    }
  });
  marker.observe(document, {subtree: true, childList: true});
})();
""".replace("SELECTOR", repr(FIRST_CONTENT))


# The venv's editable install of this checkout puts a finder for ``registry`` ahead of
# PYTHONPATH: an older checkout's server must drop it, or it runs this checkout's package.
_FROM_CHECKOUT = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]; "
    "sys.path.insert(0, {root!r}); sys.argv[0] = 'launcher'; "
    "runpy.run_module('registry.dashboard.launcher', run_name='__main__')"
)


def serve(
    script: Path, folder: Path, env: dict[str, str] | None = None, checkout: Path | None = None
):
    """``script`` served as ``registry ui`` serves app.py (same options, the same host check),
    with the ``registry`` package of ``checkout`` when given; returns (URL, process)."""
    port = free_port()
    command = dashboard_command(port, headless=True, watch=False)
    command[command.index(str(APP))] = str(script)
    if checkout is not None:
        start = command.index("-m")
        command[start : start + 2] = ["-c", _FROM_CHECKOUT.format(root=str(checkout))]
    log = folder / f"{script.stem}-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, log)
    return url, process


def hello_server(folder: Path):
    """Streamlit's hello world, started with the dashboard's own server options."""
    script = folder / "hello.py"
    script.write_text(HELLO)
    return serve(script, folder)


def dashboard_server(home: Path, folder: Path, checkout: Path | None = None):
    """The dashboard on ``home`` (acting as a reviewer, no notification dispatcher), from this
    checkout or from ``checkout`` (an older commit's worktree, to compare in one run)."""
    env = {"REGISTRY_HOME": str(home), "REGISTRY_USER": "reviewer", "REGISTRY_DISPATCHER": "off"}
    return serve((checkout or APP.parent) / "app.py", folder, env, checkout)


def first_content(browser, url: str) -> tuple[float, float]:
    """Seconds from navigation start to the first heading's paint, and to Playwright seeing
    it, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    base = "/".join(url.split("/")[:3])  # scheme://host:port
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    context.add_init_script(_PAINT_WATCH)
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(FIRST_CONTENT, timeout=120_000)  # at load 30 a tab took over 30 s
    seen = page.evaluate("performance.now()") / 1000
    painted = page.wait_for_function("window.__firstContent", timeout=120_000).json_value()
    context.close()
    return painted / 1000, seen


def server_cpu(url: str) -> float:
    """CPU seconds the server listening at ``url`` has used so far (user + system): a
    measure of the work per tab that the machine's load does not inflate."""
    port = urllib.parse.urlsplit(url).port
    listing = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    pid = re.search(r"pid=(\d+)", listing.stdout).group(1)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed_demo(home: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "registry.cli.main", "--home", str(home), "demo"],
        check=True,
        capture_output=True,
    )


def dashboard_links(base: str, model: str) -> dict[str, str]:
    """The links a new tab opens: the Models list, a shared deep link, the Inbox."""
    return {
        "Models": base,
        "Model page, shared link": f"{base}/model?model={model}&version=1",
        "Inbox": f"{base}/inbox",
    }


def first_paint(
    home: Path, repeats: int, model: str, old: Path | None = None
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[float]]]:
    """Seconds to first content (painted, seen) and server CPU seconds per tab for each link:
    the hello world, the dashboard on ``home`` and, with ``old``, the dashboard of that
    checkout too; all alternated in one run."""
    from playwright.sync_api import sync_playwright

    servers = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        try:
            hello = _started(servers, hello_server(folder))
            links = {
                "hello world": hello,
                **dashboard_links(
                    _started(servers, dashboard_server(copy_of(home, folder / "new"), folder)),
                    model,
                ),
            }
            if old is not None:
                copy = copy_of(home, folder / "old")
                base = _started(servers, dashboard_server(copy, folder, old))
                links.update(
                    {f"{name} (old)": url for name, url in dashboard_links(base, model).items()}
                )
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for url in links.values():  # warm-up: imports, first script runs
                first_content(browser, url)
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in links}
            cpu: dict[str, list[float]] = {name: [] for name in links}
            for _ in range(repeats):  # alternated, so load drifts hit every link
                for name, url in links.items():
                    before = server_cpu(url)
                    samples[name].append(first_content(browser, url))
                    cpu[name].append(server_cpu(url) - before)
            browser.close()
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=10)
    return samples, cpu


def copy_of(home: Path, folder: Path) -> Path:
    """A copy of the registry ``home`` in ``folder``, for a second server: two servers on one
    file would hand it to each other between calls, and both would pay for that."""
    ignore = shutil.ignore_patterns("*.queue", "*.wal")
    return Path(shutil.copytree(home, folder / f"copy-of-{home.name}", ignore=ignore))


def _started(servers: list, started) -> str:
    url, process = started
    servers.append(process)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--home", type=Path, help="serve this registry instead of the demo")
    parser.add_argument("--model", default="churn-classifier", help="the deep link's model")
    parser.add_argument(
        "--old", type=Path, help="also serve the dashboard of this checkout (git worktree)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        if args.home is None:
            seed_demo(home)
        samples, cpu = first_paint(home, args.repeats, args.model, args.old)
    report(samples, cpu, args.repeats)


def report(
    samples: dict[str, list[tuple[float, float]]], cpu: dict[str, list[float]], repeats: int
) -> None:
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"### First content in a new tab ({repeats} tabs each, load {load}, {time.ctime()})\n")
    print(
        "| link | painted, median s | p90 s | vs hello world | seen by Playwright, median s "
        "| vs hello world | server CPU s per tab |"
    )
    print("|---|---|---|---|---|---|---|")
    hello = [statistics.median(column) for column in zip(*samples["hello world"], strict=True)]
    for name, values in samples.items():
        cells = []
        for column, base in zip(zip(*values, strict=True), hello, strict=True):
            median = statistics.median(column)
            p90 = sorted(column)[max(0, int(len(column) * 0.9) - 1)]
            delta = "" if name == "hello world" else f"{median - base:+.2f} s"
            cells.append((median, p90, delta))
        (painted, p90, delta), (seen, _, seen_delta) = cells
        work = statistics.median(cpu[name])
        print(
            f"| {name} | {painted:.2f} | {p90:.2f} | {delta} | {seen:.2f} | {seen_delta} "
            f"| {work:.2f} |"
        )


if __name__ == "__main__":
    main()
