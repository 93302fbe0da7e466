"""Compose: soundtrack once, then one FFmpeg filtergraph per aspect ratio, plus a poster."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from langgraph.runtime import Runtime

from aistudio.artifacts import AspectRatio, Asset, Output, ShotVisual
from aistudio.graph.state import VideoState
from aistudio.nodes.common import Update, node, progress, toolbox
from aistudio.tools.ffmpeg.spec import ComposeSpec
from aistudio.tools.render.timeline import (
    PlacedOverlay,
    ShotMaterial,
    build_compose_spec,
    shot_starts,
)
from aistudio.tools.toolbox import StudioContext, Toolbox

COMPOSER_VERSION = "compose-v1"


def _memo_key(spec: ComposeSpec) -> str:
    # Every input path is content-addressed (its name is its sha256), so the spec without
    # its output path identifies the video completely.
    anonymous = dataclasses.replace(spec, output=Path("-"))
    return "video:" + hashlib.sha256(f"{COMPOSER_VERSION}{anonymous!r}".encode()).hexdigest()


async def _compose_one(
    tools: Toolbox,
    runtime: Runtime[StudioContext],
    state: VideoState,
    aspect: AspectRatio,
    audio: Path,
    visuals: list[ShotVisual],
    share: tuple[int, int],
) -> Output:
    plan, storage = state["plan"], tools.storage
    captions = await tools.stills.captions(plan.captions, aspect, plan.caption_scale, plan.grade)
    end_card = await tools.stills.end_card(plan.end_card, state["product"], aspect, plan.grade)
    material = {
        v.shot_index: ShotMaterial(path=await storage.path_of(v.asset), is_still=v.is_still)
        for v in visuals
        if v.aspect == aspect
    }
    overlays = [
        PlacedOverlay(await storage.path_of(c.asset), c.x, c.y, c.start_s, c.end_s)
        for c in captions
    ]
    scratch = storage.scratch_dir()
    spec = build_compose_spec(
        plan,
        aspect,
        material,
        await storage.path_of(end_card),
        overlays,
        audio,
        scratch / f"video-{aspect.replace(':', 'x')}.mp4",
        tools.settings.render,
    )
    index, count = share
    key = _memo_key(spec)
    video = await storage.recall(key)
    if video is None:

        def on_progress(fraction: float) -> None:
            progress(runtime, "compose", (index + fraction) / count, f"encoding {aspect}")

        await tools.ffmpeg.compose(spec, on_progress=on_progress)
        video = await storage.put_file(
            spec.output,
            kind="video",
            mime="video/mp4",
            ext="mp4",
            duration_s=plan.duration_s,
            width=spec.width,
            height=spec.height,
        )
        await storage.remember(key, video)
    poster = await _poster(tools, video, shot_starts(plan), plan.shots[-1].duration_s, scratch)
    progress(runtime, "compose", (index + 1) / count, f"{aspect} done")
    return Output(aspect=aspect, video=video, poster=poster)


async def _poster(
    tools: Toolbox, video: Asset, starts: list[float], last_shot_s: float, scratch: Path
) -> Asset:
    # The middle of the last product shot: the product is in frame and its caption is up.
    t = starts[-2] + last_shot_s / 2
    out = scratch / "poster.jpg"
    await tools.ffmpeg.extract_poster(await tools.storage.path_of(video), t, out)
    return await tools.storage.put_file(out, kind="poster", mime="image/jpeg", ext="jpg")


@node("compose")
async def compose(state: VideoState, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    plan = state["plan"]
    progress(runtime, "compose", 0.0, "soundtrack")
    soundtrack = await tools.soundtrack.render(state["audio"], plan.duration_s, plan.seed)
    audio_path = await tools.storage.path_of(soundtrack.master)
    outputs = [
        await _compose_one(
            tools, runtime, state, aspect, audio_path, state["visuals"],
            (i, len(plan.aspect_ratios)),
        )
        for i, aspect in enumerate(plan.aspect_ratios)
    ]
    return {
        "outputs": outputs,
        "voice": soundtrack.voice,
        "audio_master": soundtrack.master,
    }
