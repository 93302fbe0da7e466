"""The brief agent on the offline chat model: a scripted five-turn conversation through
the real graph, tools, toolbox, planning and SQLite checkpointer; and on ChatOpenAI (the
loopback OpenAI) without streaming, correcting a tool call the tool refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from pydantic import SecretStr

from aistudio.brief_draft import BriefDraft
from aistudio.graph.brief import PlanningPreviewer, build_brief_graph
from aistudio.graph.checkpoint import sqlite_saver
from aistudio.nodes.brief_ports import BriefContext
from aistudio.settings import LLMSettings, Settings
from aistudio.tools.llm import make_brief_chat_model
from aistudio.tools.toolbox import build_toolbox
from tests.conftest import sample
from tests.fakes.asgi import serving
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.fakes.openai_agent import Call, Turn


def _calls(messages: list[Any], since: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (call["name"], call["args"])
        for m in messages[since:]
        if isinstance(m, AIMessage)
        for call in m.tool_calls
    ]


async def test_five_turn_conversation(data_dir: Path) -> None:
    tools = build_toolbox(Settings(data_dir=data_dir))
    photo = base64.b64encode(sample("aurum-perfume.png").read_bytes()).decode()
    async with sqlite_saver(data_dir / "checkpoints.sqlite") as saver:
        graph = build_brief_graph().compile(checkpointer=saver)
        context = BriefContext.serving(tools, previewer=PlanningPreviewer(tools))
        config: Any = {"configurable": {"thread_id": "conversation-1"}}
        seen = 0

        async def turn(content: Any) -> tuple[list[tuple[str, Any]], BriefDraft, str]:
            nonlocal seen
            values = await graph.ainvoke(
                {"messages": [{"role": "user", "content": content}]}, config, context=context
            )
            calls = _calls(values["messages"], seen)
            seen = len(values["messages"])
            reply = values["messages"][-1]
            assert isinstance(reply, AIMessage) and not reply.tool_calls
            return calls, values["brief"], str(reply.content)

        # 1. the photo as an image content block, and the product's name
        calls, brief, reply = await turn(
            [
                {"type": "text", "text": "It's called AURUM Eau de Parfum"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{photo}"}},
            ]
        )
        assert calls == [
            ("update_brief", {"product_name": "AURUM Eau de Parfum"}),
            ("analyze_reference", {"photo": "photo-1"}),
        ]
        assert brief.product_name == "AURUM Eau de Parfum" and brief.reference is not None
        assert "AURUM" in brief.product_summary and "Product photo read" in reply
        state = await graph.aget_state(config)
        first = state.values["messages"][0]
        assert "base64" not in str(first.content)  # the thread keeps a marker, not the bytes

        # 2. the issue's own example
        calls, brief, reply = await turn(
            "shorter, warmer, square for Instagram, add a voice-over that mentions free shipping"
        )
        assert calls == [
            (
                "update_brief",
                {
                    "duration_s": 10.0,
                    "vibe": "warm",
                    "aspect_ratios": ["1:1"],
                    "voice_over": True,
                    "add_script_notes": ["free shipping"],
                },
            )
        ]
        assert (brief.duration_s, brief.vibe, brief.aspect_ratios) == (10.0, "warm", ("1:1",))
        assert brief.voice_over and brief.script_notes == ("free shipping",)
        assert "duration 10 s" in reply

        # 3. an out-of-range value goes back to the model, which says so; nothing changes
        calls, after, reply = await turn("make it 90 seconds and blorp")
        assert calls == [("update_brief", {"duration_s": 90.0})]
        assert after == brief
        assert "could not set the duration" in reply and "“blorp”" in reply

        # 4. kind, format, must-avoid and call to action in one message
        calls, brief, reply = await turn(
            "make it UGC for TikTok, no people, call to action: Grab yours today"
        )
        assert calls == [
            (
                "update_brief",
                {
                    "kind": "ugc",
                    "aspect_ratios": ["9:16"],
                    "add_must_avoid": ["people"],
                    "call_to_action": "Grab yours today",
                },
            )
        ]
        assert (brief.kind, brief.aspect_ratios, brief.must_avoid) == (
            "ugc",
            ("9:16",),
            ("people",),
        )
        assert brief.call_to_action == "Grab yours today"

        # 5. the storyboard: the planning subgraph on this brief; nothing rendered
        calls, brief, reply = await turn("show me the storyboard")
        assert calls == [("preview_plan", {})]
        state = await graph.aget_state(config)
        preview = state.values["preview"]
        assert preview.brief_fingerprint == brief.fingerprint()
        assert preview.storyboard is not None and preview.storyboard.mime == "image/png"
        assert abs(sum(shot.duration_s for shot in preview.shots) - 10.0) < 2.0
        assert preview.total_usd == 0.0  # the local renderer costs nothing
        assert "Storyboard for" in reply and f"{len(preview.shots)} shots" in reply
        results = [m for m in state.values["messages"] if isinstance(m, ToolMessage)]
        assert [m.name for m in results].count("update_brief") == 4

    # The conversation survives the process: a new saver on the same file has it all.
    async with sqlite_saver(data_dir / "checkpoints.sqlite") as saver:
        again = build_brief_graph().compile(checkpointer=saver)
        restored = await again.aget_state(config)
        assert restored.values["brief"] == brief
        assert len(restored.values["messages"]) == seen


async def test_an_llm_not_streaming_corrects_a_refused_tool_call(data_dir: Path) -> None:
    """ChatOpenAI without a messages stream (a plain `ainvoke`): whole completions with
    tool calls. Arguments that fail validation come back as the tool's error; the model
    reads it and calls again."""

    def corrected(body: dict[str, Any]) -> Turn:
        said = body["messages"][-1]
        if said["role"] == "tool" and "duration_s" in said["content"]:
            return Turn(calls=(Call("update_brief", {"duration_s": 15}),))
        return Turn(content="I did not see what went wrong.")

    fake = FakeOpenAI()
    fake.converse(
        Turn(calls=(Call("update_brief", {"duration_s": "a quarter minute"}),)),
        corrected,
        Turn(content="It is 15 seconds now."),
    )
    async with serving(fake):
        llm = LLMSettings(base_url=f"{fake.base_url}/v1", timeout_s=20)
        chat = make_brief_chat_model(Settings(openai_api_key=SecretStr(API_KEY), llm=llm))
        context = BriefContext.serving(build_toolbox(Settings(data_dir=data_dir)), chat=chat)
        values = (
            await build_brief_graph()
            .compile()
            .ainvoke(
                {"messages": [{"role": "user", "content": "make it a quarter minute"}]},
                context=context,
            )
        )
    refused, accepted = [m for m in values["messages"] if isinstance(m, ToolMessage)]
    assert refused.status == "error" and "duration_s" in str(refused.content)
    assert json.loads(str(accepted.content))["changed"] == {"duration_s": 15.0}
    assert values["brief"].duration_s == 15.0
    assert values["messages"][-1].content == "It is 15 seconds now."
    bodies = fake.agent_bodies()
    assert len(bodies) == 3 and not any(body.get("stream") for body in bodies)
