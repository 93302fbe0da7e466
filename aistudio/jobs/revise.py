"""A shot revise: a child job that makes one shot of a finished job again.

The child's LangGraph thread is forked from the parent's last checkpoint (kept when a job
finishes, see aistudio.jobs.retention): the parent's plan, product, feedback and every
shot's render, as if render_submit had just received the revision (`aupdate_state(...,
as_node="render_submit")`). Its run then goes revise → planning (from the visual agent,
the shot's instruction as feedback) → render_submit, which submits that one shot alone
(`nodes.render.revised_shot`) → render_await → compose → qa_output → publish. Every other
shot keeps the parent's clip, the same stored object (storage is content-addressed).

What the parent ended with (its films, output QA, title, status) is not forked, nor its
counters of output QA passes and paid submissions: those are the child's own.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from aistudio.artifacts import MAX_INSTRUCTION, Revision
from aistudio.errors import Conflict, InputError, NotFound
from aistudio.jobs.models import JobRow, utcnow
from aistudio.jobs.recorder import asset_keys
from aistudio.jobs.runner import JobRunner
from aistudio.pipeline import SUCCESS_STATUSES

# The state a child starts from: the parent's plan and renders, nothing it ended with.
FORKED_KEYS = (
    "brief",
    "reference",
    "out_dir",
    "product",
    "moderation",
    "concept",
    "shots",
    "audio",
    "plan",
    "plan_qa",
    "plan_attempts",
    "plan_approved",
    "feedback",
    "render_jobs",
    "visuals",
    "revised",
)
FORK_AS = "render_submit"  # the child's thread continues as if this node had just run


def instruction_of(text: str) -> str:
    """The instruction with its white space collapsed; InputError (422) when it is empty
    or longer than a revise takes."""
    words = " ".join(text.split())
    if not words:
        raise InputError("the instruction is empty: say what to change")
    if len(words) > MAX_INSTRUCTION:
        raise InputError(
            f"the instruction has {len(words)} characters; a revise takes at most "
            f"{MAX_INSTRUCTION} (submit a new job for a new brief)"
        )
    return words


def _config(thread_id: str) -> Any:
    return {"configurable": {"thread_id": thread_id}}


async def parent_values(runner: JobRunner, parent: JobRow, shot: int) -> dict[str, Any]:
    """The finished parent's final state; Conflict unless it finished with a video,
    NotFound for a shot number (1-based) it does not have."""
    if parent.status not in SUCCESS_STATUSES:
        raise Conflict(f"job {parent.id} has not finished with a video ({parent.status})")
    snapshot = await (await runner.graph()).aget_state(_config(parent.id))
    values = dict(snapshot.values or {})
    plan = values.get("plan")
    if plan is None or not values.get("visuals"):
        raise Conflict(f"job {parent.id} has no rendered shots to revise")
    if not 1 <= shot <= len(plan.shots):
        raise NotFound(f"job {parent.id} has {len(plan.shots)} shots; there is no shot {shot}")
    return values


def forked_values(
    values: dict[str, Any], child_id: str, shot: int, instruction: str
) -> dict[str, Any]:
    """The child's starting state: the parent's plan and renders, and the revision."""
    forked = {key: values[key] for key in FORKED_KEYS if key in values}
    forked["job_id"] = child_id
    forked["revision"] = Revision(
        instruction=instruction, round=values.get("revised", 0) + 1, shot_index=shot - 1
    )
    return forked


async def fork(runner: JobRunner, child_id: str, forked: dict[str, Any]) -> set[str]:
    """Write the child's first checkpoint; returns the stored objects it refers to."""
    graph = await runner.graph()
    await graph.aupdate_state(_config(child_id), forked, as_node=FORK_AS)
    return asset_keys(forked)


async def unfork(runner: JobRunner, child_id: str) -> None:
    """Remove a fork whose row was not made (an Idempotency-Key replay won the race)."""
    graph = await runner.graph()
    await graph.checkpointer.adelete_thread(child_id)  # type: ignore[union-attr]


def shot_revise_row(
    parent: JobRow,
    child_id: str,
    shot: int,
    instruction: str,
    *,
    idempotency_key: str | None = None,
) -> JobRow:
    """The child's row (not yet inserted): the parent's request, photo and owner, linked
    by `parent_id` (as a remix is). The request hash covers what the caller sent."""
    sent = json.dumps(
        {"revise_of": parent.id, "shot": shot, "instruction": instruction}, sort_keys=True
    )
    now = utcnow()
    deadline_s = parent.request.get("deadline_s")
    return JobRow(
        id=child_id,
        tenant=parent.tenant,
        kind=parent.kind,
        status="queued",
        progress=0,
        user_content=parent.user_content,
        user_id=parent.user_id,
        image_url=parent.image_url,
        request={**parent.request, "revise_shot": shot, "revise_prompt": instruction},
        request_hash=hashlib.sha256(sent.encode()).hexdigest(),
        idempotency_key=idempotency_key,
        parent_id=parent.id,
        reference=dict(parent.reference),
        webhook_url=None,
        webhook_secret=None,
        deadline_at=now + timedelta(seconds=float(deadline_s)) if deadline_s else None,
        created_at=now,
        updated_at=now,
        cost_usd=0.0,
    )
