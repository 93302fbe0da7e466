"""What a plan looks like before anything is rendered: its storyboard, its first scene as a
still, and its cost per shot. Drawn from the local compositor's keyframes, nothing submitted
(quotes, refines, a job paused for approval, the brief agent's preview)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from PIL import Image

from aistudio.artifacts import ASPECT_SIZES, Asset, ModelChoice, RenderPlan, ShotVisual
from aistudio.graph.planning import PlannedJob
from aistudio.nodes.render import check_budget
from aistudio.tools.image.scenes import Scene
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.toolbox import Toolbox


@dataclass(frozen=True)
class CostLine:
    shot_index: int
    model: str
    price_usd: float | None  # None: the catalog has no price for the model


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
