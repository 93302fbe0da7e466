"""Compose: one FFmpeg filtergraph per aspect ratio, over the rendered shots + soundtrack."""

from __future__ import annotations

from langgraph.runtime import Runtime

from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext


@node("compose")
async def compose(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan = state["plan"]
    audio_path = await tools.storage.path_of(state["audio_master"])
    outputs = []
    count = len(plan.aspect_ratios)
    for index, aspect in enumerate(plan.aspect_ratios):

        def on_progress(fraction: float, index: int = index, aspect: str = aspect) -> None:
            progress(runtime, "compose", (index + fraction) / count, f"encoding {aspect}")

        outputs.append(
            await tools.composer.compose(
                plan, state["product"], state["visuals"], audio_path, aspect, on_progress
            )
        )
    return {"outputs": outputs}
