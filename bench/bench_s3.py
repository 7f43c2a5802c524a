"""Model files on S3-compatible storage (moto's server on 127.0.0.1), and ``registry copy``.

    .venv/bin/python bench/bench_s3.py [--mb 64] [--small 200] [--demo HOME]

Prints, in one run against one moto server: obstore and boto3 side by side (one big object
up and down, MB/s; ``--small`` 16 KB objects put and got one at a time, ms each); a big file
streamed through ``registry server`` with a folder and with ``--artifacts s3://...``; and
``registry copy`` of a demo registry (``--demo``, else one seeded here, about 1-2 minutes)
into a new home and into a new home with its files in the bucket. moto keeps objects in
memory in one Python process, so these numbers bound what the registry adds, not what S3
gives.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from s3_support import moto_process  # noqa: E402
from server_support import ServerProcess, create_token  # noqa: E402

CHUNK = 1 << 20


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def libraries(bucket: str, data: bytes, small: int) -> None:
    import boto3
    import obstore
    from obstore.store import S3Store

    store = S3Store(bucket, client_options={"allow_http": True})
    s3 = boto3.client("s3")
    tiny = os.urandom(16 << 10)
    mb = len(data) / 1e6
    runs = {
        "obstore": (
            lambda: obstore.put(store, "big-o", data),
            lambda: b"".join(bytes(c) for c in obstore.get(store, "big-o").stream(CHUNK)),
            lambda i: obstore.put(store, f"small-o/{i}", tiny),
            lambda i: obstore.get(store, f"small-o/{i}").bytes(),
        ),
        "boto3": (
            lambda: s3.put_object(Bucket=bucket, Key="big-b", Body=data),
            lambda: b"".join(s3.get_object(Bucket=bucket, Key="big-b")["Body"].iter_chunks(CHUNK)),
            lambda i: s3.put_object(Bucket=bucket, Key=f"small-b/{i}", Body=tiny),
            lambda i: s3.get_object(Bucket=bucket, Key=f"small-b/{i}")["Body"].read(),
        ),
    }
    for name, (up, down, put, get) in runs.items():
        t_up, t_down = timed(up), timed(down)
        t_put = timed(lambda put=put: [put(i) for i in range(small)])
        t_get = timed(lambda get=get: [get(i) for i in range(small)])
        print(
            f"{name:<8} {mb:.0f} MB up {mb / t_up:6.0f} MB/s, down {mb / t_down:6.0f} MB/s; "
            f"16 KB put {t_put / small * 1e3:5.1f} ms, get {t_get / small * 1e3:5.1f} ms"
        )


def through_server(folder: Path, label: str, data: bytes, *args: str) -> None:
    home = folder / label
    token = create_token(home, "bench", "admin")
    server = ServerProcess(home, folder / f"{label}.log", args=args).start()
    try:
        sha = hashlib.sha256(data).hexdigest()
        url, headers = f"{server.url}/api/v1/blobs/{sha}", {"authorization": f"Bearer {token}"}
        chunks = (data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20))
        up = timed(lambda: httpx.put(url, content=chunks, headers=headers, timeout=300))

        def download() -> None:
            with httpx.stream("GET", url, headers=headers, timeout=300) as answer:
                for _ in answer.iter_bytes():
                    pass

        down = timed(download)
        mb = len(data) / 1e6
        print(f"server, files in {label:<7} up {mb / up:6.0f} MB/s, down {mb / down:6.0f} MB/s")
    finally:
        server.stop()


def copies(folder: Path, demo: Path, bucket: str) -> None:
    command = [sys.executable, "-m", "registry.cli", "copy", "--from", str(demo)]
    for label, extra in (
        ("a home", []),
        ("a home + bucket", ["--to-artifacts", f"s3://{bucket}/c"]),
    ):
        target = folder / f"copy-{len(extra)}"
        run = lambda target=target, extra=extra: subprocess.run(  # noqa: E731
            [*command, "--to", str(target), *extra], check=True, capture_output=True, text=True
        )
        first, again = timed(run), timed(run)
        print(f"registry copy demo -> {label:<16} {first:5.1f} s (command), again {again:4.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=64)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--demo", type=Path, help="an existing demo home (else one is seeded)")
    args = parser.parse_args()
    data = os.urandom(args.mb << 20)
    with tempfile.TemporaryDirectory() as tmp, moto_process() as (endpoint, _):
        folder = Path(tmp)
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
        )
        import boto3

        for bucket in ("bench-libs", "bench-server", "bench-copy"):
            boto3.client("s3").create_bucket(Bucket=bucket)
        libraries("bench-libs", data, args.small)
        through_server(folder, "folder", data)
        through_server(folder, "bucket", data, "--artifacts", "s3://bench-server/reg")
        demo = args.demo
        if demo is None:
            demo = folder / "demo"
            with contextlib.chdir(folder):
                subprocess.run(
                    [sys.executable, "-m", "registry.cli", "--home", str(demo), "demo",
                     "--data-dir", str(folder / "data")],
                    check=True, capture_output=True,
                )  # fmt: skip
        copies(folder, demo, "bench-copy")


if __name__ == "__main__":
    main()
