"""What a plan looks like before anything is rendered: its storyboard, its first scene as a
still, and its cost per shot. Drawn from the local compositor's keyframes, nothing submitted
(quotes, refines, a job paused for approval, the brief agent's preview)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from PIL import Image

from aistudio.artifacts import ASPECT_SIZES, Asset, RenderPlan, ShotVisual
from aistudio.graph.planning import PlannedJob
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


async def scene_still(toolbox: Toolbox, job: PlannedJob) -> Asset:
    """The product in the plan's first scene: that shot's keyframe, framed as a picture."""
    aspect = job.plan.aspect_ratios[0]
    frame = await keyframes(toolbox).keyframe(job.plan.shots[0], job.plan, job.product, aspect)
    data = await asyncio.to_thread(
        _crop_to_frame, await toolbox.storage.read_bytes(frame), ASPECT_SIZES[aspect]
    )
    width, height = ASPECT_SIZES[aspect]
    return await toolbox.storage.put_bytes(
        data, kind="keyframe", mime="image/png", ext="png", width=width, height=height
    )


def cost_lines(toolbox: Toolbox, plan: RenderPlan) -> list[CostLine]:
    """What each shot would cost on the configured provider (the quote render_submit's
    budget check makes)."""
    return [CostLine(shot.shot_index, *toolbox.video.estimate(shot, plan)) for shot in plan.shots]
