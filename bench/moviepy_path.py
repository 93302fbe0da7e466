"""The same composition through MoviePy 2 (frames round-trip through Python/numpy)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from aistudio.tools.render.timeline import shot_starts
from aistudio.tools.toolbox import Toolbox
from bench.pipeline import RenderJob


def render_with_moviepy(toolbox: Toolbox, job: RenderJob, out: Path) -> float:
    """Wall seconds for MoviePy to make the same video from the same stored material.

    The material (keyframes, caption PNGs, end card, soundtrack) is taken from our storage
    (already rendered, untimed), so only the composition + encode is compared.
    """
    from moviepy import (  # MoviePy is a dev-only dependency, for this comparison
        AudioFileClip,
        CompositeVideoClip,
        ImageClip,
        vfx,
    )

    spec = asyncio.run(_spec(toolbox, job, out))
    width, height = spec.width, spec.height
    starts = shot_starts(job.plan)
    started = time.perf_counter()
    layers: list[Any] = []
    for i, shot in enumerate(spec.shots):
        base = ImageClip(str(shot.path)).with_duration(shot.duration_s)
        zoom_from = 1.0 / getattr(shot, "headroom", 1.0)

        def scaler(t: float, d: float = shot.duration_s, z: float = zoom_from) -> float:
            # push-in: from the headroom-cropped view to 8 % tighter over the shot
            return z * (1.0 + 0.08 * t / d)

        clip = base.resized(scaler).with_position("center").with_start(starts[i])
        if i > 0:
            clip = clip.with_effects([vfx.CrossFadeIn(spec.transitions[i - 1].duration_s)])
        layers.append(clip)
    for overlay in spec.overlays:
        layers.append(
            ImageClip(str(overlay.path))
            .with_start(overlay.start_s)
            .with_duration(overlay.end_s - overlay.start_s)
            .with_position((overlay.x, overlay.y))
        )
    video = CompositeVideoClip(layers, size=(width, height)).with_duration(spec.duration_s)
    if spec.audio:
        video = video.with_audio(AudioFileClip(str(spec.audio)).with_duration(spec.duration_s))
    video.write_videofile(
        str(out),
        fps=spec.fps,
        codec="libx264",
        preset=spec.x264_preset,
        ffmpeg_params=["-crf", str(spec.crf), "-pix_fmt", "yuv420p"],
        audio_codec="aac",
        audio_bitrate=spec.audio_bitrate,
        logger=None,
    )
    return time.perf_counter() - started


async def _spec(toolbox: Toolbox, job: RenderJob, out: Path) -> Any:
    plan, product = job.plan, job.product
    visuals = []
    for shot in plan.shots:
        pj = await toolbox.video.submit("bench", shot, plan, product)
        visuals += await toolbox.video.await_result(pj, shot, plan, product)
    soundtrack = await toolbox.soundtrack.render(job.audio, plan.duration_s, plan.seed)
    audio = await toolbox.storage.path_of(soundtrack.master)
    return await toolbox.composer.build_spec(
        plan, product, visuals, audio, plan.aspect_ratios[0], out
    )
