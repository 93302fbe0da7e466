"""`langgraph dev` (the LangGraph Studio server) from the repo's langgraph.json, driven with
the official `langgraph_sdk` client: every graph is served, its input, state and context
schemas render, and each one runs: the planning graph plans a sample photo given by path,
the brief agent talks a brief into shape and previews it (and says it cannot render: Studio
has no job system), the video graph makes a short video."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.conftest import sample
from tests.e2e.studio import langgraph_dev

pytestmark = pytest.mark.slow

GRAPHS = {"video", "planning", "brief"}
BRIEF: dict[str, Any] = {
    "kind": "promo",
    "text": "AURUM Eau de Parfum, amber and vanilla. Shop now",
    "duration_s": 6,
    "aspect_ratios": ["1:1"],
}


@pytest.fixture
def studio_url(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[str]:
    # No output-QA redo: the video graph's run is one render, not three.
    with langgraph_dev(tmp_path, {**cli_env, "AISTUDIO_MAX_QA_RETRIES": "0"}) as url:
        yield url


async def _assistants(client: LangGraphClient) -> dict[str, Any]:
    assistants = await client.assistants.search(limit=20)
    by_graph = {a["graph_id"]: a for a in assistants}
    assert set(by_graph) == GRAPHS, by_graph
    return by_graph


async def _check_schemas(client: LangGraphClient, by_graph: dict[str, Any]) -> None:
    for graph_id in sorted(GRAPHS):
        schemas = await client.assistants.get_schemas(by_graph[graph_id]["assistant_id"])
        inputs = schemas["input_schema"] or {}
        state = schemas["state_schema"] or {}
        context = schemas["context_schema"] or {}
        json.dumps(schemas)  # every schema is plain JSON
        if graph_id == "brief":
            # A chat: messages in; the thread holds the structured brief beside them.
            assert set(inputs["properties"]) == {"messages"}, inputs
            assert {"messages", "brief", "photos", "preview", "jobs"} == set(state["properties"])
            assert set(context["properties"]) == {"data_dir", "video_provider", "chat_model"}
            assert context["properties"]["chat_model"]["enum"] == ["configured", "offline"]
            continue
        # Studio's input form: the brief and the photo as a path or URL, not a stored Asset.
        assert {"brief", "photo"} <= set(inputs["properties"]), (graph_id, inputs)
        assert set(inputs["required"]) == {"brief", "photo"}
        assert {"product", "plan", "plan_qa", "feedback"} <= set(state["properties"])
        assert set(context["properties"]) == {"data_dir", "video_provider"}, context


async def _plan(client: LangGraphClient, assistant: str, data: Path) -> None:
    thread = await client.threads.create()
    final = await asyncio.wait_for(
        client.runs.wait(
            thread["thread_id"],
            assistant,
            input={"brief": BRIEF, "photo": str(sample("aurum-perfume.png"))},
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


async def _talk(client: LangGraphClient, assistant: str, data: Path) -> None:
    """The brief agent on the offline model (the context asks for it), its tools running
    on the toolbox Studio built from Settings and the graph's own planning previewer."""
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    thread = await client.threads.create()
    context = {"data_dir": str(data), "chat_model": "offline"}
    first: Any = {
        "role": "user",
        "content": [
            {"type": "text", "text": "It's called AURUM Eau de Parfum"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
        ],
    }
    start: Any = {"messages": [first]}
    values: Any = await client.runs.wait(
        thread["thread_id"], assistant, input=start, context=context
    )
    assert values["brief"]["reference"]["kind"] == "reference", values
    said: Any = {
        "messages": [
            {
                "role": "user",
                "content": "make it 6 seconds, square, show me the storyboard and render it",
            }
        ]
    }
    values = await asyncio.wait_for(
        client.runs.wait(
            thread["thread_id"],
            assistant,
            input=said,
            context=context,
        ),
        timeout=300,
    )
    assert values["brief"]["duration_s"] == 6.0 and values["brief"]["aspect_ratios"] == ["1:1"]
    preview = values["preview"]
    assert preview["shots"] and preview["storyboard"]["mime"] == "image/png"
    results = {m["name"]: m for m in values["messages"] if m["type"] == "tool"}
    assert results["preview_plan"]["status"] == "success"
    # No job system in Studio: a clear tool result, the run itself does not fail.
    assert results["render"]["status"] == "error"
    assert json.loads(results["render"]["content"]) == {"error": "rendering is not available here"}
    assert "not available here" in values["messages"][-1]["content"]
    assert values["jobs"] == []
    stored = [p for p in (data / "storage").rglob("*") if p.is_file()]
    assert any(p.read_bytes().startswith(b"\x89PNG") for p in stored)


async def _render(client: LangGraphClient, assistant: str, data: Path) -> None:
    thread = await client.threads.create()
    final = await asyncio.wait_for(
        client.runs.wait(
            thread["thread_id"],
            assistant,
            input={"brief": BRIEF, "photo": str(sample("aurum-perfume.png"))},
            context={"data_dir": str(data)},
        ),
        timeout=600,
    )
    assert isinstance(final, dict) and "__error__" not in final, final
    assert final["status"] in ("completed", "completed_with_warnings"), final.get("error")
    assert "video_1x1.mp4" in final["published"], final["published"]


async def test_every_graph_is_served_with_its_schemas_and_runs(
    studio_url: str, tmp_path: Path
) -> None:
    client = get_client(url=studio_url)
    by_graph = await _assistants(client)
    await _check_schemas(client, by_graph)
    await _plan(client, by_graph["planning"]["assistant_id"], tmp_path / "planning-data")
    await _talk(client, by_graph["brief"]["assistant_id"], tmp_path / "brief-data")
    await _render(client, by_graph["video"]["assistant_id"], tmp_path / "video-data")
