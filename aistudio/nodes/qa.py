"""QA agents: plan QA before any render, output QA measured on the finished videos."""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from aistudio.artifacts import ModerationVerdict, Output, QACheck, QAReport, RenderPlan
from aistudio.errors import ModerationBlocked
from aistudio.nodes import output_checks as checks
from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.nodes.cutout_check import cutout_quality_check
from aistudio.pipeline import VideoState
from aistudio.tools.moderation.prompts import Sanitiser, moderate_prompts
from aistudio.tools.planner.copy_checks import brand_match
from aistudio.tools.render.timeline import shot_starts
from aistudio.tools.toolbox import StudioContext, Toolbox
from aistudio.tools.vision.variety import most_alike


async def _moderated_plan(
    tools: Toolbox, state: VideoState
) -> tuple[RenderPlan, ModerationVerdict]:
    """The final shot prompts are moderated before anything is paid for; a flagged set is
    rewritten once by an LLM planner (the offline one writes from fixed templates), then a
    still-flagged plan blocks the job."""
    plan = state["plan"]
    sanitiser = tools.planner if isinstance(tools.planner, Sanitiser) else None
    prompts, verdict = await moderate_prompts(
        tools.moderator,
        [s.prompt for s in plan.shots],
        kind=state["brief"].kind,
        sanitiser=sanitiser,
    )
    if not verdict.allowed:
        raise ModerationBlocked(
            f"the shot prompts were flagged ({', '.join(verdict.categories) or 'unsafe'})",
            verdict.categories,
        )
    if list(prompts) != [s.prompt for s in plan.shots]:
        shots = tuple(
            s.model_copy(update={"prompt": p}) for s, p in zip(plan.shots, prompts, strict=True)
        )
        plan = plan.model_copy(update={"shots": shots})
    return plan, verdict


@node("qa_plan")
async def qa_plan(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan, verdict = await _moderated_plan(tools, state)
    report = await tools.planner.review(
        state["brief"],
        state["concept"],
        state["shots"],
        state["audio"],
        plan,
        attempt=state.get("plan_attempts", 0),
    )
    # The photo's label against the brief's brand: a warning the user sees, never a redo.
    product = state["product"]
    brand = brand_match(state["brief"], product)
    # A plan may show the product's cut-out only when the cut-out holds (ingest's score).
    cutout = cutout_quality_check(
        product.cutout_quality, plan.layout, plan.kind, tools.settings.qa.min_cutout_quality
    )
    report = report.model_copy(update={"checks": (*report.checks, brand, cutout)})
    update: Update = {"plan_qa": report, "plan_attempts": 1, "moderation": [verdict]}
    if plan is not state["plan"]:
        update["plan"] = plan
    if not report.passed:
        update["feedback"] = report.feedback
    return update


def _sample_times(state: VideoState) -> tuple[list[float], list[float]]:
    """Mid-points of each shot's solo window (no transition) and of each caption."""
    plan = state["plan"]
    starts = shot_starts(plan)
    shot_times = [
        starts[i] + (shot.duration_s - plan.transitions[i].duration_s) / 2
        for i, shot in enumerate(plan.shots)
    ]
    caption_times = [(c.start_s + c.end_s) / 2 for c in plan.captions]
    return shot_times, caption_times


async def _inspect_output(tools: Toolbox, state: VideoState, output: Output) -> list[QACheck]:
    plan, qa = state["plan"], tools.settings.qa
    path = await tools.storage.path_of(output.video)
    probe, analysis = await asyncio.gather(tools.ffmpeg.probe(path), tools.ffmpeg.analyze(path))
    found = checks.probe_checks(probe, output.aspect, plan.duration_s, plan.fps, qa)
    found += checks.analysis_checks(analysis, output.aspect, state["audio"].target_lufs, qa)

    shot_times, caption_times = _sample_times(state)
    frames = await tools.ffmpeg.extract_frames(path, shot_times + caption_times)
    shot_frames, caption_frames = frames[: len(shot_times)], frames[len(shot_times) :]
    reference = await tools.storage.path_of(state["product"].cutout)
    fidelity = await tools.inspector.fidelity(reference, shot_frames)
    sharpness = await tools.inspector.sharpness(shot_frames)
    generated = {v.shot_index for v in state["visuals"] if not v.is_still}
    for shot, (inliers, score), sharp in zip(plan.shots, fidelity, sharpness, strict=True):
        found.append(
            checks.fidelity_check(
                shot.shot_index,
                inliers,
                score,
                output.aspect,
                qa,
                generated=shot.shot_index in generated,
            )
        )
        found.append(checks.sharpness_check(shot.shot_index, sharp, output.aspect, qa))
    for i, (caption, frame) in enumerate(zip(plan.captions, caption_frames, strict=True)):
        similarity = await tools.inspector.caption_similarity(frame, caption.text)
        found.append(checks.caption_check(i, caption.text, similarity, output.aspect, qa))

    similarity, pair = most_alike(shot_frames)
    found.append(checks.shot_variety_check(similarity, pair, output.aspect, qa))

    humans_allowed = state["concept"].humans_allowed
    faces = await tools.inspector.count_faces(shot_frames)
    found.append(checks.people_check(faces, humans_allowed, output.aspect))
    async with tools.storage.scratch() as scratch:
        frame_files = await tools.inspector.save_frames(shot_frames, scratch)
        verdict = await tools.moderator.check_images(
            frame_files, subject="frames", humans_allowed=humans_allowed
        )
    if not verdict.allowed:
        raise ModerationBlocked(
            f"output frames were flagged ({', '.join(verdict.categories)})", verdict.categories
        )
    found.append(checks.moderation_check(verdict.allowed, verdict.categories))
    return found


@node("qa_output")
async def qa_output(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    found: list[QACheck] = []
    outputs = state["outputs"]
    for i, output in enumerate(outputs):
        progress(runtime, "qa_output", i / len(outputs), f"checking {output.aspect}")
        found += await _inspect_output(tools, state, output)
    voice = state.get("voice")
    found.append(
        checks.voice_check(
            voice.ends_at if voice else None,
            voice.overflow if voice else (),
            state["plan"].duration_s,
            tools.settings.qa,
        )
    )
    report = QAReport(stage="output", checks=tuple(found), attempt=state.get("output_attempts", 0))
    update: Update = {"output_qa": report, "output_attempts": 1}
    if not report.passed:
        update["feedback"] = report.feedback
    return update
