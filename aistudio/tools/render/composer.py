"""The composer: rendered shots + captions + end card + soundtrack -> one MP4 per aspect.

Orchestrates the stills tool and FFmpeg; every encode is memoised by its full input spec.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    Asset,
    Output,
    ProductProfile,
    RenderPlan,
    ShotList,
    ShotVisual,
)
from aistudio.settings import RenderSettings
from aistudio.tools.ffmpeg.engine import FFmpeg
from aistudio.tools.ffmpeg.spec import ComposeSpec
from aistudio.tools.protocols import Storage
from aistudio.tools.render.stills import StillsRenderer
from aistudio.tools.render.timeline import (
    PlacedOverlay,
    ShotMaterial,
    build_compose_spec,
    sweep_window,
)

COMPOSER_VERSION = "compose-v4"  # v4: loudness mastered on the encoded file


def compose_memo_key(spec: ComposeSpec) -> str:
    # Every input path is content-addressed (its name is its sha256), so the spec without
    # its output paths identifies the video completely.
    anonymous = dataclasses.replace(spec, output=Path("-"), poster=None)
    return "video:" + hashlib.sha256(f"{COMPOSER_VERSION}{anonymous!r}".encode()).hexdigest()


def material_is_still(visuals: Sequence[ShotVisual], shot_index: int, aspect: str) -> bool:
    """A light sweep belongs on a still the compositor made; a hosted clip has its own light."""
    return any(v.is_still for v in visuals if v.shot_index == shot_index and v.aspect == aspect)


class VideoComposer:
    name = "ffmpeg-composer"

    def __init__(
        self, storage: Storage, stills: StillsRenderer, ffmpeg: FFmpeg, render: RenderSettings
    ) -> None:
        self.storage = storage
        self.stills = stills
        self.ffmpeg = ffmpeg
        self.render_settings = render

    async def build_spec(
        self,
        plan: RenderPlan,
        product: ProductProfile,
        visuals: Sequence[ShotVisual],
        audio: Path | None,
        aspect: AspectRatio,
        output: Path,
        poster: Path | None = None,
    ) -> ComposeSpec:
        storage = self.storage
        captions, end_card = await asyncio.gather(
            self.stills.captions(plan.captions, aspect, plan.caption_scale, plan.grade),
            self.stills.end_card(plan.end_card, product, aspect, plan.grade, plan.layout),
        )
        material = {
            v.shot_index: ShotMaterial(path=await storage.path_of(v.asset), is_still=v.is_still)
            for v in visuals
            if v.aspect == aspect
        }
        overlays = [
            PlacedOverlay(await storage.path_of(c.asset), c.x, c.y, c.start_s, c.end_s)
            for c in captions
        ]
        width = ASPECT_SIZES[aspect][0]
        for index, shot in enumerate(plan.shots):
            if shot.light_sweep and material_is_still(visuals, shot.shot_index, aspect):
                band = await self.stills.light_band(aspect)
                start, end = sweep_window(plan, index)
                band_w = band.width or width // 2
                path = await storage.path_of(band)
                overlays.insert(0, PlacedOverlay(path, -band_w, 0, start, end, x_end=width))
        if plan.hook is not None:
            hook = await self.stills.hook(plan.hook, aspect, plan.grade)
            overlays.append(
                PlacedOverlay(
                    await storage.path_of(hook.asset), hook.x, hook.y, hook.start_s, hook.end_s
                )
            )
        return build_compose_spec(
            plan,
            aspect,
            material,
            await storage.path_of(end_card),
            overlays,
            audio,
            output,
            self.render_settings,
            poster,
        )

    async def compose(
        self,
        plan: RenderPlan,
        product: ProductProfile,
        visuals: Sequence[ShotVisual],
        audio: Path | None,
        aspect: AspectRatio,
        on_progress: Callable[[float], None] | None = None,
    ) -> Output:
        async with self.storage.scratch() as scratch:
            poster_path = scratch / "poster.jpg"
            spec = await self.build_spec(
                plan,
                product,
                visuals,
                audio,
                aspect,
                scratch / f"video-{aspect.replace(':', 'x')}.mp4",
                poster_path,
            )
            key = compose_memo_key(spec)
            video = await self.storage.recall(key)
            poster = None if video is None else await self.storage.recall("poster:" + key)
            if video is None:
                await self.ffmpeg.compose(spec, on_progress=on_progress)  # + the poster
                if spec.audio is not None:
                    await self._master(spec.output, spec.audio, plan.duration_s)
                video = await self.storage.put_file(
                    spec.output,
                    kind="video",
                    mime="video/mp4",
                    ext="mp4",
                    duration_s=plan.duration_s,
                    width=spec.width,
                    height=spec.height,
                )
                await self.storage.remember(key, video)
            elif poster is None:  # remembered without its poster: take it from the video
                await self.ffmpeg.extract_poster(
                    await self.storage.path_of(video), spec.poster_s, poster_path
                )
            if poster is None:
                poster = await self.storage.put_file(
                    poster_path, kind="poster", mime="image/jpeg", ext="jpg"
                )
                await self.storage.remember("poster:" + key, poster)
        return Output(aspect=aspect, video=video, poster=poster)

    async def _master(self, video: Path, audio: Path, duration_s: float) -> None:
        settings = self.render_settings
        await self.ffmpeg.master_output(
            video,
            audio,
            target_lufs=settings.target_lufs,
            true_peak_db=settings.true_peak_db,
            bitrate=settings.audio_bitrate,
            duration_s=duration_s,
        )

    async def remaster(self, output: Output, audio: Path, plan: RenderPlan) -> Output:
        """Output QA measured a loudness miss: measure this file again and correct its audio
        from the master (the picture is copied). The result is a new stored video."""
        async with self.storage.scratch() as scratch:
            work = scratch / "remaster.mp4"
            await asyncio.to_thread(shutil.copyfile, await self.storage.path_of(output.video), work)
            await self._master(work, audio, plan.duration_s)
            video = await self.storage.put_file(
                work,
                kind="video",
                mime="video/mp4",
                ext="mp4",
                duration_s=plan.duration_s,
                width=output.video.width,
                height=output.video.height,
            )
        return output.model_copy(update={"video": video})

    async def storyboard(
        self, visuals: Sequence[ShotVisual], plan: RenderPlan, shots: ShotList, title: str
    ) -> Asset:
        """The contact sheet. A hosted model's shot is a clip: its middle frame stands in."""
        durations = {s.shot_index: s.duration_s for s in plan.shots}
        frames: list[ShotVisual] = []
        async with self.storage.scratch() as scratch:
            for visual in visuals:
                if visual.is_still:
                    frames.append(visual)
                    continue
                out = scratch / f"shot{visual.shot_index}.jpg"
                await self.ffmpeg.extract_poster(
                    await self.storage.path_of(visual.asset), durations[visual.shot_index] / 2, out
                )
                frame = await self.storage.put_file(
                    out, kind="keyframe", mime="image/jpeg", ext="jpg"
                )
                frames.append(visual.model_copy(update={"asset": frame, "is_still": True}))
        return await self.stills.storyboard(frames, shots, title)
