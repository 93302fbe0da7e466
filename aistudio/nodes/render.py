"""Render: submit every shot to the video provider, then await the results (and the
soundtrack, made meanwhile).

Submit and await are separate nodes on purpose (DESIGN §4): the provider's request ids are
checkpointed after submit, so a run that crashes while waiting polls the same requests on
resume and never pays for a shot twice.
"""

from __future__ import annotations

import asyncio
import logging

from langgraph.runtime import Runtime

from aistudio.artifacts import ProviderJob, ShotVisual
from aistudio.graph.state import VideoState
from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.tools.toolbox import StudioContext

log = logging.getLogger("aistudio.render")


@node("render_submit")
async def render_submit(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan, product = state["plan"], state["product"]
    jobs = await asyncio.gather(
        *(tools.video.submit(state["job_id"], shot, plan, product) for shot in plan.shots)
    )
    for job in jobs:
        # The only duplicate-payment window: accepted by the provider, not yet checkpointed.
        log.info(
            "job %s shot %d submitted to %s/%s as %s",
            state["job_id"], job.shot_index, job.provider, job.model, job.request_id,
        )
    return {"render_jobs": list(jobs)}


@node("render_await")
async def render_await(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan, product = state["plan"], state["product"]
    shots = {shot.shot_index: shot for shot in plan.shots}
    jobs = state["render_jobs"]
    done = 0

    async def _await(job: ProviderJob) -> list[ShotVisual]:
        nonlocal done
        visuals = await tools.video.await_result(job, shots[job.shot_index], plan, product)
        done += 1
        progress(runtime, "render_await", done / len(jobs), f"shot {job.shot_index + 1}")
        return visuals

    # The soundtrack (voice lines, music bed, mix) is made while the shots render: the two
    # don't depend on each other, and on two cores the overlap saves seconds.
    # A TaskGroup cancels the rest if one part fails.
    async with asyncio.TaskGroup() as group:
        sound = group.create_task(
            tools.soundtrack.render(state["audio"], plan.duration_s, plan.seed)
        )
        shot_tasks = [group.create_task(_await(job)) for job in jobs]
    soundtrack = sound.result()
    finished = [job.model_copy(update={"status": "completed"}) for job in jobs]
    visuals = [visual for task in shot_tasks for visual in task.result()]
    return {
        "visuals": visuals,
        "render_jobs": finished,
        "voice": soundtrack.voice,
        "audio_master": soundtrack.master,
    }
