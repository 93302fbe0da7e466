"""Render: submit every shot to the video provider, then await the results (and the
soundtrack, made meanwhile).

Submit and await are separate nodes on purpose (DESIGN §4): the provider's request ids are
checkpointed after submit, so a run that crashes while waiting polls the same requests on
resume and never pays for a shot twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from aistudio.artifacts import ProviderJob, QAReport, Revision, ShotRender, ShotVisual
from aistudio.errors import AppError, BudgetExceeded
from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.pipeline import VideoState
from aistudio.tools.toolbox import StudioContext

log = logging.getLogger("aistudio.render")


RESEED = 7919  # a remade shot asks for a different take: seed + RESEED * attempt
REVISION_RESEED = 104729  # and a revised shot another: + REVISION_RESEED * revision round


def shots_to_remake(report: QAReport | None, have_jobs: bool) -> set[int] | None:
    """Which shots an output-QA "render" redo must make again; None: all of them.

    Only per-shot checks narrow it down; any other failing render check (or a first render)
    means every shot. The shots that passed keep their (paid) clips.
    """
    if report is None or report.passed or report.redo != "render" or not have_jobs:
        return None
    failing = [c for c in report.checks if not c.passed and c.redo == "render"]
    if not failing or any(c.shot_index is None for c in failing):
        return None
    return {c.shot_index for c in failing if c.shot_index is not None}


def revised_shot(state: VideoState) -> int | None:
    """The shot a shot revise makes again (aistudio.jobs.revise): until the child job's own
    output QA has run, it alone is rendered; every other shot keeps its clip."""
    revision = state.get("revision")
    if revision is None or revision.shot_index is None or state.get("output_qa") is not None:
        return None
    return revision.shot_index


def remade_shots(state: VideoState, have_jobs: bool) -> set[int] | None:
    """The shots this render makes again (None: all of them)."""
    shot = revised_shot(state)
    if shot is not None and have_jobs:
        return {shot}
    return shots_to_remake(state.get("output_qa"), have_jobs)


def take(shot: ShotRender, attempt: int, remade: bool, revision: int = 0) -> ShotRender:
    if not remade:
        return shot
    return shot.model_copy(
        update={"seed": shot.seed + RESEED * attempt + REVISION_RESEED * revision}
    )


def shot_take(state: VideoState, shot: ShotRender, remade: bool) -> ShotRender:
    """The take render_submit asks for and render_await expects (the same, always)."""
    revision = state.get("revision")
    rounds = revision.round if shot.shot_index == revised_shot(state) and revision else 0
    return take(shot, state.get("output_attempts", 0), remade, rounds)


def revision_answer(answer: object, state: VideoState) -> Revision | None:
    """The approval pause's answer as a revision, when it is one ({"revise": instruction})."""
    if isinstance(answer, dict) and isinstance(answer.get("revise"), str):
        return Revision(instruction=answer["revise"], round=state.get("revised", 0) + 1)
    return None


def spent_usd(submissions: Sequence[ProviderJob]) -> float:
    return sum({(j.provider, j.request_id): j.cost_usd for j in submissions}.values())


def paid_requests(jobs: Sequence[ProviderJob], known: Sequence[ProviderJob]) -> list[ProviderJob]:
    """The provider requests behind `jobs` (each shot's scenes, then its clip) that `known`
    does not hold yet: a remembered submission (same request id) was not paid again."""
    seen = {(j.provider, j.request_id) for j in known}
    fresh = []
    for request in (r for job in jobs for r in job.paid):
        if (request.provider, request.request_id) not in seen:
            seen.add((request.provider, request.request_id))
            fresh.append(request)
    return fresh


def check_budget(
    quotes: Sequence[tuple[int, str, float | None]], budget: float | None, already_paid: float
) -> float:
    """The quoted cost of the shots about to be submitted; BudgetExceeded before anything is
    paid when it (plus what the job already paid) would pass the budget. An unpriced model
    cannot be shown to fit a budget, so it is refused too."""
    unknown = sorted({model for _, model, price in quotes if price is None})
    total = sum(price or 0.0 for _, _, price in quotes)
    if budget is None:
        return total
    if unknown:
        raise BudgetExceeded(
            f"the job has a budget of ${budget:.2f} but the price of "
            f"{', '.join(unknown)} is unknown (no price in the catalog)"
        )
    if already_paid + total > budget + 1e-9:
        raise BudgetExceeded(
            f"rendering would cost ${already_paid + total:.2f} "
            f"({len(quotes)} shot(s) quoted ${total:.2f}"
            f"{f', ${already_paid:.2f} already paid' if already_paid else ''}), "
            f"over the job's budget of ${budget:.2f}"
        )
    return total


@node("render_submit")
async def render_submit(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    approval: Update = {}
    if state["brief"].approve_plan and not state.get("plan_approved"):
        # Human in the loop, before anything is paid for: the run stops here (checkpointed)
        # and the job service resumes it with Command(resume=...) once the plan is approved;
        # this node then starts again from the top and interrupt() returns the answer.
        # Approved once is enough: a later output-QA remake does not ask again. The answer
        # may instead be a revision: nothing is submitted, the plan is made again (the
        # `revise` node, then planning) and this node asks again.
        answer = interrupt({"awaiting": "plan_approval", "job_id": state["job_id"]})
        if (revision := revision_answer(answer, state)) is not None:
            return {"revision": revision}
        approval = {"plan_approved": True}
    plan, product = state["plan"], state["product"]
    previous = state.get("render_jobs") or []
    remake = remade_shots(state, bool(previous))
    if remake is None:
        targets = list(plan.shots)
        kept: list[ProviderJob] = []
    else:
        targets = [shot_take(state, s, True) for s in plan.shots if s.shot_index in remake]
        kept = [j for j in previous if j.shot_index not in remake]
        log.info(
            "job %s: remaking shot(s) %s alone; %d shot(s) kept",
            state["job_id"],
            sorted(i + 1 for i in remake),
            len(kept),
        )
    budget = state["brief"].max_cost_usd
    if budget is None:
        budget = tools.settings.providers.max_cost_usd_per_job
    paid = spent_usd(state.get("submissions") or [])
    # A hosted shot's quote includes the scenes its first frame may need (image models).
    models = state["brief"].models
    quotes = [(s.shot_index, *tools.video.estimate(s, plan, models)) for s in targets]
    check_budget(quotes, budget, paid)
    jobs = await asyncio.gather(
        *(tools.video.submit(state["job_id"], shot, plan, product, models) for shot in targets)
    )
    for job in jobs:
        # The only duplicate-payment window: accepted by the provider, not yet checkpointed.
        log.info(
            "job %s shot %d submitted to %s/%s as %s",
            state["job_id"],
            job.shot_index,
            job.provider,
            job.model,
            job.request_id,
        )
    return {
        **approval,
        "render_jobs": sorted([*kept, *jobs], key=lambda j: j.shot_index),
        "submissions": paid_requests(jobs, state.get("submissions") or []),
    }


@node("render_await")
async def render_await(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan, product = state["plan"], state["product"]
    remade = remade_shots(state, True) is not None
    shots = {shot.shot_index: shot for shot in plan.shots}
    pending = [job for job in state["render_jobs"] if job.status == "submitted"]
    waiting = {job.shot_index for job in pending}
    done = 0

    async def _await(job: ProviderJob) -> list[ShotVisual]:
        nonlocal done
        shot = shot_take(state, shots[job.shot_index], remade)
        visuals = await tools.video.await_result(job, shot, plan, product)
        done += 1
        progress(runtime, "render_await", done / len(pending), f"shot {job.shot_index + 1}")
        return visuals

    # The soundtrack (voice lines, music bed, mix) and the captions and end cards compose
    # will burn in are made while the shots render: none depends on the others, and on two
    # cores the overlap saves seconds. A TaskGroup cancels the rest if one part fails.
    try:
        async with asyncio.TaskGroup() as group:
            sound = group.create_task(
                tools.soundtrack.render(state["audio"], plan.duration_s, plan.seed)
            )
            group.create_task(tools.stills.prepare(plan, product))
            shot_tasks = [group.create_task(_await(job)) for job in pending]
    except ExceptionGroup as group_error:
        # Surface the first of our own errors (e.g. the provider's reason), so the node
        # wrapper can end the job with it; anything else stays the group it was.
        ours = group_error.subgroup(lambda e: isinstance(e, AppError))
        if ours is None:
            raise
        first = ours.exceptions[0]
        while isinstance(first, ExceptionGroup):
            first = first.exceptions[0]
        raise first from group_error
    soundtrack = sound.result()
    finished = [
        job.model_copy(update={"status": "completed"}) if job.shot_index in waiting else job
        for job in state["render_jobs"]
    ]
    kept = [v for v in state.get("visuals") or [] if v.shot_index not in waiting]
    fresh = [visual for task in shot_tasks for visual in task.result()]
    return {
        "visuals": sorted([*kept, *fresh], key=lambda v: (v.shot_index, v.aspect)),
        "render_jobs": finished,
        "voice": soundtrack.voice,
        "audio_master": soundtrack.master,
    }
