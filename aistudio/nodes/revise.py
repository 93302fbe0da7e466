"""Revise: apply a person's instruction (state `revision`) before the plan is made again.

Reached from render_submit, which holds the job before its first render: a revise answered
at the approval pause, or a shot revise forked from a finished job (aistudio.jobs.revise).
The brief edits the instruction names are applied here; the instruction itself goes to the
planning agents as a `user_revision` Violation; the routing then re-enters the planning
subgraph (at concept for the film, at visual for one shot).
"""

from __future__ import annotations

import logging

from langgraph.runtime import Runtime

from aistudio.nodes.common import Update, node
from aistudio.pipeline import VideoState
from aistudio.tools.planner.revision import revise_brief
from aistudio.tools.toolbox import StudioContext

log = logging.getLogger("aistudio.nodes")


@node("revise")
async def revise(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    revision = state["revision"]
    revised = revise_brief(state["brief"], revision)
    log.info(
        "job %s: revision %d%s applied: changed %s; not understood %s",
        state["job_id"],
        revision.round,
        "" if revision.shot_index is None else f" of shot {revision.shot_index + 1}",
        sorted(revised.changed) or "nothing",
        list(revised.not_understood) or "nothing",
    )
    return {
        "brief": revised.brief,
        "feedback": (revised.violation,),
        "revised": revision.round,
        # A revised plan is a new plan: plan QA's retries count afresh for it (the channel
        # adds updates up, so the update takes the count back to zero).
        "plan_attempts": -state.get("plan_attempts", 0),
    }
