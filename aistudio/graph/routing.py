"""Pure routing functions: state in, next node name out. Unit-tested without a graph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from langgraph.types import Send

from aistudio.artifacts import QAReport, RedoTarget
from aistudio.pipeline import (
    PLANNING,
    NodeName,
    PlanningAgent,
    PlanningState,
    PlanningStep,
    VideoState,
)

# Inside the planning subgraph, after plan QA ("render_submit" and "fail" end the subgraph).
PlanRoute = PlanningAgent | Literal["render_submit", "fail"]
# In the video graph, out of the planning subgraph.
PlannedRoute = Literal["render_submit", "fail"]
# In the video graph, after output QA; a redo of a planning agent is a Send to `planning`.
OutputRoute = Literal["render_submit", "compose", "publish", "fail"]
# After render_submit: the renders went out, or a revision came instead (no render).
SubmitRoute = Literal["render_await", "revise", "fail"]

# Plan QA names only planning agents: a plan that asks for a render or compose again is not
# fixable by planning, and fails.
_PLAN_REDO: dict[RedoTarget, PlanRoute] = {
    "concept": "concept",
    "visual": "visual",
    "audio": "audio",
    "assembly": "assembly",
    "render": "fail",
    "compose": "fail",
}


def as_coroutine(route: Callable[..., Any], **bound: Any) -> Callable[[Any], Awaitable[Any]]:
    """A routing function as a coroutine. LangGraph runs a sync edge function on a worker
    thread when the graph runs async: eleven thread round trips per job for a dict lookup
    each (a tenth of the API's orchestration CPU)."""

    async def routed(state: Any) -> Any:
        return route(state, **bound)

    routed.__name__ = route.__name__  # what LangGraph Studio shows on the edge
    return routed


def failed(state: VideoState) -> bool:
    return state.get("status") == "failed"


def next_or_fail(state: VideoState, nxt: NodeName) -> NodeName:
    """Linear edges: go on unless the node ended the job."""
    return "fail" if failed(state) else nxt


def route_into_planning(state: PlanningState) -> PlanningStep:
    """Where the planning subgraph starts: at ingest, or at the agent a re-plan names."""
    return state.get("replan_from") or "ingest"


def _retry_due(report: QAReport, attempts: int, max_retries: int) -> RedoTarget | None:
    """What to redo, or None when the report passed or retries are used up.

    `attempts` counts QA passes already made, including this one; the first pass is not a
    retry, so a report may send the run back at most `max_retries` times.
    """
    if report.passed or attempts > max_retries:
        return None
    return report.redo


def route_after_plan_qa(state: VideoState, max_retries: int) -> PlanRoute:
    if failed(state):
        return "fail"
    report = state["plan_qa"]
    redo = _retry_due(report, state.get("plan_attempts", 0), max_retries)
    if redo is None:
        # A plan that still breaks rules after the retries is not worth paying to render.
        return "render_submit" if report.passed else "fail"
    return _PLAN_REDO[redo]


def route_after_planning(state: VideoState) -> PlannedRoute:
    """Out of the planning subgraph: render the plan that passed QA, else end the job."""
    report = state.get("plan_qa")
    return "render_submit" if not failed(state) and report and report.passed else "fail"


def revision_pending(state: VideoState) -> bool:
    """A revision was asked (at the approval pause, or by a shot revise's fork) and the
    `revise` node has not applied it yet."""
    revision = state.get("revision")
    return revision is not None and revision.round > state.get("revised", 0)


def route_after_submit(state: VideoState) -> SubmitRoute:
    if failed(state):
        return "fail"
    return "revise" if revision_pending(state) else "render_await"


def route_after_revise(state: VideoState) -> Send | Literal["fail"]:
    """Plan again with the revised brief and the instruction as feedback: the whole film
    from the concept on, or one shot from the visual agent on (the concept stays)."""
    if failed(state):
        return "fail"
    return replan(state, "concept" if state["revision"].shot_index is None else "visual")


def route_after_output_qa(state: VideoState, max_retries: int) -> OutputRoute | Send:
    if failed(state):
        return "fail"
    report = state["output_qa"]
    redo = _retry_due(report, state.get("output_attempts", 0), max_retries)
    # Out of retries: publish what we have; publish marks it completed_with_warnings.
    if redo is None:
        return "publish"
    if redo == "render":  # restart at submit: the provider must make the shot again
        return "render_submit"
    if redo == "compose":
        return "compose"
    return replan(state, redo)


def replan(state: VideoState, agent: PlanningAgent) -> Send:
    """Go back into the planning subgraph at `agent`, with everything the job knows."""
    return Send(PLANNING, PlanningState(**state, replan_from=agent))
