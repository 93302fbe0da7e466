"""Plan without rendering: the video graph's planning half, for quotes and image refines.

The planning nodes themselves (ingest, input moderation, the four agents, plan QA with its
retry edges) run in a small graph of their own that ends where the video graph would submit
the first render, so a quote is exactly the plan a job would render and nothing is paid for.
No checkpointer: a quote lives as long as its request.
"""

from __future__ import annotations

import asyncio
import functools
import io
import itertools
from dataclasses import dataclass
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    Asset,
    AudioPlan,
    Brief,
    Concept,
    ModelChoice,
    ProductProfile,
    QAReport,
    RenderPlan,
    ShotList,
    ShotVisual,
)
from aistudio.errors import InputError
from aistudio.graph.routing import next_or_fail, route_after_plan_qa
from aistudio.graph.state import VideoInput, VideoState
from aistudio.nodes.agents import assembly, audio, concept, visual
from aistudio.nodes.ingest import ingest
from aistudio.nodes.moderation import moderate_input
from aistudio.nodes.qa import qa_plan
from aistudio.nodes.render import check_budget
from aistudio.tools.image.scenes import Scene
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.toolbox import StudioContext, Toolbox

_STEPS = ("ingest", "moderate_input", "concept", "visual", "audio", "assembly", "qa_plan")
_RETRY_TARGETS = ("concept", "visual", "audio", "assembly")


@dataclass(frozen=True)
class PlannedJob:
    brief: Brief
    product: ProductProfile
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan
    plan_qa: QAReport


@dataclass(frozen=True)
class CostLine:
    shot_index: int
    model: str
    price_usd: float | None  # None: the catalog has no price for the model


@functools.cache
def planning_graph(max_qa_retries: int) -> CompiledStateGraph[Any, Any, Any, Any]:
    """ingest → … → qa_plan ⟲, ending at END where the video graph goes to render_submit
    (or fail). Compiled once per retry budget: compiling inspects every node."""
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        VideoState, context_schema=StudioContext, input_schema=VideoInput
    )
    for name, fn in zip(
        _STEPS, (ingest, moderate_input, concept, visual, audio, assembly, qa_plan), strict=True
    ):
        graph.add_node(name, fn)
    graph.add_edge(START, "ingest")
    for source, target in itertools.pairwise(_STEPS):
        graph.add_conditional_edges(
            source, functools.partial(next_or_fail, nxt=target), {target: target, "fail": END}
        )
    routes: dict[str, str] = {name: name for name in _RETRY_TARGETS}
    routes.update({"render_submit": END, "fail": END})
    graph.add_conditional_edges(
        "qa_plan",
        functools.partial(route_after_plan_qa, max_retries=max_qa_retries),
        routes,  # type: ignore[arg-type]
    )
    return graph.compile()


async def plan_job(toolbox: Toolbox, brief: Brief, reference: Asset, label: str) -> PlannedJob:
    """Run the planning half of the video graph on a stored photo. A node's permanent
    failure (unreadable photo, blocked brief) is an InputError: the caller's input is why."""
    start = VideoInput(job_id=label, brief=brief, reference=reference, out_dir="")
    graph = planning_graph(toolbox.settings.max_qa_retries)
    values: dict[str, Any] = await graph.ainvoke(
        start, context=StudioContext(toolbox=toolbox), config={"recursion_limit": 100}
    )
    if values.get("status") == "failed":
        raise InputError(str(values.get("error") or "planning failed"))
    return PlannedJob(
        brief=brief,
        product=values["product"],
        concept=values["concept"],
        shots=values["shots"],
        audio=values["audio"],
        plan=values["plan"],
        plan_qa=values["plan_qa"],
    )


def keyframes(toolbox: Toolbox) -> LocalVideoProvider:
    """The local compositor's keyframes, whatever provider renders: hosted models animate
    these very frames, and built like the toolbox's own they share its memo entries, so a
    job rendered after its quote reuses them."""
    return LocalVideoProvider(toolbox.storage, toolbox.settings.render.motion_headroom)


async def storyboard(toolbox: Toolbox, job: PlannedJob) -> Asset:
    """The contact sheet of the plan's keyframes in its first aspect (nothing submitted)."""
    aspect = job.plan.aspect_ratios[0]
    local = keyframes(toolbox)
    # Each keyframe is drawn in a thread: gathered, the two cores share them.
    frames = await asyncio.gather(
        *(local.keyframe(shot, job.plan, job.product, aspect) for shot in job.plan.shots)
    )
    visuals = [
        ShotVisual(shot_index=shot.shot_index, aspect=aspect, asset=frame)
        for shot, frame in zip(job.plan.shots, frames, strict=True)
    ]
    return await toolbox.composer.storyboard(visuals, job.plan, job.shots, job.concept.title)


def _crop_to_frame(data: bytes, frame: tuple[int, int]) -> bytes:
    """A keyframe (drawn with motion headroom around the frame) cut to the frame itself."""
    with Image.open(io.BytesIO(data)) as keyframe:
        width, height = frame
        scale = min(keyframe.width / width, keyframe.height / height)
        crop_w, crop_h = round(width * scale), round(height * scale)
        left, top = (keyframe.width - crop_w) // 2, (keyframe.height - crop_h) // 2
        image = keyframe.convert("RGB").crop((left, top, left + crop_w, top + crop_h))
        image = image.resize(frame, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class SceneStill:
    picture: Asset  # PNG at the frame's size
    scene: Scene  # where it came from: an image model's scene, or the local keyframe


async def scene_still(toolbox: Toolbox, job: PlannedJob, label: str) -> SceneStill:
    """The product in the plan's first scene, framed as a picture: made by the image model
    from the photo and the first shot's prompt when one is configured (and it kept the
    product; remade once, else the local keyframe), by the local compositor otherwise.
    The scenes' price is checked against the budget before anything is paid."""
    aspect = job.plan.aspect_ratios[0]
    budget = job.brief.max_cost_usd
    if budget is None:
        budget = toolbox.settings.providers.max_cost_usd_per_job
    quote = toolbox.scenes.estimate(aspect, job.brief.image_model)
    if quote is not None:
        check_budget([(0, *quote)], budget, 0.0)
    scene = await toolbox.scenes.make(
        label, job.plan.shots[0], job.plan, job.product, aspect, job.brief.image_model
    )
    data = await asyncio.to_thread(
        _crop_to_frame, await toolbox.storage.read_bytes(scene.asset), ASPECT_SIZES[aspect]
    )
    width, height = ASPECT_SIZES[aspect]
    picture = await toolbox.storage.put_bytes(
        data, kind="keyframe", mime="image/png", ext="png", width=width, height=height
    )
    return SceneStill(picture, scene)


def cost_lines(
    toolbox: Toolbox, plan: RenderPlan, models: ModelChoice | None = None
) -> list[CostLine]:
    """What each shot would cost on the configured provider, the scenes of its first frame
    included (the quote render_submit's budget check makes)."""
    return [
        CostLine(shot.shot_index, *toolbox.video.estimate(shot, plan, models))
        for shot in plan.shots
    ]
