"""Drive the same tools the graph nodes call, outside the graph, for timing."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from aistudio.artifacts import AudioPlan, Brief, ProductProfile, RenderPlan, ShotList
from aistudio.tools.toolbox import Toolbox


@dataclass(frozen=True)
class RenderJob:
    brief: Brief
    product: ProductProfile
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan


async def plan_job(toolbox: Toolbox, brief: Brief, image: Path, shots: int) -> RenderJob:
    """Ingest + the four planning agents; tries seeds until the plan has `shots` shots."""
    product = await toolbox.ingestor.ingest(await asyncio.to_thread(image.read_bytes))
    planner = toolbox.planner
    for seed in range(50):
        seeded = brief.model_copy(update={"seed": seed})
        concept = await planner.concept(seeded, product)
        shot_list = await planner.visual(seeded, product, concept)
        if len(shot_list.shots) != shots:
            continue
        audio = await planner.audio(seeded, concept, shot_list)
        plan = await planner.assembly(seeded, product, concept, shot_list, audio)
        return RenderJob(seeded, product, shot_list, audio, plan)
    raise RuntimeError(f"no seed in 0..49 gives a {shots}-shot plan")


async def render_job(
    toolbox: Toolbox, job: RenderJob, phases: dict[str, float] | None = None
) -> Path:
    """render_submit + render_await + compose for the first aspect; returns the MP4 path.

    `phases`, when given, receives the wall seconds of the keyframes+soundtrack phase and of
    the compose phase."""
    plan, product = job.plan, job.product
    started = time.perf_counter()
    jobs = await asyncio.gather(
        *(toolbox.video.submit("bench", shot, plan, product) for shot in plan.shots)
    )
    shots = {s.shot_index: s for s in plan.shots}
    async with asyncio.TaskGroup() as group:  # as render_await does
        sound = group.create_task(toolbox.soundtrack.render(job.audio, plan.duration_s, plan.seed))
        group.create_task(toolbox.stills.prepare(plan, product))
        tasks = [
            group.create_task(toolbox.video.await_result(j, shots[j.shot_index], plan, product))
            for j in jobs
        ]
    soundtrack = sound.result()
    visuals = [v for task in tasks for v in task.result()]
    audio = await toolbox.storage.path_of(soundtrack.master)
    composing = time.perf_counter()
    output = await toolbox.composer.compose(plan, product, visuals, audio, plan.aspect_ratios[0])
    if phases is not None:
        phases["stills_and_soundtrack_s"] = round(composing - started, 2)
        phases["compose_s"] = round(time.perf_counter() - composing, 2)
    return await toolbox.storage.path_of(output.video)
