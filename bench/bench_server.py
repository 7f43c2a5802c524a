"""A registry server against ``mlflow server`` (3.17.2, sqlite), the same workload, one run.

    .venv/bin/python bench/bench_server.py [--calls 30] [--rounds 2] [--clients 8]
                                           [--per-client 50] [--no-mlflow]

Starts ``registry server`` and ``mlflow server`` on 127.0.0.1, seeds both with 100 models x
10 versions through their clients (one call at a time), then alternates the workload of
``workload.py`` between them for ``--rounds`` rounds and prints, per call, p50 and
p95 over loopback and the ratio of medians (MLflow's / ours), then versions created per
second by 1 and by ``--clients`` concurrent client processes. MLflow runs from its own
virtualenv, built once under ~/.cache/registry-bench (``--mlflow-venv`` to choose another).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "bench" / "workload.py"
MLFLOW = "mlflow==3.17.2"
DEFAULT_VENV = Path.home() / ".cache" / "registry-bench" / "mlflow-3.17.2"
sys.path.insert(0, str(ROOT / "tests"))
from server_support import ServerProcess, create_token, free_port, wait_healthy  # noqa: E402


def mlflow_python(venv: Path) -> Path:
    """The python of a virtualenv with MLflow, built on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"building {venv} with {MLFLOW} (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", MLFLOW], check=True)
    return python


class MlflowServer:
    def __init__(self, python: Path, folder: Path):
        self.python, self.folder = python, folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> MlflowServer:
        command = [
            str(self.python.parent / "mlflow"), "server",
            "--backend-store-uri", f"sqlite:///{self.folder}/mlflow.db",
            "--default-artifact-root", str(self.folder / "artifacts"),
            "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
        log = open(self.folder / "mlflow.log", "wb")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        wait_healthy(self.url, self.process, timeout=120)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(30)


def workload(python: Path, flavor: str, uri: str, token: str | None, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REGISTRY_HOME", None)
    if token:
        env["REGISTRY_TOKEN"] = token
    # In a scratch folder: MLflow writes ./mlruns beside a sqlite store.
    with tempfile.TemporaryDirectory(prefix="workload-") as scratch:
        done = subprocess.run(
            [str(python), str(WORKLOAD), "--flavor", flavor, "--uri", uri, *args],
            capture_output=True, text=True, env=env, check=False, cwd=scratch,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{flavor} workload failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def concurrent_rate(python, flavor, uri, token, clients: int, each: int, model: str) -> float:
    """Versions per second created by ``clients`` processes, each ``each`` versions."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_TOKEN": token or ""}
    env.pop("REGISTRY_HOME", None)
    command = [str(python), str(WORKLOAD), "--flavor", flavor, "--uri", uri, "create"]
    command += ["--model", model, "--count", str(each)]
    started = time.perf_counter()
    running = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(clients)
    ]
    failures = [p for p in running if p.wait() != 0]
    elapsed = time.perf_counter() - started
    if failures:
        print(f"{flavor}: {len(failures)} of {clients} clients failed", file=sys.stderr)
    return clients * each / elapsed


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(ours: dict[str, list[float]], theirs: dict[str, list[float]] | None) -> str:
    lines = ["| call | registry server p50 / p95 | mlflow server p50 / p95 | ratio |"]
    lines.append("|---|---|---|---|")
    for label, samples in ours.items():
        mine = f"{statistics.median(samples):.1f} / {percentile(samples, 0.95):.1f} ms"
        if theirs and label in theirs:
            other = theirs[label]
            ratio = statistics.median(other) / statistics.median(samples)
            cell = f"{statistics.median(other):.1f} / {percentile(other, 0.95):.1f} ms"
            lines.append(f"| {label} | {mine} | {cell} | {ratio:.1f}x |")
        else:
            lines.append(f"| {label} | {mine} | - | - |")
    return "\n".join(lines)


def merge(into: dict[str, list[float]], more: dict[str, list[float]]) -> None:
    for label, samples in more.items():
        into.setdefault(label, []).extend(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--mlflow-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="bench-server-"))
    ours_python = Path(sys.executable)
    token = create_token(folder / "home", "bench")
    server = ServerProcess(folder / "home", folder / "server.log").start()
    mlflow = None
    try:
        if not args.no_mlflow:
            theirs_python = mlflow_python(args.mlflow_venv)
            (folder / "mlflow").mkdir()
            mlflow = MlflowServer(theirs_python, folder / "mlflow").start()
        ours = workload(ours_python, "registry", server.url, token, "seed")
        theirs = workload(theirs_python, "mlflow", mlflow.url, None, "seed") if mlflow else None
        for _ in range(args.rounds):
            merge(ours, workload(ours_python, "registry", server.url, token, "calls",
                                 "--calls", str(args.calls)))  # fmt: skip
            if mlflow:
                merge(theirs, workload(theirs_python, "mlflow", mlflow.url, None, "calls",
                                       "--calls", str(args.calls)))  # fmt: skip
        print(table(ours, theirs))
        print()
        print("| versions created per second | registry server | mlflow server | ratio |")
        print("|---|---|---|---|")
        for clients in (1, args.clients):
            each = args.per_client
            mine = concurrent_rate(ours_python, "registry", server.url, token, clients, each,
                                   "model-1")  # fmt: skip
            other = None
            if mlflow:
                other = concurrent_rate(theirs_python, "mlflow", mlflow.url, None, clients, each,
                                        "model-1")  # fmt: skip
            ratio = f"{mine / other:.1f}x" if other else "-"
            print(f"| {clients} client(s) | {mine:.0f} | {other or 0:.0f} | {ratio} |")
        took = workload(ours_python, "registry", server.url, token, "bulk", "--model",
                        "model-2", "--count", "10000")["bulk"][0]  # fmt: skip
        print(f"| 1 client, create_model_versions of 10,000 | {10_000 / took * 1000:.0f} | - | - |")
    finally:
        server.stop()
        if mlflow:
            mlflow.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
