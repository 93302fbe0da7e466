"""Traces reach LangSmith (a loopback fake of its ingestion endpoints) named, tagged, with
tool calls visible and no key, signed-link credential or base64 in them: a small graph, and
the brief agent served over the Agent Protocol."""

from __future__ import annotations

import base64
import operator
from pathlib import Path
from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph, add_messages
from langgraph.prebuilt import ToolNode
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from typing_extensions import TypedDict

from aistudio.server.app import create_app
from aistudio.server.auth import generate_api_key
from aistudio.settings import Settings
from aistudio.tools.toolbox import build_toolbox
from aistudio.tools.tracing import RunLabels, Tracing
from tests.conftest import sample
from tests.fakes.asgi import serving, serving_in_thread
from tests.fakes.langsmith import FakeLangSmith
from tests.server.conftest import finished, new_key, promo_body, server_settings
from tests.server.fakes import fast_toolbox

PHOTO = base64.b64encode(bytes(range(256)) * 16).decode()
KEY = "lsv2_pt_0123456789abcdef0123456789abcdef_0123456789"
PROMO = "/api/v1/video/generate-promo-video"
SIGNED = (
    "http://127.0.0.1:8000/api/v1/assets/promo-1/storyboard.png?expires=1700000000&sig=SeCrEtSiG"
)


@tool
def preview_plan(photo: str) -> str:
    """Draw the storyboard of the brief with this photo."""
    return f"storyboard at {SIGNED} (photo of {len(photo)} chars)"


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    turns: Annotated[int, operator.add]


async def agent(state: State) -> dict[str, object]:
    if state["turns"]:
        return {"messages": [AIMessage("Here is your storyboard.")], "turns": 1}
    call = {"name": "preview_plan", "args": {"photo": f"data:image/png;base64,{PHOTO}"}, "id": "c1"}
    return {"messages": [AIMessage("", tool_calls=[call])], "turns": 1}


def build_graph() -> StateGraph[State]:
    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([preview_plan]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges(
        "agent", lambda s: "tools" if s["messages"][-1].tool_calls else END, ["tools", END]
    )
    graph.add_edge("tools", "agent")
    return graph


async def test_a_traced_run_is_tagged_and_carries_no_secret() -> None:
    fake = FakeLangSmith()
    async with serving(fake) as base:
        settings = Settings(
            langsmith_tracing=True,
            langsmith_api_key=KEY,
            langsmith_endpoint=base,
            langsmith_project="studio-tests",
        )
        tracing = Tracing(settings)
        assert tracing.enabled
        labels = RunLabels("brief", thread_id="t-42", tenant="acme", kind="promo")
        start = State(
            messages=[HumanMessage(f"my key is sk-abcdefghijklmnop1234, photo {PHOTO}")], turns=0
        )
        result = await build_graph().compile().ainvoke(start, tracing.config(labels))
        assert result["messages"][-1].content == "Here is your storyboard."
        await tracing.flush()

    runs = fake.runs()
    root = next(r for r in runs.values() if r.get("name") == "aistudio.brief")
    assert {"graph:brief", "thread:t-42", "tenant:acme", "kind:promo"} <= set(root["tags"])
    assert root["session_name"] == "studio-tests"
    metadata = root["extra"]["metadata"]
    assert metadata["thread_id"] == "t-42" and metadata["tenant"] == "acme"
    tool_runs = [r for r in runs.values() if r.get("run_type") == "tool"]
    assert [r["name"] for r in tool_runs] == ["preview_plan"]  # the tool call shows
    assert "storyboard at http://127.0.0.1:8000/api/v1/assets/promo-1/storyboard.png" in str(
        tool_runs[0]["outputs"]
    )
    every_byte = b"".join(fake.payloads())
    for secret in (KEY, "sk-abcdefghijklmnop1234", "SeCrEtSiG", "1700000000", PHOTO[:80]):
        assert secret.encode() not in every_byte, secret
    sent_key = {r.headers.get("x-api-key") for r in fake.requests if r.route == "multipart"}
    assert sent_key == {KEY}  # the key authenticates the upload, and only there


async def test_a_brief_conversation_is_traced_by_thread_and_tenant(data_dir: Path) -> None:
    """The brief agent served over the Agent Protocol with tracing on: the photo arrives
    as a data: URL; every run reaches LangSmith named and tagged with its thread and tenant,
    its tool calls show, and no key or base64 is in any payload."""
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    fake = FakeLangSmith()
    async with serving_in_thread(fake) as base:
        settings = Settings(
            data_dir=data_dir,
            langsmith_tracing=True,
            langsmith_api_key=KEY,
            langsmith_endpoint=base,
            langsmith_project="studio-tests",
        )
        tools = build_toolbox(settings)
        async with AsyncTestClient(app=create_app(settings, toolbox=tools), timeout=120) as client:
            key = generate_api_key()
            await client.app.state.store.add_api_key(key.key_id, "acme", key.hash)
            headers = {"X-API-Key": key.plaintext}
            agent = "/api/v1/agent/threads"
            tid = (await client.post(agent, json={}, headers=headers)).json()["thread_id"]
            message = {
                "role": "user",
                "content": [
                    {"type": "text", "text": "It's called AURUM Eau de Parfum, make it square"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
                ],
            }
            answer = await client.post(
                f"{agent}/{tid}/runs/wait",
                json={"assistant_id": "brief", "input": {"messages": [message]}},
                headers=headers,
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["brief"]["reference"]["kind"] == "reference"
            await tools.tracing.flush()

    runs = fake.runs()
    (root,) = [r for r in runs.values() if r.get("name") == "aistudio.brief"]
    assert {"graph:brief", f"thread:{tid}", "tenant:acme"} <= set(root["tags"])
    metadata = root["extra"]["metadata"]
    assert metadata["thread_id"] == tid and metadata["tenant"] == "acme"
    assert root["session_name"] == "studio-tests"
    tool_runs = sorted(r["name"] for r in runs.values() if r.get("run_type") == "tool")
    assert tool_runs == ["analyze_reference", "update_brief"]  # the tool calls show
    assert any(r.get("run_type") == "llm" for r in runs.values())  # the chat model's call
    every_byte = b"".join(fake.payloads())
    assert b"AURUM Eau de Parfum" in every_byte  # the conversation is there ...
    for secret in (KEY, key.plaintext, photo[:80], photo[-80:]):
        assert secret.encode() not in every_byte, secret[:12]  # ... its secrets are not


async def test_a_traced_job_is_tagged_with_its_job_and_tenant(data_dir: Path) -> None:
    """A video job submitted over the API with a base64 photo: its graph run reaches
    LangSmith named aistudio.video and tagged with the job id, tenant and kind, the planning
    agents show as child runs, and neither the photo nor a key nor a link's signature is in
    any payload."""
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    fake = FakeLangSmith()
    async with serving_in_thread(fake) as base:
        settings = server_settings(data_dir).model_copy(
            update={
                "langsmith_tracing": True,
                "langsmith_api_key": SecretStr(KEY),
                "langsmith_endpoint": base,
            }
        )
        tools = fast_toolbox(settings)
        assert tools.tracing.enabled
        async with AsyncTestClient(app=create_app(settings, toolbox=tools), timeout=120) as client:
            headers = await new_key(client, "acme")
            body = {**promo_body(), "reference_image_b64": photo}
            submitted = await client.post(PROMO, json=body, headers=headers)
            assert submitted.status_code == 202, submitted.text
            job = await finished(client, submitted.json()["job_id"], headers)
            key = headers["Authorization"].removeprefix("Bearer ")
            await tools.tracing.flush()

    runs = fake.runs()
    (root,) = [r for r in runs.values() if r.get("name") == "aistudio.video"]
    assert {"graph:video", f"job:{job['id']}", "tenant:acme", "kind:promo"} <= set(root["tags"])
    assert root["extra"]["metadata"]["job_id"] == job["id"]
    names = {r.get("name") for r in runs.values()}
    assert {"planning", "concept", "render_submit", "compose", "publish"} <= names
    every_byte = b"".join(fake.payloads())
    for secret in (KEY, key, photo[:80], photo[-80:], "test-secret"):
        assert secret.encode() not in every_byte, secret[:12]
    assert b"sig=" not in every_byte.replace(b"sig=[redacted]", b"")
