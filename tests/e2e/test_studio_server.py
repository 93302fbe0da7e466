"""`langgraph dev` (the LangGraph Studio server) from the repo's langgraph.json, driven with
the official `langgraph_sdk` client: every graph is served, its input, state and context
schemas render, and the planning graph plans a sample photo given by path."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import ROOT, sample

pytestmark = pytest.mark.slow

GRAPHS = {"video", "planning"}
# The Studio server's own environment (pyproject extra `studio`), layered over .venv.
STUDIO_VENV = ROOT / ".venv-studio"
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _config_outside_the_repo(folder: Path) -> Path:
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


@pytest.fixture
def studio_url(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    env = {
        **cli_env,
        "AISTUDIO_DATA_DIR": str(tmp_path / "default-data"),
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    env.pop("LANGSMITH_API_KEY", None)
    langgraph = STUDIO_VENV / "bin" / "langgraph"  # scripts/setup makes it
    assert langgraph.exists(), f"{langgraph} is missing: run scripts/setup"
    log = (tmp_path / "langgraph-dev.log").open("wb")
    argv = [str(langgraph), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*argv, "--port", str(port), "--config", str(_config_outside_the_repo(tmp_path))],
        cwd=tmp_path,  # the dev server keeps its threads in .langgraph_api/ under its cwd
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert server.poll() is None, (tmp_path / "langgraph-dev.log").read_text()[-3000:]
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
        log.close()


async def test_every_graph_is_served_with_its_schemas_and_planning_runs(
    studio_url: str, tmp_path: Path
) -> None:
    client = get_client(url=studio_url)
    assistants = await client.assistants.search(limit=20)
    by_graph = {a["graph_id"]: a for a in assistants}
    assert set(by_graph) >= GRAPHS, by_graph

    for graph_id in sorted(GRAPHS):
        schemas = await client.assistants.get_schemas(by_graph[graph_id]["assistant_id"])
        inputs = schemas["input_schema"] or {}
        state = schemas["state_schema"] or {}
        context = schemas["context_schema"] or {}
        # Studio's input form: the brief and the photo as a path or URL, not a stored Asset.
        assert {"brief", "photo"} <= set(inputs["properties"]), (graph_id, inputs)
        assert set(inputs["required"]) == {"brief", "photo"}
        assert {"product", "plan", "plan_qa", "feedback"} <= set(state["properties"])
        assert set(context["properties"]) == {"data_dir", "video_provider"}, context

    data = tmp_path / "studio-data"
    thread = await client.threads.create()
    brief: dict[str, Any] = {
        "kind": "promo",
        "text": "AURUM Eau de Parfum, amber and vanilla. Shop now",
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
    }
    final = await asyncio.wait_for(
        client.runs.wait(
            thread["thread_id"],
            by_graph["planning"]["assistant_id"],
            input={"brief": brief, "photo": str(sample("aurum-perfume.png"))},
            context={"data_dir": str(data)},
        ),
        timeout=300,
    )
    assert isinstance(final, dict) and "__error__" not in final, final
    assert final["status"] == "running" and final["job_id"] == thread["thread_id"]
    assert final["plan_qa"]["stage"] == "plan"
    assert all(check["passed"] for check in final["plan_qa"]["checks"]), final["plan_qa"]
    assert len(final["plan"]["shots"]) >= 2 and final["product"]["palette"]
    # The run used the toolbox its context chose: the photo is stored under that folder.
    assert final["reference"]["kind"] == "reference"
    assert any((data / "storage").rglob("*")), "nothing stored in the context's data_dir"

    snapshot = await client.threads.get_state(thread["thread_id"])
    values = snapshot["values"]
    assert snapshot["next"] == [] and isinstance(values, dict)
    assert values["plan"] == final["plan"]
