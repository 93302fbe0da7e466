"""The brief agent on a tool-calling LLM: `aistudio serve` with the real `langchain-openai`
ChatOpenAI pointed at the loopback OpenAI, driven with the official sdk over the Agent
Protocol stream. The model's tool calls arrive as streamed argument fragments and its
replies as streamed tokens; the tools really run (update_brief patches the draft,
analyze_reference reads the photo, preview_plan plans and draws the storyboard); a tool
call whose arguments fail validation goes back to the model as the tool result, and the
model corrects itself."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.conftest import sample
from tests.e2e.studio import free_port
from tests.e2e.test_serve import serving
from tests.fakes.asgi import serving as serving_fake
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.fakes.openai_agent import Call, Turn, words

pytestmark = pytest.mark.slow
TOOLS = {"update_brief", "analyze_reference", "preview_plan", "estimate_cost", "render"}
NAMED = "Done: AURUM Eau de Parfum, 6 seconds, square. The label on your photo reads AURUM."
WIDE = "4:3 is not a format I can make, so the video is 16:9, wide."


def _last_tool_result(body: dict[str, Any]) -> dict[str, Any]:
    """The last message of a request to the model: what the tool said."""
    message = body["messages"][-1]
    assert message["role"] == "tool", message
    return dict(message)


def corrected(body: dict[str, Any]) -> Turn:
    """A model that reads the validation error and picks a format the tool takes."""
    said = _last_tool_result(body)["content"]
    if "aspect_ratios" in said and "16:9" in said:
        return Turn(calls=(Call("update_brief", {"aspect_ratios": ["16:9"]}),))
    return Turn(content="I could not tell what went wrong.")


def storyboard_reply(body: dict[str, Any]) -> Turn:
    preview = json.loads(_last_tool_result(body)["content"])
    return Turn(
        content=f"Here is the storyboard: {len(preview['shots'])} shots. "
        f"{preview['storyboard_url']}"
    )


async def _turn(
    client: LangGraphClient, thread_id: str, content: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One user message over `runs.stream`: the final values and every AI message chunk.
    Every message streamed is one of the conversation's: the planning agents' and the vision
    model's JSON (asked for inside the tools) never reaches the chat."""
    chunks: list[dict[str, Any]] = []
    streamed: set[str] = set()
    values: dict[str, Any] = {}
    said: Any = {"messages": [{"role": "user", "content": content}]}
    async for part in client.runs.stream(
        thread_id,
        "brief",
        input=said,
        stream_mode=["values", "messages-tuple"],
    ):
        assert part.event != "error", part.data
        if part.event == "messages":
            streamed.add(part.data[0]["id"])
            if part.data[0]["type"] == "AIMessageChunk":
                chunks.append(part.data[0])
        elif part.event == "values":
            values = part.data
    assert streamed <= {message["id"] for message in values["messages"]}
    return values, chunks


def _text_pieces(chunks: list[dict[str, Any]]) -> list[str]:
    return [str(c["content"]) for c in chunks if c["content"]]


def _argument_fragments(chunks: list[dict[str, Any]]) -> list[str]:
    return [t["args"] for c in chunks for t in c.get("tool_call_chunks") or () if t["args"]]


async def test_a_tool_calling_llm_talks_a_brief_into_shape(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    fake = FakeOpenAI()
    fake.converse(
        # 1. the photo and the product's name, format and length, in one message
        Turn(
            calls=(
                Call(
                    "update_brief",
                    {
                        "product_name": "AURUM Eau de Parfum",
                        "duration_s": 6,
                        "aspect_ratios": ["1:1"],
                    },
                ),
                Call("analyze_reference", {"photo": "photo-1"}),
            )
        ),
        Turn(content=NAMED),
        # 2. a format the tool does not take; the model reads the error and corrects itself
        Turn(calls=(Call("update_brief", {"aspect_ratios": ["4:3"]}),)),
        corrected,
        Turn(content=WIDE),
        # 3. the storyboard: the planning subgraph runs, the model reads what it drew
        Turn(calls=(Call("preview_plan", {}),)),
        storyboard_reply,
    )
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    async with serving_fake(fake):
        env = {
            **{k: v for k, v in cli_env.items() if not k.startswith("OPENAI_")},
            "OPENAI_API_KEY": API_KEY,
            "AISTUDIO_LLM__BASE_URL": f"{fake.base_url}/v1",
            "AISTUDIO_LLM__TIMEOUT_S": "20",
        }
        port = free_port()
        with serving(aistudio_cmd, env, tmp_path / "data", port):
            client = get_client(url=f"http://127.0.0.1:{port}/api/v1/agent")
            tid = (await client.threads.create())["thread_id"]

            values, chunks = await _turn(
                client,
                tid,
                [
                    {"type": "text", "text": "It's AURUM Eau de Parfum, 6 s, square"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
                ],
            )
            brief = values["brief"]
            assert (brief["product_name"], brief["duration_s"]) == ("AURUM Eau de Parfum", 6.0)
            assert brief["aspect_ratios"] == ["1:1"] and brief["reference"]["kind"] == "reference"
            # Stored under its real type, as a submitted photo (a job rendered links it).
            assert brief["reference"]["mime"] == "image/png"
            assert "AURUM" in brief["product_summary"]  # analyze_reference read the label
            # The reply streamed word by word, as the model sent it.
            assert _text_pieces(chunks) == words(NAMED) and len(words(NAMED)) > 1
            assert values["messages"][-1]["content"] == NAMED
            # The tool calls streamed as argument fragments and were put back together.
            assert len(_argument_fragments(chunks)) > 4
            calls = next(m for m in values["messages"] if m["type"] == "ai")["tool_calls"]
            assert [(c["name"], c["args"]) for c in calls] == [
                (
                    "update_brief",
                    {
                        "product_name": "AURUM Eau de Parfum",
                        "duration_s": 6,
                        "aspect_ratios": ["1:1"],
                    },
                ),
                ("analyze_reference", {"photo": "photo-1"}),
            ]

            values, chunks = await _turn(client, tid, "make it a 4:3 ad")
            results = [m for m in values["messages"] if m["type"] == "tool"][-2:]
            refused, accepted = results
            assert refused["status"] == "error" and "aspect_ratios" in refused["content"]
            assert "Please fix" in refused["content"]  # ToolNode's word to the model
            assert json.loads(accepted["content"])["changed"] == {"aspect_ratios": ["16:9"]}
            assert values["brief"]["aspect_ratios"] == ["16:9"]
            assert values["messages"][-1]["content"] == WIDE

            values, chunks = await _turn(client, tid, "show me the storyboard")
            preview = values["preview"]
            assert preview["shots"] and preview["storyboard_url"]
            assert preview["storyboard_url"] in values["messages"][-1]["content"]
            board = await asyncio.to_thread(httpx.get, preview["storyboard_url"], timeout=30)
            assert board.status_code == 200 and board.content.startswith(b"\x89PNG")

    bodies = fake.agent_bodies()
    assert len(bodies) == 7 and all(body["stream"] for body in bodies)
    assert {tool["function"]["name"] for tool in bodies[0]["tools"]} >= TOOLS
    # The model was sent the validation error as the tool's answer, then its own fix.
    assert "aspect_ratios" in _last_tool_result(bodies[3])["content"]
    assert "storyboard_url" in _last_tool_result(bodies[6])["content"]
    # The thread keeps a marker for the photo, and the model never got its bytes.
    assert all(photo[:200] not in json.dumps(body) for body in bodies)
