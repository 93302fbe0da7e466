"""The brief agent's nodes: `intake` stores the photos a user attached, `chat` asks the chat
model (bound to the brief tools) for its next message."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from aistudio.artifacts import Asset
from aistudio.brief_draft import BriefDraft
from aistudio.errors import AppError
from aistudio.nodes.brief_ports import BriefContext, BriefState, brief_context
from aistudio.nodes.brief_tools import BRIEF_TOOLS
from aistudio.tools.chat.photos import image_source, photo_bytes, store_photo

SYSTEM_PROMPT = """\
You are AI Studio's brief assistant. You help a small shop turn a product photo and a few \
words into a marketing video brief, show its storyboard and price, and render it.

How you work:
- Change the brief only with update_brief: one call per user message, with every change \
in it (lists grow with the add_* fields). If it refuses a value, say why.
- When the user attaches a photo ([attached photo: photo-N]) or gives a photo URL, call \
analyze_reference with that name or URL.
- Call preview_plan, estimate_cost, render or job_status only when asked, and only after \
update_brief has answered for this message. Render only when the user asks for it.
- Reply in a few short sentences: what changed, what you did, what you could not do.

The current brief (JSON):
<brief>{brief}</brief>
Product photo: {photo}
Attached photos: {photos}
Jobs rendered from this conversation: {jobs}"""


def system_prompt(state: BriefState) -> str:
    draft = state.get("brief") or BriefDraft()
    return SYSTEM_PROMPT.format(
        brief=draft.model_dump_json(exclude={"reference"}),
        photo="set" if draft.reference else "missing (ask for one before previewing)",
        photos=", ".join(state.get("photos") or {}) or "none",
        jobs=", ".join(state.get("jobs") or []) or "none",
    )


def _size(asset: Asset) -> str:
    return f"{asset.size_bytes / 1024:.0f} KB"


async def _store_block(
    block: Any, context: BriefContext, name: str
) -> tuple[dict[str, str], Asset | None]:
    """An image content block as a text marker (and the stored photo)."""
    source = image_source(block)
    if source is None:
        return block, None
    tools = await context.prepare()
    try:
        data = await photo_bytes(source, tools.settings)
        asset = await store_photo(tools.storage, data, tools.settings.limits)
    except AppError as exc:
        return {"type": "text", "text": f"[attached photo could not be read: {exc.message}]"}, None
    return {"type": "text", "text": f"[attached photo: {name} ({_size(asset)})]"}, asset


async def intake(state: BriefState, runtime: Runtime[BriefContext]) -> dict[str, Any]:
    """Store every image a user message carries and put a marker in its place: the thread
    keeps storage keys, never image bytes, and the model is told the photo's name."""
    context = brief_context(runtime)
    photos = dict(state.get("photos") or {})
    rewritten: list[BaseMessage] = []
    for message in state["messages"]:
        if not isinstance(message, HumanMessage) or isinstance(message.content, str):
            continue
        if not any(image_source(block) for block in message.content):
            continue
        content: list[Any] = []
        for block in message.content:
            name = f"photo-{len(photos) + 1}"
            replaced, asset = await _store_block(block, context, name)
            if asset is not None:
                photos[name] = asset
            content.append(replaced)
        rewritten.append(message.model_copy(update={"content": content}))
    if not rewritten:
        return {}
    return {"messages": rewritten, "photos": photos}


async def chat(state: BriefState, runtime: Runtime[BriefContext]) -> dict[str, Any]:
    """One model call: a tool call (the ToolNode runs it, then back here) or the reply."""
    model = await brief_context(runtime).chat()
    bound = model.bind_tools(list(BRIEF_TOOLS))
    prompt = [SystemMessage(system_prompt(state)), *state["messages"]]
    reply = await bound.ainvoke(prompt)
    return {"messages": [reply]}
