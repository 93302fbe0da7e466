"""Pure routing functions: state in, next node name out. Unit-tested without a graph."""

from __future__ import annotations

from typing import Literal

from aistudio.artifacts import QAReport, RedoTarget
from aistudio.pipeline import PLANNING_AGENTS, NodeName, PlanningAgent, VideoState

PlanRoute = PlanningAgent | Literal["render_submit", "fail"]
OutputRoute = PlanningAgent | Literal["render_submit", "compose", "publish", "fail"]

# Where a retry a QA report asks for goes. An output-QA redo of "render" restarts at submit:
# the provider must make the shot again. Plan QA names only planning agents (a plan that
# asks for a render or compose again is not fixable by planning: it fails).
_PLAN_REDO: dict[RedoTarget, PlanRoute] = {
    "concept": "concept",
    "visual": "visual",
    "audio": "audio",
    "assembly": "assembly",
    "render": "fail",
    "compose": "fail",
}
_OUTPUT_REDO: dict[RedoTarget, OutputRoute] = {
    **{agent: agent for agent in PLANNING_AGENTS},
    "render": "render_submit",
    "compose": "compose",
}


def failed(state: VideoState) -> bool:
    return state.get("status") == "failed"


def next_or_fail(state: VideoState, nxt: NodeName) -> NodeName:
    """Linear edges: go on unless the node ended the job."""
    return "fail" if failed(state) else nxt


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


def route_after_output_qa(state: VideoState, max_retries: int) -> OutputRoute:
    if failed(state):
        return "fail"
    report = state["output_qa"]
    redo = _retry_due(report, state.get("output_attempts", 0), max_retries)
    # Out of retries: publish what we have; publish marks it completed_with_warnings.
    return "publish" if redo is None else _OUTPUT_REDO[redo]
