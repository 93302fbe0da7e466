"""`langgraph dev` (the LangGraph Studio server, langgraph-api in memory) from the repo's
langgraph.json, on a free loopback port, in its own environment (.venv-studio, made by
scripts/setup): the reference implementation of the Agent Protocol our server speaks."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import ROOT

# The Studio server's own environment (pyproject extra `studio`), layered over .venv.
STUDIO_VENV = ROOT / ".venv-studio"
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def config_outside_the_repo(folder: Path) -> Path:
    """The repo's langgraph.json with its paths made absolute, so the server can run in a
    scratch folder (it resolves them against its working directory)."""
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str((ROOT / dep).resolve()) for dep in config["dependencies"]]
    config["graphs"] = {
        name: str((ROOT / spec.split(":")[0]).resolve()) + ":" + spec.split(":")[1]
        for name, spec in config["graphs"].items()
    }
    config.pop("env", None)  # a developer's .env must not reach the test
    path = folder / "langgraph.json"
    path.write_text(json.dumps(config))
    return path


@contextlib.contextmanager
def langgraph_dev(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """The server's base URL while the block runs; its log is `folder/langgraph-dev.log`."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **env,
        "AISTUDIO_DATA_DIR": str(folder / "default-data"),
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    env.pop("LANGSMITH_API_KEY", None)
    langgraph = STUDIO_VENV / "bin" / "langgraph"
    assert langgraph.exists(), f"{langgraph} is missing: run scripts/setup"
    log_path = folder / "langgraph-dev.log"
    argv = [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*argv, "--port", str(port), "--config", str(config_outside_the_repo(folder))],
            cwd=folder,  # the dev server keeps its threads in .langgraph_api/ under its cwd
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                assert server.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "langgraph dev did not start"
                try:
                    if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            yield url
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # the server and its workers: ours alone
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
