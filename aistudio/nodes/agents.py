"""The four creative agents: Concept, Visual, Audio, Assembly.

Each is a thin node around the planner tool (offline planner or LLM agent); on a retry it
hands the planner the violations of the QA passes so far so the agent fixes them.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from aistudio.artifacts import Violation
from aistudio.nodes.common import Update, node, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.planner.feedback import as_violations
from aistudio.tools.toolbox import StudioContext


def feedback(state: VideoState) -> tuple[Violation, ...]:
    """The violations of every failed QA pass so far (text, in an older checkpoint)."""
    return as_violations(state.get("feedback", ()))


@node("concept")
async def concept(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    result = await planner.concept(state["brief"], state["product"], feedback(state))
    return {"concept": result}


@node("visual")
async def visual(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    shots = await planner.visual(
        state["brief"], state["product"], state["concept"], feedback(state)
    )
    return {"shots": shots}


@node("audio")
async def audio(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    planner = toolbox(runtime).planner
    plan = await planner.audio(state["brief"], state["concept"], state["shots"], feedback(state))
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
        feedback(state),
    )
    return {"plan": plan}
