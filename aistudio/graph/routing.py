"""Pure routing functions: state in, next node name out. Unit-tested without a graph."""

from __future__ import annotations

from typing import Literal

from aistudio.artifacts import QAReport, RedoTarget
from aistudio.graph.state import VideoState

PlanRoute = Literal["concept", "visual", "audio", "assembly", "render_submit", "fail"]
OutputRoute = Literal[
    "concept", "visual", "audio", "assembly", "render_submit", "compose", "publish", "fail"
]

# An output-QA redo of "render" restarts at submit: the provider must make the shot again.
_REDO_NODE: dict[RedoTarget, str] = {
    "concept": "concept",
    "visual": "visual",
    "audio": "audio",
    "assembly": "assembly",
    "render": "render_submit",
    "compose": "compose",
}


def failed(state: VideoState) -> bool:
    return state.get("status") == "failed"


def next_or_fail(state: VideoState, nxt: str) -> str:
    """Linear edges: go on unless the node ended the job."""
    return "fail" if failed(state) else nxt


def _retry_target(report: QAReport, attempts: int, max_retries: int) -> str | None:
    """The node to go back to, or None when the report passed or retries are used up.

    `attempts` counts QA passes already made, including this one; the first pass is not a
    retry, so a report may send the run back at most `max_retries` times.
    """
    if report.passed or attempts > max_retries:
        return None
    target = report.redo
    return _REDO_NODE[target] if target else None


def route_after_plan_qa(state: VideoState, max_retries: int) -> PlanRoute:
    if failed(state):
        return "fail"
    report = state["plan_qa"]
    target = _retry_target(report, state.get("plan_attempts", 0), max_retries)
    if target is None:
        # A plan that still breaks rules after the retries is not worth paying to render.
        return "render_submit" if report.passed else "fail"
    return target  # type: ignore[return-value]


def route_after_output_qa(state: VideoState, max_retries: int) -> OutputRoute:
    if failed(state):
        return "fail"
    report = state["output_qa"]
    target = _retry_target(report, state.get("output_attempts", 0), max_retries)
    # Out of retries: publish what we have; publish marks it completed_with_warnings.
    return "publish" if target is None else target  # type: ignore[return-value]
