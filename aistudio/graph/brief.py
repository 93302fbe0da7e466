"""The brief agent: a chat model bound to the brief tools, in a model ⇄ ToolNode loop.

START → intake (stores attached photos) → chat ⇄ tools → END. The same graph runs on an
OpenAI-compatible LLM or, offline, on the grammar model of `aistudio.tools.chat.offline`.
Checkpointed per thread by whoever compiles it (the Agent Protocol service, Studio).

The planning port (`Previewer`) is this floor's: a run whose context brings none (LangGraph
Studio) previews on the planning subgraph through `PlanningPreviewer`.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime

from aistudio.artifacts import Asset, Brief
from aistudio.brief_draft import CostLine, PlannedShot, PlanPreview
from aistudio.graph import preview
from aistudio.graph.planning import run_planning
from aistudio.nodes.brief_chat import chat, intake
from aistudio.nodes.brief_ports import BriefContext, BriefInput, BriefState, brief_context
from aistudio.nodes.brief_tools import BRIEF_TOOLS
from aistudio.tools.toolbox import Toolbox

BRIEF_GRAPH_ID = "brief"


class PlanningPreviewer:
    """`Previewer` on the video graph's planning half. The one adapter to the planning
    subgraph: when it moves (graph/planning.py), only this class changes."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox

    async def preview(
        self, brief: Brief, reference: Asset, label: str, *, storyboard: bool
    ) -> PlanPreview:
        job = await run_planning(self.toolbox, brief, reference, label)
        board = await preview.storyboard(self.toolbox, job) if storyboard else None
        report = job.plan_qa
        return PlanPreview(
            brief_fingerprint="",
            title=job.concept.title,
            tagline=job.concept.tagline,
            call_to_action=job.concept.call_to_action,
            shots=tuple(
                PlannedShot(
                    index=shot.index,
                    duration_s=shot.duration_s,
                    framing=shot.framing,
                    camera_move=shot.camera_move,
                    description=shot.description,
                    caption=shot.caption,
                )
                for shot in job.shots.shots
            ),
            voice_over=tuple(line.text for line in job.audio.script),
            plan_passed=report.passed,
            violations=report.violations,
            warnings=report.warnings,
            costs=tuple(
                CostLine(shot_index=line.shot_index, model=line.model, price_usd=line.price_usd)
                for line in preview.cost_lines(self.toolbox, job.plan)
            ),
            storyboard=board,
        )


async def chat_with_ports(state: BriefState, runtime: Runtime[BriefContext]) -> dict[str, Any]:
    """The `chat` node. Every tool call comes after it, so it is where a context that was
    handed no planning port gets this floor's (the tools read it from the context)."""
    await brief_context(runtime).prepare_ports(PlanningPreviewer)
    return await chat(state, runtime)


async def route_after_chat(state: BriefState) -> Literal["tools", "__end__"]:
    """Tools when the model's last message calls any, else the turn is over."""
    messages = state.get("messages") or []
    last = messages[-1] if messages else None
    return "tools" if getattr(last, "tool_calls", None) else "__end__"


def build_brief_graph() -> StateGraph[Any, Any, Any, Any]:
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        BriefState, context_schema=BriefContext, input_schema=BriefInput
    )
    graph.add_node("intake", intake)
    graph.add_node("chat", chat_with_ports)
    graph.add_node("tools", ToolNode(list(BRIEF_TOOLS)))
    graph.add_edge(START, "intake")
    graph.add_edge("intake", "chat")
    graph.add_conditional_edges("chat", route_after_chat, ["tools", END])
    graph.add_edge("tools", "chat")
    return graph
