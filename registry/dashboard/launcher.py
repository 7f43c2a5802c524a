"""Serve the dashboard (``app.py``) with the host check in front of Streamlit's server.

``python -m registry.dashboard.launcher APP --server.port 8501 --server.address 127.0.0.1 ...``
takes ``streamlit run``'s configuration flags. Streamlit accepts any ``Host`` header, so a
page on another site could reach a dashboard on localhost through DNS rebinding; here every
page request and websocket upgrade whose ``Host`` is not one of the dashboard's names is
refused first (``registry.server.hosts``). ``registry ui`` starts the dashboard this way.
"""

from __future__ import annotations

import sys
from pathlib import Path


def parse_flags(argv: list[str]) -> dict[str, object]:
    """``['--server.port', '8501', '--server.headless', 'true']`` ->
    ``{'server.port': 8501, 'server.headless': True}``."""
    options: dict[str, object] = {}
    pairs = iter(argv)
    for flag in pairs:
        if not flag.startswith("--"):
            raise SystemExit(f"launcher: expected --section.option VALUE, got {flag!r}")
        value = next(pairs, None)
        if value is None:
            raise SystemExit(f"launcher: {flag} needs a value")
        options[flag[2:]] = _typed(value)
    return options


def _typed(value: str) -> object:
    if value in ("true", "false"):
        return value == "true"
    return int(value) if value.isdigit() else value


def main(argv: list[str]) -> None:
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import App

    from registry.server.hosts import HostCheck, allowed_hosts

    script, options = Path(argv[0]).resolve(), parse_flags(argv[1:])
    listen = str(options.get("server.address", "127.0.0.1"))
    hosts = allowed_hosts(listen, int(options.get("server.port", 8501)))
    # App.run anchors Streamlit's script-level config (.streamlit/ beside app.py) on argv[0].
    sys.argv = [str(script)]
    App(script, middleware=[Middleware(HostCheck, hosts=hosts)]).run(config=options)


if __name__ == "__main__":
    main(sys.argv[1:])
