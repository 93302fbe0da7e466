"""The four creative agents: Concept, Visual, Audio, Assembly.

Each is a thin node around the planner tool (offline planner or LLM agent); on a retry it
hands the planner the violations of the last QA report so the agent fixes them.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from aistudio.nodes.common import Update, node, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext


@node("concept")
async def concept(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    result = await planner.concept(state["brief"], state["product"], state.get("feedback", ()))
    return {"concept": result}


@node("visual")
async def visual(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    shots = await planner.visual(
        state["brief"], state["product"], state["concept"], state.get("feedback", ())
    )
    return {"shots": shots}


@node("audio")
async def audio(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    plan = await planner.audio(
        state["brief"], state["concept"], state["shots"], state.get("feedback", ())
    )
    return {"audio": plan}


@node("assembly")
async def assembly(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    plan = await planner.assembly(
        state["brief"],
        state["product"],
        state["concept"],
        state["shots"],
        state["audio"],
        state.get("feedback", ()),
    )
    return {"plan": plan}
