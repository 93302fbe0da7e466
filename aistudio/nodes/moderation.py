"""Input moderation: the brief and the reference photo, before anything is planned."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from aistudio.errors import ModerationBlocked
from aistudio.nodes.common import Update, node, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext


@node("moderate_input")
async def moderate_input(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    brief = state["brief"]
    reference_path = await tools.storage.path_of(state["product"].normalized)
    text_verdict, image_verdict = await asyncio.gather(
        tools.moderator.check_text(brief.text, subject="brief"),
        tools.moderator.check_images(
            [reference_path], subject="reference", humans_allowed=brief.kind != "promo"
        ),
    )
    for verdict in (text_verdict, image_verdict):
        if not verdict.allowed:
            # Moderation blocks end the job at once: no retry can make the input acceptable.
            raise ModerationBlocked(
                f"the {verdict.subject} was blocked ({', '.join(verdict.categories)})"
                f"{': ' + verdict.reason if verdict.reason else ''}",
                verdict.categories,
            )
    return {"moderation": [text_verdict, image_verdict]}
