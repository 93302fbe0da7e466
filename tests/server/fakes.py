"""A fast toolbox for server tests: real storage, planner, ingest, QA and publish; the
expensive render parts swapped for tiny real encodes (160x284 MP4s made by ffmpeg)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import io
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

from aistudio.artifacts import (
    AspectRatio,
    AudioPlan,
    ModelChoice,
    Output,
    ProductProfile,
    ProviderJob,
    RenderPlan,
    ShotRender,
    ShotVisual,
)
from aistudio.settings import Settings
from aistudio.tools.audio.soundtrack import Soundtrack, SoundtrackResult
from aistudio.tools.moderation.local import LocalModerator
from aistudio.tools.render.composer import VideoComposer
from aistudio.tools.toolbox import Toolbox, build_toolbox
from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.ingest import LocalIngestor
from aistudio.tools.vision.inspect import FrameInspector
from aistudio.tools.vision.ocr import TextReader

TINY = {"9:16": (160, 284), "1:1": (160, 160), "16:9": (284, 160)}


class InstantVideo:
    """Every shot's material is the product cut-out itself (no keyframe drawing).

    `submitted` counts submissions (what a real provider would bill); `price` is what
    `estimate` quotes per shot (None: an unpriced model)."""

    name = "instant"

    def __init__(self) -> None:
        self.submitted: list[str] = []
        self.price: float | None = 0.0

    async def submit(
        self,
        job_id: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        models: ModelChoice | None = None,
    ) -> ProviderJob:
        self.submitted.append(f"{job_id}-{shot.shot_index}")
        return ProviderJob(
            provider=self.name,
            model="cutout",
            request_id=f"{job_id}-{shot.shot_index}",
            shot_index=shot.shot_index,
            cost_usd=0.01,
        )

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]:
        return [
            ShotVisual(shot_index=shot.shot_index, aspect=aspect, asset=product.cutout)
            for aspect in plan.aspect_ratios
        ]

    async def cancel(self, job: ProviderJob) -> None:
        return None

    def estimate(
        self, shot: ShotRender, plan: RenderPlan, models: ModelChoice | None = None
    ) -> tuple[str, float | None]:
        return "cutout", self.price


class SilentSoundtrack(Soundtrack):
    """A silent WAV master of the right length (no voice, no music synthesis)."""

    async def render(self, plan: AudioPlan, duration_s: float, seed: int) -> SoundtrackResult:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(b"\0\0" * int(8000 * duration_s))
        master = await self.storage.put_bytes(
            buffer.getvalue(),
            kind="audio_master",
            mime="audio/wav",
            ext="wav",
            duration_s=duration_s,
        )
        return SoundtrackResult(master, None, None)


class TinyComposer(VideoComposer):
    """A real (tiny) MP4 from ffmpeg's test source; `delay_s` makes the node last a while,
    so tests can cancel or stop the app while a job is composing."""

    delay_s = 0.0
    crash = False  # raise an unexpected error, as a bug in a tool would

    async def compose(
        self,
        plan: RenderPlan,
        product: ProductProfile,
        visuals: Sequence[ShotVisual],
        audio: Path | None,
        aspect: AspectRatio,
        on_progress: Callable[[float], None] | None = None,
    ) -> Output:
        if self.crash:
            raise RuntimeError("tool bug at /srv/secret/path")
        steps = 10
        for step in range(steps):
            await asyncio.sleep(self.delay_s / steps)
            if on_progress:
                on_progress(step / steps)
        width, height = TINY[aspect]
        async with self.storage.scratch() as scratch:
            out, poster = scratch / "tiny.mp4", scratch / "poster.jpg"
            await _run(
                self.ffmpeg.binary,
                "-f",
                "lavfi",
                "-i",
                f"testsrc=size={width}x{height}:rate=15:duration={plan.duration_s}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={plan.duration_s}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "32k",
                "-shortest",
                str(out),
            )
            await _run(self.ffmpeg.binary, "-i", str(out), "-frames:v", "1", str(poster))
            video = await self.storage.put_file(
                out,
                kind="video",
                mime="video/mp4",
                ext="mp4",
                duration_s=plan.duration_s,
                width=width,
                height=height,
            )
            still = await self.storage.put_file(poster, kind="poster", mime="image/jpeg", ext="jpg")
        return Output(aspect=aspect, video=video, poster=still)


async def _run(binary: str, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        binary,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await proc.communicate()
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()[-2000:]


@functools.cache
def _shared_models() -> tuple[TextReader, LocalModerator, FrameInspector]:
    # The ONNX/OCR models load lazily and take seconds: one set for the whole test session.
    ocr, people = TextReader(), PeopleDetector()
    return ocr, LocalModerator(0.7, people), FrameInspector(ocr, people)


def fast_toolbox(
    settings: Settings,
    *,
    compose_delay_s: float = 0.0,
    compose_crash: bool = False,
    hosted_video: bool = False,
) -> Toolbox:
    """`hosted_video`: keep the video provider the settings chose (a fake fal/Replicate)."""
    real = build_toolbox(settings)
    ocr, moderator, inspector = _shared_models()
    composer = TinyComposer(real.storage, real.stills, real.ffmpeg, settings.render)
    composer.delay_s = compose_delay_s
    composer.crash = compose_crash
    soundtrack = SilentSoundtrack(
        real.storage, real.voice, real.music, real.ffmpeg, settings.render
    )
    return dataclasses.replace(
        real,
        video=real.video if hosted_video else InstantVideo(),
        soundtrack=soundtrack,
        composer=composer,
        ingestor=LocalIngestor(real.storage, settings.limits, ocr),
        moderator=moderator,
        inspector=inspector,
    )
