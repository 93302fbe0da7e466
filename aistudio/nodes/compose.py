"""Compose: one FFmpeg filtergraph per aspect ratio, over the rendered shots + soundtrack."""

from __future__ import annotations

from langgraph.runtime import Runtime

from aistudio.artifacts import AspectRatio, QAReport
from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext


def loudness_misses(report: QAReport | None) -> set[AspectRatio | None]:
    """The aspects whose loudness output QA sent back to compose (None: every aspect).

    Only a report whose earliest redo is compose itself counts: after a redo of an earlier
    node the pictures change, and compose starts over."""
    if report is None or report.passed or report.redo != "compose":
        return set()
    return {c.aspect for c in report.checks if c.check == "loudness" and c.blocking}


@node("compose")
async def compose(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan = state["plan"]
    audio_path = await tools.storage.path_of(state["audio_master"])
    misses = loudness_misses(state.get("output_qa"))
    previous = {o.aspect: o for o in state.get("outputs", ())}
    if misses and set(plan.aspect_ratios) <= set(previous):
        # Encoding again would give the same file: measure it and correct its audio.
        outputs = []
        for aspect in plan.aspect_ratios:
            output = previous[aspect]
            if aspect in misses or None in misses:
                progress(runtime, "compose", 0.5, f"remastering {aspect}")
                output = await tools.composer.remaster(output, audio_path, plan)
            outputs.append(output)
        return {"outputs": outputs}
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
