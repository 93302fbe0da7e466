"""The offline brief agent's grammar as a pure parser, the patch it produces applied to a
draft, the reply composed from tool results, and the chat model's rounds."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from aistudio.brief_draft import BriefDraft, BriefPatch, apply_patch, brief_text, to_brief
from aistudio.tools.chat.clauses import clauses
from aistudio.tools.chat.grammar import parse_message
from aistudio.tools.chat.offline import OfflineChatModel, plan_turn
from aistudio.tools.chat.replies import compose_reply

DRAFT = BriefDraft()


@pytest.mark.parametrize(
    ("text", "patch"),
    [
        ("make it 15 seconds", {"duration_s": 15.0}),
        ("20s", {"duration_s": 20.0}),
        ("half a minute", {"duration_s": 30.0}),
        ("shorter", {"duration_s": 10.0}),
        ("a bit longer please", {"duration_s": 15.0}),
        ("square", {"aspect_ratios": ["1:1"]}),
        ("vertical", {"aspect_ratios": ["9:16"]}),
        ("for YouTube", {"aspect_ratios": ["16:9"]}),
        ("for Instagram", {"aspect_ratios": ["1:1"]}),
        ("square for TikTok", {"aspect_ratios": ["1:1"]}),  # a shape word beats a platform
        ("also 16:9", {"aspect_ratios": ["9:16", "16:9"]}),
        ("all formats", {"aspect_ratios": ["9:16", "1:1", "16:9"]}),
        ("warmer", {"vibe": "warm"}),
        ("more luxurious and playful", {"vibe": "luxurious, playful"}),
        ("vibe: golden hour", {"vibe": "golden hour"}),
        ("add a voice-over", {"voice_over": True}),
        ("no voice-over", {"voice_over": False}),
        ("mention free shipping", {"add_script_notes": ["free shipping"]}),
        (
            "add a voice-over that mentions free shipping",
            {"voice_over": True, "add_script_notes": ["free shipping"]},
        ),
        ('call to action: "Book your seat, today."', {"call_to_action": "Book your seat, today."}),
        ("end with Order today", {"call_to_action": "Order today"}),
        ("show the gold cap", {"add_must_show": ["the gold cap"]}),
        ("no people, avoid pets", {"add_must_avoid": ["people", "pets"]}),
        ("make it UGC", {"kind": "ugc"}),
        ("switch to fashion", {"kind": "fashion"}),
        ("it's called AURUM Eau de Parfum", {"product_name": "AURUM Eau de Parfum"}),
        ("it has vitamin C", {"add_product_facts": ["has vitamin C"]}),
        ("aimed at busy parents", {"audience": "busy parents"}),
        ("keep it under $20", {"max_cost_usd": 20.0}),
        ("use kling", {"video_model": "kling-3.0-pro"}),
        ("forget the script notes", {"clear": ["script_notes"]}),
    ],
)
def test_each_rule(text: str, patch: dict[str, object]) -> None:
    turn = parse_message(text, DRAFT)
    assert turn.patch == patch
    assert turn.not_understood == []
    BriefPatch.model_validate(turn.patch)  # every patch the grammar makes is a valid patch


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        ("show me the storyboard", ["preview_plan"]),
        ("preview", ["preview_plan"]),
        ("how much will it cost?", ["estimate_cost"]),
        ("render it", ["render"]),
        ("go ahead", ["render"]),
        ("is it done?", ["job_status"]),
        ("make it 15 seconds and show me the storyboard", ["preview_plan"]),
    ],
)
def test_actions(text: str, actions: list[str]) -> None:
    assert parse_message(text, DRAFT).actions == actions


def test_a_compound_message_and_what_is_left_over() -> None:
    text = "shorter, warmer, square for Instagram, add a voice-over that mentions free shipping"
    assert clauses(text) == [
        "shorter",
        "warmer",
        "square for Instagram",
        "add a voice-over that mentions free shipping",
    ]
    turn = parse_message(text + " and blorp the zingle", DRAFT)
    assert turn.patch == {
        "duration_s": 10.0,
        "vibe": "warm",
        "aspect_ratios": ["1:1"],
        "voice_over": True,
        "add_script_notes": ["free shipping and blorp the zingle"],
    }
    assert parse_message("make it 90 seconds and blorp", DRAFT).not_understood == ["blorp"]
    assert parse_message("thanks!", DRAFT).not_understood == []


def test_relative_durations_step_from_the_current_draft() -> None:
    assert parse_message("shorter", BriefDraft(duration_s=6)).patch == {"duration_s": 6.0}
    assert parse_message("longer", BriefDraft(duration_s=45)).patch == {"duration_s": 60.0}
    assert parse_message("also square", BriefDraft(aspect_ratios=("16:9",))).patch == {
        "aspect_ratios": ["16:9", "1:1"]
    }


def test_photos_and_urls() -> None:
    turn = parse_message("[attached photo: photo-2 (12 KB)] here's the photo", DRAFT)
    assert (turn.photos, turn.not_understood) == (["photo-2"], [])
    turn = parse_message("use https://shop.example/a.png, make it square", DRAFT)
    assert turn.urls == ["https://shop.example/a.png"]
    assert turn.patch == {"aspect_ratios": ["1:1"]}


def test_patch_applies_field_by_field() -> None:
    draft = BriefDraft(script_notes=("free shipping",))
    patch = BriefPatch(duration_s=90, vibe="warm", add_script_notes=["free shipping", "new"])
    result = apply_patch(draft, patch)
    assert result.errors == {"duration_s": "Input should be less than or equal to 60"}
    assert result.changed == {"vibe": "warm", "script_notes": ("free shipping", "new")}
    assert result.draft.duration_s == 12.0
    cleared = apply_patch(result.draft, BriefPatch(clear=["script_notes"]))
    assert cleared.draft.script_notes == ()


def test_brief_text_carries_every_field() -> None:
    draft = BriefDraft(
        product_name="AURUM Eau de Parfum",
        product_facts=("amber and vanilla",),
        audience="busy professionals",
        script_notes=("free shipping",),
        must_show=("the gold cap",),
        must_avoid=("people",),
        call_to_action="Shop now at aurum.example",
    )
    assert brief_text(draft) == (
        "AURUM Eau de Parfum: amber and vanilla Made for busy professionals. "
        "Mention free shipping. Show the gold cap. Avoid people. Shop now at aurum.example."
    )
    brief = to_brief(draft.model_copy(update={"vibe": "warm", "voice_over": True}))
    assert (brief.vibe, brief.voice_over, brief.kind) == ("warm", True, "promo")


def _prompt(draft: BriefDraft) -> SystemMessage:
    return SystemMessage(f"... <brief>{draft.model_dump_json(exclude={'reference'})}</brief>")


TOOLS = ["update_brief", "analyze_reference", "preview_plan", "estimate_cost", "render"]


def test_the_model_edits_then_acts_then_replies() -> None:
    human = HumanMessage("shorter and show me the storyboard")
    first = plan_turn([_prompt(DRAFT), human], TOOLS)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [
        ("update_brief", {"duration_s": 10.0})
    ]
    result = ToolMessage(
        json.dumps({"changed": {"duration_s": 10.0}, "errors": {}}),
        tool_call_id=first.tool_calls[0]["id"],
        name="update_brief",
    )
    second = plan_turn([_prompt(DRAFT), human, first, result], TOOLS)
    assert [c["name"] for c in second.tool_calls] == ["preview_plan"]
    board = ToolMessage(
        json.dumps({"title": "AURUM", "shots": [{}, {}], "plan_passed": True, "total_usd": 0}),
        tool_call_id=second.tool_calls[0]["id"],
        name="preview_plan",
    )
    reply = plan_turn([_prompt(DRAFT), human, first, result, second, board], TOOLS)
    assert not reply.tool_calls
    assert "duration 10 s" in str(reply.content) and "2 shots" in str(reply.content)
    # Deterministic: the same conversation gets the same tool call ids.
    assert plan_turn([_prompt(DRAFT), human], TOOLS).tool_calls == first.tool_calls


def test_unbound_tools_are_never_called() -> None:
    reply = plan_turn([_prompt(DRAFT), HumanMessage("render it")], ["update_brief"])
    assert not reply.tool_calls
    assert "can't render" in str(reply.content)


def test_reply_reports_refusals_and_what_was_not_understood() -> None:
    turn = parse_message("make it 90 seconds and blorp", DRAFT)
    refused = ToolMessage(
        json.dumps({"changed": {}, "errors": {"duration_s": "at most 60"}}),
        tool_call_id="c",
        name="update_brief",
    )
    text = compose_reply(turn, [refused])
    assert "could not set the duration: at most 60" in text and "“blorp”" in text
    failed = ToolMessage(
        json.dumps({"error": "no photo"}), tool_call_id="d", name="render", status="error"
    )
    assert "couldn't render: no photo" in compose_reply(turn, [failed])


async def test_the_model_streams_in_chunks_and_binds_tools() -> None:
    from aistudio.nodes.brief_tools import BRIEF_TOOLS

    model = OfflineChatModel(chunk_words=2).bind_tools(list(BRIEF_TOOLS))
    messages = [_prompt(DRAFT), HumanMessage("blorp")]
    chunks = [chunk async for chunk in model.astream(messages)]
    assert len([c for c in chunks if c.content]) > 3
    whole = await model.ainvoke(messages)
    assert "".join(str(c.content) for c in chunks) == whole.content
    calls = await model.ainvoke([_prompt(DRAFT), HumanMessage("square")])
    assert isinstance(calls, AIMessage) and calls.tool_calls[0]["name"] == "update_brief"
    streamed = [c async for c in model.astream([_prompt(DRAFT), HumanMessage("square")])]
    first = streamed[0]
    assert isinstance(first, AIMessageChunk) and first.tool_call_chunks[0]["name"] == "update_brief"


def test_web_addresses_and_decimals_do_not_split_clauses() -> None:
    turn = parse_message("call to action: Shop now at aurum.example. make it 7.5 seconds", DRAFT)
    assert turn.patch == {"call_to_action": "Shop now at aurum.example", "duration_s": 7.5}
